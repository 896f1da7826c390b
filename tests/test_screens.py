"""Screens that fit their users (issue 22): the kecamatan check boxes of the Bimtek and user forms, the
status an assessment tells its facilitator, "Tidak berlaku" and the send button, in real Chromium on a
phone (Pixel 5) and on a laptop."""
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.auth.models import User
from app.bimtek.models import BimtekSession
from app.extensions import db
from app.regions.models import District
from tests.support import DIWEK, PHONE_TIMEZONE, WONOSALAM
from tests.test_browser import (answer, complete_assessment, log_in, no_horizontal_scroll, publish_default_instrument,
                                start_assessment)

pytestmark = pytest.mark.browser

MOJOWARNO = "35.17.07"
LAPTOP = {"width": 1366, "height": 768}
WIDTHS = (393, 320, 1366)  # the Pixel 5, the narrowest phone, a laptop


@pytest.fixture(params=["phone", "laptop"])
def screen(request, browser):
    """A page on the Pixel 5 (the default `page`), or on a 1366 x 768 laptop."""
    if request.param == "phone":
        yield request.getfixturevalue("page")
        return
    context = browser.new_context(viewport=LAPTOP, locale="id-ID", timezone_id=PHONE_TIMEZONE)
    yield context.new_page()
    context.close()


def shots(page, shot, step):
    """A screenshot of the page at each of WIDTHS, none of them scrolling sideways; the size is then restored."""
    size = page.viewport_size
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": size["height"]})
        assert no_horizontal_scroll(page), width
        shot(page, f"{step}-{width}")
    page.set_viewport_size(size)


def ticked(page):
    """The names of the ticked kecamatan, as a set."""
    return set(page.locator("input[name=districts]:checked").evaluate_all("boxes => boxes.map(b => b.labels[0].textContent)"))


# --- The kecamatan check boxes ----------------------------------------------------------------------

def demo_session(live_server):
    """The demo's Bimtek session (app/demo): 14 October 2025, for Diwek and Wonosalam."""
    with live_server.app.app_context():
        session = BimtekSession(
            title="Bimtek Tata Kelola Koperasi Desa/Kelurahan Merah Putih", held_on=date(2025, 10, 14),
            venue="Ruang Bung Tomo", regency_code="35.17",
            districts=[db.session.get(District, DIWEK), db.session.get(District, WONOSALAM)])
        db.session.add(session)
        db.session.commit()
        return session.id


def session_districts(live_server, session_id):
    with live_server.app.app_context():
        return set(db.session.get(BimtekSession, session_id).district_codes)


def test_admin_edits_the_kecamatan_of_the_demo_bimtek_session(screen, live_server, shot):
    page, session_id = screen, demo_session(live_server)
    log_in(page, live_server, "dinas")
    page.get_by_role("link", name="Bimtek").click()
    page.get_by_role("link", name="Bimtek Tata Kelola").click()
    page.get_by_role("link", name="Ubah sesi").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ubah sesi Bimtek")
    expect(page.get_by_label("Diwek", exact=True)).to_be_checked()
    expect(page.get_by_label("Wonosalam", exact=True)).to_be_checked()
    assert ticked(page) == {"Diwek", "Wonosalam"}
    shots(page, shot, "bimtek-form")

    page.get_by_label("Wonosalam", exact=True).uncheck()
    page.get_by_label("Mojowarno", exact=True).check()
    page.get_by_role("button", name="Simpan").click()  # the browser sends it: no box is `required`
    expect(page.get_by_role("status")).to_have_text("Sesi Bimtek disimpan.")
    expect(page.locator(".lead")).to_contain_text("Diwek, Mojowarno")
    assert session_districts(live_server, session_id) == {DIWEK, MOJOWARNO}

    page.get_by_role("link", name="Ubah sesi").click()
    expect(page.get_by_label("Mojowarno", exact=True)).to_be_checked()
    assert ticked(page) == {"Diwek", "Mojowarno"}
    page.get_by_label("Diwek", exact=True).uncheck()
    page.get_by_label("Mojowarno", exact=True).uncheck()
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#districts-error")).to_have_text("Pilih paling sedikit satu kecamatan.")
    expect(page.get_by_role("alert")).to_contain_text("Ada isian yang perlu diperbaiki")
    assert ticked(page) == set()  # the form as it was sent
    shots(page, shot, "bimtek-form-refused")
    assert session_districts(live_server, session_id) == {DIWEK, MOJOWARNO}


def test_admin_resets_a_supervisors_password_and_their_kecamatan_stay(screen, live_server, shot):
    page = screen
    log_in(page, live_server, "dinas")
    page.get_by_role("link", name="Pengguna").click()
    page.get_by_role("link", name="Supervisor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ubah pengguna: supervisor")
    expect(page.get_by_label("Diwek", exact=True)).to_be_checked()
    assert ticked(page) == {"Diwek", "Wonosalam"}
    shots(page, shot, "user-form")

    page.get_by_label("Kata sandi baru").fill("sandi-baru-123")
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_role("status")).to_have_text("Perubahan pengguna supervisor disimpan.")
    with live_server.app.app_context():
        supervisor = db.session.scalar(select(User).where(User.username == "supervisor"))
        assert {d.code for d in supervisor.districts} == {DIWEK, WONOSALAM}
        assert supervisor.check_password("sandi-baru-123")

    page.get_by_role("link", name="Supervisor").click()
    expect(page.get_by_label("Wonosalam", exact=True)).to_be_checked()
    page.get_by_label("Diwek", exact=True).uncheck()
    page.get_by_label("Wonosalam", exact=True).uncheck()
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#districts-error")).to_have_text("Pilih paling sedikit satu kecamatan.")
    shots(page, shot, "user-form-refused")
    with live_server.app.app_context():
        supervisor = db.session.scalar(select(User).where(User.username == "supervisor"))
        assert {d.code for d in supervisor.districts} == {DIWEK, WONOSALAM}


# --- "Tidak berlaku" -------------------------------------------------------------------------------

def stored(live_server, assessment_id, code):
    """(value, not applicable) as the database holds the answer to `code`."""
    from app.assessments.models import Answer
    with live_server.app.app_context():
        answer = db.session.get(Answer, (assessment_id, code))
        return answer.value, answer.not_applicable


def test_not_applicable_clears_the_level_at_once_on_the_phone(page, live_server, shot):
    publish_default_instrument(live_server)
    assessment_id = start_assessment(page, live_server)
    page.goto(f"{live_server.url}/assessments/{assessment_id}/sections/B")
    question = page.locator("#q-B5")
    answer(page, "B5", "3")
    assert stored(live_server, assessment_id, "B5") == ("3", False)

    held = []
    page.route("**/answers/B5", lambda route: held.append(route))  # the server's reply cannot help
    question.get_by_label("Tidak berlaku").check()
    expect(question.locator("input[type=radio]:checked")).to_have_count(0)
    assert len(held) == 1 and "B5=" not in (held[0].request.post_data or "")  # only "na" is sent
    shot(page, "not-applicable-ticked")
    held[0].continue_()
    page.unroute("**/answers/B5")
    expect(page.locator("#status-B5")).to_have_text("Tersimpan")
    assert stored(live_server, assessment_id, "B5") == (None, True)

    page.reload()
    expect(question.get_by_label("Tidak berlaku")).to_be_checked()
    expect(question.locator("input[type=radio]:checked")).to_have_count(0)

    question.locator("input[value='2']").check()  # an answer given after all stands instead
    expect(question.get_by_label("Tidak berlaku")).not_to_be_checked()
    expect(page.locator("#status-B5")).to_have_text("Tersimpan")
    assert stored(live_server, assessment_id, "B5") == ("2", False)


# --- The summary: the send button and where the assessment stands ----------------------------------

def move(live_server, assessment_id, action, username, comment=None):
    """Move the assessment as `username` would (app/assessments/service.transition)."""
    from app.assessments.models import Assessment
    from app.assessments.service import transition
    with live_server.app.app_context():
        visit = db.session.get(Assessment, assessment_id)
        user = db.session.scalar(select(User).where(User.username == username))
        transition(visit, action, user, visit.version, comment=comment)


def test_the_summary_says_where_the_assessment_stands_and_why_it_cannot_be_sent(page, live_server, shot):
    from babel.dates import format_date

    from app.clock import today
    sent = complete_assessment(live_server)  # Cukir, submitted by fas.diwek
    draft = start_assessment(page, live_server)
    answer(page, "A1", "yes")
    page.get_by_role("link", name="Ringkasan").click()
    button, reason = page.get_by_role("button", name="Kirim untuk ditinjau"), page.locator("#send-reason")
    expect(button).to_be_disabled()
    missing = page.locator(".missing li:not([hidden])").count()
    expect(reason).to_have_text(f"Masih ada {missing} jawaban wajib yang kosong; isi dulu untuk dapat mengirim.")
    assert missing > 1 and button.get_attribute("aria-describedby") == "send-reason"
    looks = button.evaluate("b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).cursor]")
    assert looks == ["rgb(224, 224, 224)", "not-allowed"]  # not the red of a button that works
    expect(page.locator("#status-line")).to_have_text("Draf, belum dikirim untuk ditinjau.")
    shots(page, shot, "summary-draft")

    on_day = format_date(today(PHONE_TIMEZONE), "long", locale="id")
    page.goto(f"{live_server.url}/assessments/{sent}")
    expect(page.locator("#status-line")).to_contain_text("Menunggu tinjauan; dikirim ")
    expect(page.get_by_role("button", name="Kirim untuk ditinjau")).to_have_count(0)
    shots(page, shot, "summary-submitted")

    move(live_server, sent, "return", "supervisor", comment="Jumlah anggota tidak sesuai buku.")
    page.reload()
    expect(page.locator("#status-line")).to_contain_text(
        f"Dikembalikan oleh Supervisor pada {on_day} untuk diperbaiki.")
    expect(page.locator("#status-line")).to_contain_text("Jumlah anggota tidak sesuai buku.")
    expect(page.get_by_role("button", name="Kirim untuk ditinjau")).to_be_enabled()
    shots(page, shot, "summary-returned")

    move(live_server, sent, "submit", "fas.diwek")
    move(live_server, sent, "approve", "supervisor")
    page.reload()
    expect(page.locator("#status-line")).to_have_text(f"Disetujui oleh Supervisor pada {on_day}.")
    expect(page.locator("main")).not_to_contain_text("terkunci")
    shots(page, shot, "summary-approved")
    page.get_by_role("link", name="Kunjungan saya").click()
    expect(page.locator("h2:text-is('Disetujui') + ul.cards")).to_contain_text(
        f"Disetujui oleh Supervisor pada {on_day}.")
    assert page.locator("main li", has_text="Belum ada").count() == 0
    with live_server.app.app_context():
        from app.assessments.models import Assessment
        assert db.session.get(Assessment, draft).status == "draft"
