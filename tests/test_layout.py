"""The base layout: htmx 2.0.11 from our static folder, no CDN, CSRF for htmx, mobile meta, light pages."""
import gzip
import hashlib
import json
import re

from app import ROOT

HTMX_SHA256 = "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"


def test_htmx_2_0_11_is_served_from_static(client):
    response = client.get("/static/htmx.min.js")
    assert response.status_code == 200
    assert hashlib.sha256(response.data).hexdigest() == HTMX_SHA256
    assert b'version:"2.0.11"' in response.data


def test_no_asset_comes_from_another_host():
    """Scripts, styles, images and form posts stay on our host; a link the user follows (a map) may leave it."""
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        assert not re.search(r'(src|action)="(https?:)?//', text), template
        assert not re.search(r'<link[^>]*href="(https?:)?//', text), template



def test_no_template_line_is_longer_than_120_characters():
    long = [f"{template.relative_to(ROOT)}:{number}" for template in sorted((ROOT / "templates").rglob("*.html"))
            for number, line in enumerate(template.read_text().splitlines(), 1) if len(line) > 120]
    assert long == []

def test_login_page_has_mobile_meta_and_csrf_for_htmx(client):
    html = client.get("/auth/login").get_data(as_text=True)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert re.search(r'<script src="/static/htmx.min.js\?v=[0-9a-f]{12}" defer></script>', html)
    headers = re.search(r"<body hx-boost=\"true\" hx-headers='([^']+)'>", html).group(1)
    token = json.loads(headers)["X-CSRFToken"]
    assert token and f'name="csrf_token" type="hidden" value="{token}"' in html


def test_htmx_request_with_csrf_header_is_accepted(client, auth, jombang):
    """htmx sends the token as X-CSRFToken (from hx-headers), not as a form field."""
    auth.login("fas.diwek")
    html = client.get("/cooperatives/").get_data(as_text=True)
    token = json.loads(re.search(r"hx-headers='([^']+)'", html).group(1))["X-CSRFToken"]
    response = client.post("/language/en", headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 302
    assert client.post("/language/en", headers={"HX-Request": "true"}).status_code == 400


def test_pages_are_light(client, auth, jombang):
    """First load of the cooperative list, with its CSS and htmx, stays well under 60 KB as sent gzipped."""
    auth.login("fas.diwek")
    total = 0
    for path in ("/cooperatives/", "/static/app.css", "/static/htmx.min.js", "/static/app.js"):
        sent = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert sent.headers["Content-Encoding"] == "gzip"
        total += len(sent.data)
    assert total < 60_000


def test_manifest_and_service_worker_make_the_app_installable(client):
    manifest = client.get("/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    data = manifest.get_json(force=True)
    assert (data["start_url"], data["display"], data["lang"]) == ("/", "standalone", "id")
    for icon in data["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200 and image.mimetype == "image/png"
    assert {icon["sizes"] for icon in data["icons"]} == {"192x192", "512x512"}
    worker = client.get("/sw.js")
    script = worker.get_data(as_text=True)
    assert worker.mimetype == "text/javascript" and "no-cache" in worker.headers["Cache-Control"]
    version = re.match(r'var VERSION = "([0-9a-f]{12})", FILES = (\[.*\]), OFFLINE = "/offline";', script)
    files = json.loads(version.group(2))
    fingerprint = hashlib.sha256((ROOT / "app" / "static" / "app.css").read_bytes()).hexdigest()[:12]
    assert f"/static/app.css?v={fingerprint}" in files and "/offline" in files
    assert all(client.get(path).status_code == 200 for path in files)
    assert script.endswith((ROOT / "app" / "static" / "app.js").read_text())


def test_the_javascript_is_one_small_module():
    """Everything the app adds to htmx, service worker and outbox included, in one file under 12 KB gzip; the
    one page with a script of its own (attendance, on app.js's outbox) keeps it under 2 KB gzip."""
    scripts = sorted(path.name for path in (ROOT / "app" / "static").glob("*.js"))
    assert scripts == ["app.js", "attendance.js", "htmx.min.js"]
    assert len(gzip.compress((ROOT / "app" / "static" / "app.js").read_bytes(), 9)) <= 12 * 1024
    assert len(gzip.compress((ROOT / "app" / "static" / "attendance.js").read_bytes(), 9)) <= 2 * 1024


def test_pages_go_gzipped_to_a_browser_that_takes_it_and_an_autosave_reply_as_it_is(field, client):
    assessment_id, _ = field.start()
    section = f"/assessments/{assessment_id}/sections/A"
    plain, zipped = client.get(section), client.get(section, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in plain.headers and zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"] and "HX-Request" in zipped.headers["Vary"]
    token = re.compile(r'[\w.-]{40,}')  # each page signs its CSRF token anew
    assert token.sub("", gzip.decompress(zipped.data).decode()) == token.sub("", plain.get_data(as_text=True))
    assert len(zipped.data) * 3 < len(plain.data)
    reply = client.post(f"{section.replace('sections/A', 'answers/A1')}", data={"A1": "yes"},
                        headers={"HX-Request": "true", "X-CSRFToken": field.token, "Accept-Encoding": "gzip"})
    assert reply.status_code == 200 and "Content-Encoding" not in reply.headers and "Tersimpan" in reply.text
    assert client.get("/static/app.css", headers={"Accept-Encoding": "gzip"}).headers["Content-Encoding"] == "gzip"


def test_an_empty_list_is_said_in_a_paragraph_not_as_its_only_item(client, auth, jombang):
    """`{% for %}…{% else %}<li>` reads as a list of one ("1. Belum ada sesi Bimtek.")."""
    looped = [str(template.relative_to(ROOT)) for template in sorted((ROOT / "templates").rglob("*.html"))
              if re.search(r"\{%-?\s*else\s*-?%\}\s*<li", template.read_text())]
    assert looped == []
    auth.login("dinas")
    html = client.get("/bimtek/").get_data(as_text=True)
    assert '<p class="muted">Belum ada sesi Bimtek.</p>' in html and '<ul class="cards">' not in html
    html = client.get("/cooperatives/?q=tidak-ada").get_data(as_text=True)
    assert '<p class="muted">Tidak ada koperasi yang cocok dengan "tidak-ada".</p>' in html
    assert '<ul class="cards">' not in html
