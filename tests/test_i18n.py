"""Bahasa Indonesia by default, English on request; Indonesian number and date formats."""
import collections
import re
import subprocess
import sys
from datetime import date

from babel.messages.pofile import read_po
from flask import render_template_string

from app import ROOT
from tests.support import csrf_token


def test_switch_to_english_and_back(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert "Masuk ke SiapKop" in page
    token = csrf_token(page)
    response = client.post("/language/en", data={"csrf_token": token, "next": "/auth/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    english = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="en">' in english and "Sign in to SiapKop" in english and "Username" in english
    client.post("/language/id", data={"csrf_token": token, "next": "https://evil.example/"})
    assert "Masuk ke SiapKop" in client.get("/auth/login").get_data(as_text=True)


def test_language_switch_needs_csrf(client):
    assert client.post("/language/en", data={"next": "/"}).status_code == 400
    assert '<html lang="id">' in client.get("/auth/login").get_data(as_text=True)


def test_english_form_errors(client):
    page = client.get("/auth/login").get_data(as_text=True)
    token = csrf_token(page)
    client.post("/language/en", data={"csrf_token": token})
    html = client.post("/auth/login", data={"csrf_token": token, "username": "", "password": ""}).get_data(as_text=True)
    assert "Required." in html and "Wajib diisi." not in html


def test_indonesian_number_and_date_formats(app):
    with app.test_request_context("/"):
        out = render_template_string("{{ n|number }}|{{ d|date }}|{{ big|number }}",
                                     n=1234.5, d=date(2025, 10, 14), big=83762)
    assert out == "1.234,5|14 Oktober 2025|83.762"


def test_a_score_shows_one_decimal_or_a_dash(app):
    with app.test_request_context("/"):
        out = render_template_string("{{ a|decimal }}|{{ b|decimal }}|{{ c|decimal(0) }}|{{ none|decimal }}",
                                     a=72.44, b=1234.56, c=75.5)
    assert out == "72,4|1.234,6|76|–"


def test_english_number_and_date_formats(app):
    with app.test_request_context("/"):
        from flask import session
        session["lang"] = "en"
        out = render_template_string("{{ n|number }}|{{ d|date }}", n=1234.5, d=date(2025, 10, 14))
    assert out == "1,234.5|October 14, 2025"


def test_english_catalog_translates_every_message():
    with open(ROOT / "translations/en/LC_MESSAGES/messages.po", "rb") as fh:
        catalog = read_po(fh)
    untranslated = [m.id for m in catalog if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)]
    assert untranslated == []


def test_the_english_catalog_names_each_message_once():
    """Parts merged side by side can each add the same message; the catalog would then keep only one silently."""
    text = (ROOT / "translations/en/LC_MESSAGES/messages.po").read_text(encoding="utf-8")
    counts = collections.Counter(re.findall(r'^msgid (".*")$', text, re.MULTILINE))
    assert [msgid for msgid, n in counts.items() if n > 1 and msgid != '""'] == []


def test_message_template_is_up_to_date(tmp_path):
    """Every gettext string in the code is in translations/messages.pot (run `make extract-messages`)."""
    fresh = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
                    "-k", "lazy_gettext", "-o", str(fresh), "--no-location", "--sort-output", "."],
                   cwd=ROOT, check=True, capture_output=True)
    with open(fresh, "rb") as a, open(ROOT / "translations/messages.pot", "rb") as b:
        assert {m.id for m in read_po(a)} == {m.id for m in read_po(b)}


def test_no_page_tells_its_user_to_type_a_command():
    """A facilitator, supervisor or Dinas admin has no shell: the UI names who to ask, never `flask …`."""
    with open(ROOT / "translations/messages.pot", "rb") as fh:
        commands = [m.id for m in read_po(fh) if "flask " in str(m.id)]
    assert commands == []
