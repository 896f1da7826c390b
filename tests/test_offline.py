"""Field work without signal, in real Chromium: the service worker, the outbox, and sync."""
import random
import re
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.assessments.models import Answer, Assessment
from app.extensions import db
from tests.support import PHONE_TIMEZONE
from tests.test_browser import (FIELD_ANSWERS, complete_assessment, log_in, log_out, no_signal,
                                publish_default_instrument, saved_answers, signal_back, start_assessment)

pytestmark = pytest.mark.browser
QUEUED = "Tersimpan di ponsel; dikirim saat ada sinyal."
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")
OUTBOX_SIZE = """() => new Promise(resolve => {
    const open = indexedDB.open("siapkop");
    open.onsuccess = () => {
        const count = open.result.transaction("outbox").objectStore("outbox").count();
        count.onsuccess = () => resolve(count.result);
    };
})"""


def eventually(page, check, seconds=30):
    """Poll `check()` until it is true (page.wait_for_function does not wait for promises)."""
    for _ in range(seconds * 10):
        if check():
            return True
        page.wait_for_timeout(100)
    return check()


def controlled_by_the_worker(page):
    """Wait until the service worker controls the page. Polled with evaluate, not wait_for_function, which
    evaluates its text inside the page, where our Content-Security-Policy refuses eval (it did in CI)."""
    def controlled():
        try:
            return page.evaluate("navigator.serviceWorker.controller !== null")
        except PlaywrightError:  # a page loading meanwhile
            return False
    assert eventually(page, controlled)


def tap(page, code, value, status=re.compile("Tersimpan")):
    """Answer one question and wait until the change is saved or queued."""
    question = page.locator(f"#q-{code}")
    box = question.locator("input[type=number]")
    if box.count():
        box.fill(value)
        box.press("Tab")
    else:
        question.locator(f"input[value='{value}']").check()
    expect(page.locator(f"#status-{code}")).to_have_text(status)


def shows(page, code, value):
    box = page.locator(f"#q-{code} input[type=number]")
    if box.count():
        expect(box).to_have_value(value)
    else:
        expect(page.locator(f"#q-{code} input[value='{value}']")).to_be_checked()


def rows(live_server, assessment_id):
    with live_server.app.app_context():
        return db.session.scalar(select(func.count()).select_from(Answer).where(Answer.assessment_id == assessment_id))


def test_a_prepared_visit_is_filled_offline_and_sent_when_the_signal_returns(page, live_server, shot):
    publish_default_instrument(live_server)
    log_in(page, live_server)
    controlled_by_the_worker(page)
    page.goto(live_server.url + "/cooperatives/?q=cukir")
    page.locator("#results .cards a").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Koperasi Desa Merah Putih Cukir")
    cooperative_url = page.url
    page.get_by_role("button", name="Siapkan untuk kunjungan").click()
    expect(page.get_by_role("button", name="Siap dipakai tanpa sinyal")).to_be_disabled()
    shot(page, "prepared")

    no_signal(page)
    page.goto(cooperative_url)  # from the phone, not the server
    page.get_by_role("link", name="Mulai penilaian").click()
    page.get_by_label("Hadir lainnya (satu nama per baris)").fill("Pak Slamet (Ketua)")
    page.get_by_role("button", name="Mulai penilaian").click()
    expect(page).to_have_url(re.compile(r"/assessments/[0-9a-f-]{36}/sections/A$"))
    assessment_id = uuid.UUID(page.url.split("/")[-3])
    today = datetime.now(ZoneInfo(PHONE_TIMEZONE)).date()  # the phone's date
    expect(page.locator("[data-crumb]")).to_have_text(
        f"Koperasi Desa Merah Putih Cukir · {today.day} {MONTHS[today.month - 1]} {today.year}")

    entered = {}
    for section, count in (("A", 6), ("B", 5), ("C", 4)):
        for code, value in list(FIELD_ANSWERS[section].items())[:count]:
            tap(page, code, value, QUEUED)
            entered[code] = value
        shot(page, f"offline-{section}")
        if section != "C":
            page.get_by_role("button", name="Simpan dan lanjut").click()
            expect(page.get_by_role("heading", level=1)).to_contain_text(f"{chr(ord(section) + 1)}.")
    expect(page.locator("#outbox")).to_have_text("15 jawaban belum terkirim; dikirim otomatis saat ada sinyal.")

    page.reload()  # still offline: the answers come back from the outbox
    for code in ("C1", "C2", "C3", "C4"):
        shows(page, code, entered[code])
    shot(page, "offline-reloaded")
    for section in "AB":
        page.goto(f"{live_server.url}/assessments/{assessment_id}/sections/{section}")
        for code in FIELD_ANSWERS[section]:
            shows(page, code, entered[code])
    assert rows(live_server, assessment_id) == 0

    signal_back(page)
    expect(page.locator("#outbox")).to_be_hidden(timeout=15000)
    assert page.evaluate(OUTBOX_SIZE) == 0
    assert saved_answers(live_server, assessment_id) == entered and rows(live_server, assessment_id) == 15
    with live_server.app.app_context():
        visit = db.session.get(Assessment, assessment_id)
        assert visit.attendees == ["Pak Slamet (Ketua)"] and visit.facilitator.username == "fas.diwek"
    shot(page, "sent")


def test_a_flaky_network_loses_and_duplicates_nothing(page, live_server):
    publish_default_instrument(live_server)
    assessment_id = start_assessment(page, live_server)
    controlled_by_the_worker(page)
    chance, failed = random.Random(20251014), []

    def flaky(route):
        if chance.random() < 0.3:
            failed.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.context.route(re.compile(r"/assessments/(sync$|[0-9a-f-]{36}/answers/)"), flaky)
    entered = {}
    for section, answers in FIELD_ANSWERS.items():
        page.goto(f"{live_server.url}/assessments/{assessment_id}/sections/{section}")
        for code, value in answers.items():
            if len(entered) < 40 and code != "F2":
                tap(page, code, value)
                entered[code] = value
    assert len(entered) == 40
    assert eventually(page, lambda: page.evaluate(OUTBOX_SIZE) == 0, seconds=90)
    # both paths were hit: autosaves that fell back to the outbox, and syncs that were retried
    assert any(url.endswith("/sync") for url in failed) and any("/answers/" in url for url in failed)
    assert saved_answers(live_server, assessment_id) == entered and rows(live_server, assessment_id) == 40


def test_a_submit_made_offline_is_applied_when_the_signal_returns(page, live_server, shot):
    assessment_id = complete_assessment(live_server, submit=False)
    log_in(page, live_server)
    controlled_by_the_worker(page)
    page.goto(f"{live_server.url}/assessments/{assessment_id}")
    no_signal(page)
    page.get_by_role("button", name="Kirim untuk ditinjau").click()
    expect(page.get_by_text("Akan dikirim untuk ditinjau saat ada sinyal.")).to_be_visible()
    shot(page, "queued")
    with live_server.app.app_context():
        assert db.session.get(Assessment, assessment_id).status == "draft"

    signal_back(page)
    expect(page.locator("#status-line")).to_contain_text("Menunggu tinjauan; dikirim ", timeout=15000)
    shot(page, "submitted")
    with live_server.app.app_context():
        visit = db.session.get(Assessment, assessment_id)
        assert visit.status == "submitted" and visit.score == 100


def answer_held_back(page, live_server):
    """Start an assessment and answer A1 = yes without signal; once the signal is back, syncs still fail
    until unrouted. Returns its id."""
    publish_default_instrument(live_server)
    assessment_id = start_assessment(page, live_server)
    controlled_by_the_worker(page)
    page.context.route("**/assessments/sync", lambda route: route.abort())  # before the signal goes
    no_signal(page)
    tap(page, "A1", "yes", QUEUED)
    signal_back(page)
    return assessment_id


def test_a_new_deploy_keeps_the_outbox_and_the_prepared_pages(page, live_server, monkeypatch):
    import app.main.routes as main_routes

    assessment_id = answer_held_back(page, live_server)  # still queued when the new worker arrives...
    old = page.evaluate("caches.keys()")
    monkeypatch.setattr(main_routes, "static_version", lambda: "nextdeploy01")
    kept = f"siapkop-pages-{page.evaluate('document.body.dataset.user')}"  # this user's pages

    def new_worker_in():
        """Ask for the new worker until it has installed and removed the old deploy's files: an update asked
        while the browser's own check of /sw.js is under way can end with that check's older answer."""
        page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update()).catch(() => null)")
        return sorted(page.evaluate("caches.keys()")) == [kept, "siapkop-static-nextdeploy01"]
    assert eventually(page, new_worker_in)
    assert kept in old and len(old) == 2
    assert page.evaluate(OUTBOX_SIZE) == 1
    page.context.unroute("**/assessments/sync")  # ...and is sent once the server answers again
    page.reload()  # the count starts hidden, so wait for the outbox itself to empty
    assert eventually(page, lambda: page.evaluate(OUTBOX_SIZE) == 0)
    assert saved_answers(live_server, assessment_id) == {"A1": "yes"}


def test_relevance_is_applied_on_the_phone_while_offline(page, live_server):
    publish_default_instrument(live_server)
    assessment_id = start_assessment(page, live_server)
    controlled_by_the_worker(page)
    page.goto(f"{live_server.url}/assessments/{assessment_id}/sections/F")
    no_signal(page)
    expect(page.locator("#q-F2")).to_be_hidden()
    tap(page, "F1", "yes", QUEUED)
    expect(page.locator("#q-F2")).to_be_visible()
    tap(page, "F2", "3", QUEUED)
    tap(page, "F1", "no", QUEUED)
    expect(page.locator("#q-F2")).to_be_hidden()
    signal_back(page)
    expect(page.locator("#outbox")).to_be_hidden(timeout=15000)
    assert saved_answers(live_server, assessment_id) == {"F1": "no", "F2": "3"}  # kept, but not scored


def test_a_shared_phone_keeps_each_users_unsent_work(page, live_server):
    assessment_id = answer_held_back(page, live_server)
    log_out(page)
    log_in(page, live_server, "fas.wonosalam")  # another facilitator on the same phone
    page.context.unroute("**/assessments/sync")
    page.reload()
    expect(page.locator("#outbox")).to_be_hidden()
    page.wait_for_timeout(500)
    assert page.evaluate(OUTBOX_SIZE) == 1 and saved_answers(live_server, assessment_id) == {}
    log_out(page)
    log_in(page, live_server, "fas.diwek")  # back: the work is sent
    assert eventually(page, lambda: page.evaluate(OUTBOX_SIZE) == 0)
    assert saved_answers(live_server, assessment_id) == {"A1": "yes"}
