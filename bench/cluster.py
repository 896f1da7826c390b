"""Real servers started from temporary folders: gunicorn, Redis, and several app servers behind one nginx.

Used by the benchmark (`flask bench run --cluster`) and by the tests (tests/serving.py, tests/cluster.py), so
that how a server is started lives in one place. Standard library and the `redis` client only, no Flask: the
servers run in processes of their own, in the foreground, on free ports, and nothing is left running after
the `with` block. Each app server of a cluster has an instance folder of its own (no state shared through a
disk) but the same SECRET_KEY, DATABASE_URL and RATELIMIT_STORAGE_URI, and names itself in an X-Served-By
header (config SERVED_BY), so a caller can tell which one answered.
"""
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path

import redis

from app import ROOT

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"
SERVERS = ("app-1", "app-2")
# How long nginx leaves a server that refused a connection before it tries it again.
FAIL_TIMEOUT = 1


def missing():
    """The names of the binaries a cluster needs beyond PostgreSQL that this machine lacks."""
    return [name for name, path in (("nginx", NGINX), ("redis-server", REDIS)) if not os.access(path, os.X_OK)]


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


class Process:
    """A server process started in the foreground, its output in a log file in its folder."""

    name = "server"

    def __init__(self, folder):
        self.folder, self.port, self.process = Path(folder), free_port(), None
        self.folder.mkdir(parents=True, exist_ok=True)
        self.log = self.folder / f"{self.name}.log"

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def spawn(self, command, **options):
        """Start `command` in a process group of its own, so a kill reaches all its processes at once."""
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                            **options)

    def wait_until_answering(self):
        with open(self.log, "rb") as log:
            wait_until_answering(self.url, self.process, log, self.name)

    def kill(self):
        """SIGKILL every process of the server, as when its machine dies; return once its port refuses connections
        (the last of its processes may die a moment after the first)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            except ConnectionRefusedError:
                return
            time.sleep(0.01)
        raise RuntimeError(f"{self.name} still accepts connections after SIGKILL")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


class Redis(Process):
    name = "redis"

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}"

    def start(self):
        self.spawn([REDIS, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
                    "--save", "", "--appendonly", "no", "--daemonize", "no"])
        with redis.Redis(port=self.port) as client:
            for _ in range(300):
                try:
                    client.ping()
                    return
                except redis.ConnectionError:
                    if self.process.poll() is not None:
                        raise RuntimeError(f"redis-server stopped: {self.log.read_text()[-2000:]}") from None
                    time.sleep(0.05)
        raise RuntimeError("redis-server did not answer")

    def keys(self, pattern):
        """The keys of the store matching `pattern`."""
        with redis.Redis(port=self.port) as client:
            return [key.decode() for key in client.keys(pattern)]


class AppServer(Process):
    """gunicorn (2 sync workers) serving wsgi:app, as the deployment runs it, under the name it answers with."""

    def __init__(self, folder, name, env):
        self.name = name
        super().__init__(folder)
        self.instance = self.folder / "instance"
        self.env = env | {"SIAPKOP_INSTANCE": str(self.instance), "SERVED_BY": name}

    def start(self):
        self.spawn([sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{self.port}",
                    "wsgi:app"], cwd=ROOT, env=self.env)
        self.wait_until_answering()


class Nginx(Process):
    """nginx in the foreground, one worker, round robin over `servers`; pid, logs and temporary files in its folder."""

    name = "nginx"

    def __init__(self, folder, servers):
        super().__init__(folder)
        self.servers = servers

    @property
    def error_log(self):
        return self.folder / "error.log"

    def config(self):
        upstream = "\n".join(f"        server 127.0.0.1:{server.port} max_fails=1 fail_timeout={FAIL_TIMEOUT}s;"
                             for server in self.servers)
        folder = self.folder
        temp = " ".join(f"{kind}_temp_path {folder}/{kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                           "uwsgi", "scgi"))
        return f"""{"user root;" if os.geteuid() == 0 else ""}
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {self.error_log} info;
events {{ worker_connections 256; }}
http {{
    access_log {folder}/access.log;
    {temp}
    upstream siapkop {{
        zone siapkop 64k;
{upstream}
    }}
    server {{
        listen 127.0.0.1:{self.port};
        client_max_body_size 11m;
        location / {{
            proxy_pass http://siapkop;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_connect_timeout 2s;
            proxy_next_upstream error timeout;
        }}
    }}
}}
"""

    def start(self):
        conf = self.folder / "nginx.conf"
        conf.write_text(self.config())
        self.spawn([NGINX, "-p", str(self.folder), "-e", str(self.error_log), "-c", str(conf)])
        self.wait_until_answering()


class Cluster:
    """Redis, two app servers on the PostgreSQL database at `database_url`, and nginx in front, while in a `with`.
    `env` adds to (or overrides) the app servers' environment, e.g. a login limit."""

    def __init__(self, folder, database_url, env=None):
        folder = Path(folder)
        self.database_url = database_url
        self.redis = Redis(folder / "redis")
        env = {**os.environ, "FLASK_APP": "wsgi", "DATABASE_URL": database_url, "SECRET_KEY": secrets.token_hex(32),
               "RATELIMIT_STORAGE_URI": self.redis.url, "TRUSTED_PROXIES": "1", "SESSION_COOKIE_SECURE": "0",
               **(env or {})}
        for name in ("PHOTO_FOLDER", "SERVED_BY"):  # each server keeps its own, under its instance folder
            env.pop(name, None)
        self.servers = {name: AppServer(folder / name, name, env) for name in SERVERS}
        self.nginx = Nginx(folder / "nginx", list(self.servers.values()))

    @property
    def url(self):
        """Where the phones connect: nginx."""
        return self.nginx.url

    def __enter__(self):
        with ExitStack() as started:
            for process in (self.redis, *self.servers.values(), self.nginx):
                started.callback(process.stop)
                process.start()
            self._stop = started.pop_all()
        return self

    def __exit__(self, *exc):
        self._stop.close()  # in the reverse order: nginx, the app servers, then Redis
