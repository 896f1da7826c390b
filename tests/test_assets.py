"""Static files over HTTP: kept a year under a URL that names their content, sent gzipped when the browser
takes it, revalidated under any other URL. The browser's side of it is in tests/test_static_cache.py."""
import gzip
import re
import shutil

import pytest

from app import ROOT
from tests.support import make_app

STATIC = ROOT / "app" / "static"
FOREVER = "public, max-age=31536000, immutable"
GZIP = {"Accept-Encoding": "gzip, deflate, br"}


@pytest.fixture
def app(tmp_path):
    """The app, serving a copy of the static folder that a test may change. No test here reads a database."""
    app = make_app(f"sqlite:///{tmp_path / 'unused.sqlite3'}")
    app.static_folder = str(shutil.copytree(STATIC, tmp_path / "static"))
    return app


def linked(client):
    """The static URLs the login page links, by file name."""
    html = client.get("/auth/login").get_data(as_text=True)
    return {re.sub(r"\?.*", "", url).removeprefix("/static/"): url
            for url in re.findall(r'(?:href|src)="(/static/[^"]+)"', html)}


def test_a_page_links_each_static_file_under_its_own_fingerprint(client):
    urls = linked(client)
    assert sorted(urls) == ["app.css", "app.js", "htmx.min.js", "icons/icon-192.png"]
    versions = {name: re.fullmatch(r"/static/[\w/.-]+\?v=([0-9a-f]{12})", url).group(1) for name, url in urls.items()}
    assert len(set(versions.values())) == len(versions)  # one per file: a change to one leaves the others kept


@pytest.mark.parametrize("name", ["app.css", "app.js", "htmx.min.js"])
def test_a_fingerprinted_file_is_kept_a_year_and_sent_gzipped_when_taken(client, name):
    url, original = linked(client)[name], (STATIC / name).read_bytes()
    zipped, plain = client.get(url, headers=GZIP), client.get(url)
    refused = client.get(url, headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert zipped.headers["Content-Encoding"] == "gzip" and gzip.decompress(zipped.data) == original
    assert len(zipped.data) * 2 < len(original)
    for response in (plain, refused):
        assert "Content-Encoding" not in response.headers and response.data == original
    for response in (zipped, plain, refused):
        assert response.status_code == 200 and response.headers["Cache-Control"] == FOREVER
        vary = [part.strip() for part in response.headers["Vary"].split(",")]
        assert "Accept-Encoding" in vary and "Cookie" not in vary  # the same file for every user
    assert zipped.headers["ETag"] != plain.headers["ETag"] == refused.headers["ETag"]


def test_an_image_is_kept_a_year_as_it_is(client):
    url = linked(client)["icons/icon-192.png"]
    icon = client.get(url, headers=GZIP)
    assert icon.mimetype == "image/png" and icon.headers["Cache-Control"] == FOREVER
    assert "Content-Encoding" not in icon.headers and "Accept-Encoding" not in icon.headers["Vary"]
    assert icon.data == (STATIC / "icons" / "icon-192.png").read_bytes()


@pytest.mark.parametrize("query", ["", "?v=000000000000", "?v="])
def test_any_other_url_of_a_static_file_is_revalidated_by_its_etag(client, query):
    """No fingerprint, or another deploy's (a page from before it, or a server not yet updated)."""
    response = client.get(f"/static/app.css{query}", headers=GZIP)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-cache"
    assert gzip.decompress(response.data) == (STATIC / "app.css").read_bytes()
    again = client.get(f"/static/app.css{query}", headers={**GZIP, "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_a_changed_file_gets_a_new_url_and_its_old_url_is_no_longer_kept(app):
    client = app.test_client()
    before = linked(client)
    kept = client.get(before["app.css"], headers=GZIP)
    with open(app.static_folder + "/app.css", "ab") as fh:
        fh.write(b"\n.new-rule { color: #111; }\n")
    after = linked(client)
    assert after["app.css"] != before["app.css"]
    assert {name: url for name, url in after.items() if name != "app.css"} == \
           {name: url for name, url in before.items() if name != "app.css"}
    fresh = client.get(after["app.css"], headers=GZIP)
    assert fresh.headers["Cache-Control"] == FOREVER
    assert gzip.decompress(fresh.data).endswith(b".new-rule { color: #111; }\n")
    stale = client.get(before["app.css"], headers={**GZIP, "If-None-Match": kept.headers["ETag"]})
    assert stale.status_code == 200 and stale.headers["Cache-Control"] == "no-cache"  # the new file, not pinned
    assert gzip.decompress(stale.data) == gzip.decompress(fresh.data)
    worker = client.get("/sw.js").get_data(as_text=True)
    assert after["app.css"] in worker and before["app.css"] not in worker


def test_the_service_worker_comes_gzipped_and_as_a_304_while_unchanged(client):
    worker = client.get("/sw.js", headers=GZIP)
    assert worker.headers["Content-Encoding"] == "gzip" and worker.headers["Cache-Control"] == "no-cache"
    script = gzip.decompress(worker.data).decode()
    assert script.endswith((STATIC / "app.js").read_text()) and script == client.get("/sw.js").get_data(as_text=True)
    assert all(url in script for url in linked(client).values() if not url.startswith("/static/icons/"))
    again = client.get("/sw.js", headers={**GZIP, "If-None-Match": worker.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


@pytest.mark.parametrize("path", ["/static/nothing.css", "/static/icons", "/static/../config.py",
                                  "/static/%2e%2e/config.py", "/static/icons/../../main/routes.py"])
def test_nothing_but_a_static_file_is_served_from_static(client, path):
    response = client.get(path, headers=GZIP)
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-store"
