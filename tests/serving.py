"""A real server for the tests that need one, and for the benchmark's load test: gunicorn on a free port.

Here, not in bench/, because the tests must not depend on the benchmark; the benchmark, a tool beside
the tests, serves the app the way they do. Standard library only (gunicorn runs in its own process), so
importing it brings nothing else of the tests.
"""
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager

from app import ROOT


@contextmanager
def served(application, env=None):
    """`application` under gunicorn (2 sync workers, on a free port, over plain http) with `env` (default:
    this process's); (its URL, the gunicorn process) once it answers, while the block runs."""
    port, log = free_port(), tempfile.TemporaryFile()
    env = (os.environ if env is None else env) | {"FLASK_APP": "wsgi", "SESSION_COOKIE_SECURE": "0"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
                               application], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(url, server, log)
        yield url, server
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def wait_until_answering(url, server, log, name="gunicorn"):
    """Return once `url` answers over HTTP (any status); raise with the end of `log` (a binary file the
    `server` process, `name`, writes its errors to) if the process stops first."""
    for _ in range(300):
        try:
            urllib.request.urlopen(url + "/", timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            if server.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"{name} stopped: {log.read().decode()[-2000:]}") from None
            time.sleep(0.1)


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
