"""deploy/: nginx accepts the site, and serves static files and two gunicorn app servers the way it says."""
import gzip
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest
import requests

from app import ROOT
from config import Config
from tests.support import PASSWORD, csrf_token
from tests.serving import free_port

DEPLOY = ROOT / "deploy"
SITE = (DEPLOY / "nginx" / "siapkop.conf").read_text()


@pytest.fixture(scope="module")
def nginx():
    """Debian's nginx, installed when missing (as root), as the Makefile's system-test-deps does for Chromium."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if not found and os.geteuid() == 0:
        subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "nginx"], check=True, capture_output=True,
                       env=os.environ | {"DEBIAN_FRONTEND": "noninteractive"})
        found = shutil.which("nginx", path="/usr/sbin:/usr/bin")
    if not found:
        if os.environ.get("SIAPKOP_REQUIRE_NGINX") == "1":
            pytest.fail("nginx not found (apt-get install -y nginx)")
        pytest.skip("nginx not found")
    return found


def certificate(folder):
    """A self-signed certificate and its key, as the site's ssl_certificate and ssl_certificate_key."""
    cert, key = folder / "fullchain.pem", folder / "privkey.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=siapkop.test", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key),
                    "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def configure(folder, upstreams=("127.0.0.1:8001", "127.0.0.1:8002"), http=80, https=443):
    """nginx.conf in `folder` that includes the site as shipped, with only what a Dinas would edit changed:
    certificate paths, app servers, ports and the static folder. Returns the nginx.conf path."""
    cert, key = certificate(folder)
    site = SITE.replace("/etc/ssl/siapkop/fullchain.pem", str(cert)).replace("/etc/ssl/siapkop/privkey.pem", str(key))
    site = site.replace("/srv/siapkop/app/static/", f"{ROOT / 'app' / 'static'}/")
    servers = "".join(f"    server {address} max_fails=2 fail_timeout=10s;\n" for address in upstreams)
    site = re.sub(r"(upstream siapkop \{\n)(?:    (?:#\s*)?server [^\n]*\n)+", lambda m: m.group(1) + servers, site)
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http};").replace("listen [::]:80;", "")
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;")
    site = site.replace("listen [::]:443 ssl http2;", "")
    (folder / "siapkop.conf").write_text(site)
    conf = folder / "nginx.conf"
    temp = "\n".join(f"    {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                              "uwsgi", "scgi"))
    conf.write_text(f"""pid {folder / 'nginx.pid'};
error_log {folder / 'error.log'};
daemon off;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {folder / 'access.log'};
{temp}
    include {folder / 'siapkop.conf'};
}}
""")
    return conf


def test_nginx_accepts_the_site(nginx, tmp_path):
    conf = configure(tmp_path)
    checked = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(conf)],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


def test_the_upload_limit_is_the_apps():
    size = re.search(r"client_max_body_size (\d+)m;", SITE).group(1)
    assert int(size) * 1024 * 1024 == Config.MAX_CONTENT_LENGTH


def test_gunicorn_accepts_its_config(tmp_path):
    env = os.environ | {"SIAPKOP_INSTANCE": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    checked = subprocess.run([sys.executable, "-m", "gunicorn", "--check-config", "-c",
                              str(DEPLOY / "gunicorn.conf.py"), "wsgi:app"], cwd=ROOT, env=env,
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr + checked.stdout


def test_systemd_accepts_the_unit(tmp_path):
    """systemd-analyze reads the unit as systemd would (every key known, the command there to run), with the
    checkout where this one is."""
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        pytest.skip("systemd-analyze not found")
    unit = tmp_path / "siapkop@8001.service"
    unit.write_text((DEPLOY / "systemd" / "siapkop@.service").read_text().replace("/srv/siapkop", str(ROOT)))
    checked = subprocess.run([analyze, "verify", "--man=no", str(unit)], capture_output=True, text=True, timeout=60)
    assert (checked.returncode, checked.stderr, checked.stdout) == (0, "", "")


def app_server(port, database, instance, log):
    """One app server as deploy/systemd/siapkop@.service starts it: gunicorn with deploy/gunicorn.conf.py."""
    env = {name: value for name, value in os.environ.items() if name != "SESSION_COOKIE_SECURE"} | {
        "SIAPKOP_BIND": f"127.0.0.1:{port}", "SIAPKOP_WORKERS": "1", "SIAPKOP_INSTANCE": str(instance),
        "DATABASE_URL": database, "SECRET_KEY": "one-key-for-every-server", "TRUSTED_PROXIES": "1",
        "FLASK_APP": "wsgi"}
    return subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(DEPLOY / "gunicorn.conf.py"), "wsgi:app"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def answers(url, timeout=30):
    """Wait until `url` answers (any status); its answer, not followed."""
    for _ in range(timeout * 10):
        try:
            return requests.get(url, timeout=timeout, allow_redirects=False)
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"{url} never answered")


def served(logs, request, total):
    """How many of `request` each app server's access log holds, once they hold `total` in all (a server logs
    a request just after answering it)."""
    for _ in range(100):
        counts = [sum(request in line for line in open(log.name)) for log in logs]
        if sum(counts) >= total:
            break
        time.sleep(0.05)
    return counts


@pytest.mark.slow
def test_nginx_serves_static_files_and_two_app_servers(nginx, tmp_path, sqlite_jombang):
    database = tmp_path / "siapkop.sqlite3"
    shutil.copy(sqlite_jombang, database)
    ports, http, https = [free_port(), free_port()], free_port(), free_port()
    logs = [open(tmp_path / f"app-{port}.log", "w+") for port in ports]
    servers = [app_server(port, f"sqlite:///{database}", tmp_path / f"instance-{port}", log)
               for port, log in zip(ports, logs)]
    conf = configure(tmp_path, [f"127.0.0.1:{port}" for port in ports], http, https)
    proxy = subprocess.Popen([nginx, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(conf)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"https://127.0.0.1:{https}"
    try:
        for port in ports:  # straight to the app over http: it warns that its Secure cookies cannot work
            assert 'class="flash error" role="alert"' in answers(f"http://127.0.0.1:{port}/auth/login").text
        moved = answers(f"http://127.0.0.1:{http}/auth/login")
        assert (moved.status_code, moved.headers["Location"]) == (301, "https://127.0.0.1/auth/login")
        phone = requests.Session()
        phone.trust_env, phone.verify = False, str(tmp_path / "fullchain.pem")  # the test's own certificate

        # Static files from disk: a year under a fingerprinted URL, revalidated otherwise, gzipped.
        kept = phone.get(f"{base}/static/app.css?v=abc", headers={"Accept-Encoding": "gzip"}, stream=True)
        assert kept.status_code == 200 and kept.headers["Content-Encoding"] == "gzip"
        assert kept.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert gzip.decompress(kept.raw.read()) == (ROOT / "app" / "static" / "app.css").read_bytes()
        plain = phone.get(f"{base}/static/app.css")
        assert plain.headers["Cache-Control"] == "no-cache" and plain.headers["X-Content-Type-Options"] == "nosniff"
        assert phone.get(f"{base}/static/app.css", headers={"If-None-Match": plain.headers["ETag"]}).status_code == 304

        # The app behind it sees https (its Secure cookies work) and the CSRF check passes; requests alternate.
        page = phone.get(f"{base}/auth/login")
        assert page.status_code == 200 and "Strict-Transport-Security" in page.headers
        assert 'class="flash error" role="alert"' not in page.text  # X-Forwarded-Proto told it: https
        logged_in = phone.post(f"{base}/auth/login", allow_redirects=False, headers={"Referer": page.url}, data={
            "csrf_token": csrf_token(page.text), "username": "fas.diwek", "password": PASSWORD})
        assert logged_in.status_code == 302, logged_in.text[:500]
        for _ in range(6):
            assert phone.get(f"{base}/assessments/").status_code == 200
        assert served(logs, " /assessments/ ", 6) == [3, 3]

        # Too large for the app: refused by nginx before any app server reads it.
        big = phone.post(f"{base}/auth/login", data=b"x" * (Config.MAX_CONTENT_LENGTH + 1))
        assert big.status_code == 413

        # One app server killed: nginx sends its share to the other, and the phone sees no error.
        servers[0].send_signal(signal.SIGKILL)
        servers[0].wait(timeout=10)
        assert [phone.get(f"{base}/assessments/").status_code for _ in range(6)] == [200] * 6
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)
        for server in servers:
            if server.poll() is None:
                server.terminate()
                server.wait(timeout=30)
        for log in logs:
            log.close()
