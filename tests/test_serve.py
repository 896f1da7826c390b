"""What `make run` does, end to end: migrate an empty SQLite file, load the demo, serve with gunicorn."""
import os
import re
import subprocess
import sys
import urllib.request
from http.cookiejar import CookieJar
from urllib.parse import urlencode

import pytest

from app import ROOT
from tests.serving import served

pytestmark = pytest.mark.slow


@pytest.fixture
def demo(tmp_path):
    env = {**os.environ, "FLASK_APP": "wsgi", "SIAPKOP_INSTANCE": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    flask = [sys.executable, "-m", "flask"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    demo = subprocess.run([*flask, "demo", "load"], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    with served("wsgi:app", env) as (url, _):
        yield url, demo.stdout, tmp_path


def test_gunicorn_serves_the_demo(demo):
    url, demo_output, instance = demo
    assert (instance / "siapkop.sqlite3").exists() and (instance / "secret_key").exists()
    password = re.search(r"facilitator\s+pendamping\s+(\S+)", demo_output).group(1)
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    login = opener.open(url + "/auth/login").read().decode()
    assert '<html lang="id">' in login and "Masuk ke SiapKop" in login
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
    data = urlencode({"csrf_token": token, "username": "pendamping", "password": password}).encode()
    home = opener.open(url + "/auth/login", data=data).read().decode()  # follows the redirect
    assert "Kunjungan saya" in home and "Belum ada draf" in home
    listing = opener.open(url + "/cooperatives/").read().decode()
    kecamatan = set(re.findall(r"Kec\. (\w+)", listing))
    assert kecamatan == {"Diwek"} and "20 koperasi" in listing
    # demo load published the default instrument, so a visit can start at once
    first = re.search(r'href="/cooperatives/(\d+)"', listing).group(1)
    start = opener.open(f"{url}/assessments/new/{first}").read().decode()
    assert "Mulai penilaian" in start and 'name="id"' in start
