"""The sequences facilitators really follow, in real Chromium on a Pixel 5: tapping fast and moving on,
a slow network, losing signal after starting, a session that ends, a wrong clock, a shared phone."""
import re
import time
from threading import Event

import pytest
from playwright.sync_api import expect

from app.assessments.models import Assessment
from app.auth.models import User
from app.extensions import db
from tests.conftest import PASSWORD
from tests.test_browser import (FIELD_ANSWERS, answer, log_in, no_signal, publish_default_instrument, saved_answers,
                                signal_back, start_assessment)
from tests.test_offline import OUTBOX_SIZE, QUEUED, controlled_by_the_worker, eventually, rows, tap

pytestmark = pytest.mark.browser
YEAR_MS = 365 * 24 * 3600 * 1000


def slow_network(page, latency_ms=400, kbps=400):
    """The village's signal: 400 ms of latency, 400 kbit/s each way (Chromium's own throttling)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": latency_ms,
                                                  "downloadThroughput": kbps * 1000 / 8,
                                                  "uploadThroughput": kbps * 1000 / 8})
    return cdp


def tap_quickly(page, answers):
    """Tap each answer without waiting for anything, as a facilitator who knows the form does."""
    for code, value in answers.items():
        page.locator(f"#q-{code} input[value='{value}']").check()


def drained(page, seconds=40):
    return eventually(page, lambda: page.evaluate(OUTBOX_SIZE) == 0, seconds=seconds)


def kept_urls(page):
    return page.evaluate("""async () => {
        const names = (await caches.keys()).filter(name => name.startsWith("siapkop-pages-"));
        const urls = [];
        for (const name of names) for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
        return urls;
    }""")


# --- Leaving a section while its answers are being sent ----------------------------------------

def test_six_answers_tapped_quickly_then_the_next_section_are_all_kept(page, live_server):
    publish_default_instrument(live_server)
    assessment_id = start_assessment(page, live_server)
    controlled_by_the_worker(page)
    slow_network(page)
    tap_quickly(page, FIELD_ANSWERS["A"])
    page.locator("#step-B").click()  # at once: most answers are still waiting their turn
    expect(page.get_by_role("heading", level=1)).to_contain_text("B.")
    assert drained(page)
    assert saved_answers(live_server, assessment_id) == FIELD_ANSWERS["A"] and rows(live_server, assessment_id) == 6


def test_six_answers_tapped_quickly_then_back_are_all_kept(page, live_server):
    publish_default_instrument(live_server)
    assessment_id = start_assessment(page, live_server)
    controlled_by_the_worker(page)
    page.locator("#step-B").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("B.")
    slow_network(page)
    tap_quickly(page, FIELD_ANSWERS["B"])
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_contain_text("A.")
    assert drained(page)
    assert saved_answers(live_server, assessment_id) == FIELD_ANSWERS["B"]


def test_six_answers_tapped_quickly_then_the_tab_closed_are_all_kept(page, live_server):
    publish_default_instrument(live_server)
    assessment_id = start_assessment(page, live_server)
    controlled_by_the_worker(page)
    slow_network(page)
    tap_quickly(page, FIELD_ANSWERS["A"])
    context = page.context
    page.close()
    again = context.new_page()  # the facilitator opens SiapKop again
    again.goto(f"{live_server.url}/assessments/{assessment_id}/sections/A")
    assert drained(again)
    assert saved_answers(live_server, assessment_id) == FIELD_ANSWERS["A"] and rows(live_server, assessment_id) == 6
    for code, value in FIELD_ANSWERS["A"].items():
        expect(again.locator(f"#q-{code} input[value='{value}']")).to_be_checked()


# --- Logging in on a slow network ----------------------------------------------------------------

def test_logging_in_on_a_slow_network_always_lands_logged_in(browser, live_server, browser_context_args):
    """The service worker installs while the login is sent; nothing it fetches may replace the session.
    Its fetch of the offline page is held until the login has been answered: the worst order."""
    offline_page, asked, login_answered = live_server.app.view_functions["main.offline"], Event(), Event()

    def held_offline_page():
        asked.set()
        login_answered.wait(10)
        time.sleep(0.3)
        return offline_page()
    live_server.app.view_functions["main.offline"] = held_offline_page
    logged_in = 0
    for _ in range(10):
        asked.clear()
        login_answered.clear()
        context = browser.new_context(**browser_context_args)  # a fresh phone each time
        page = context.new_page()
        slow_network(page)
        page.goto(live_server.url + "/auth/login")
        page.get_by_label("Nama pengguna").fill("fas.diwek")
        page.get_by_label("Kata sandi").fill(PASSWORD)
        assert asked.wait(10)  # the worker is fetching the offline page
        page.get_by_role("button", name="Masuk").click()
        expect(page).to_have_url(live_server.url + "/assessments/")
        login_answered.set()
        page.wait_for_function("navigator.serviceWorker.ready.then(r => Boolean(r.active))")
        page.reload()
        if page.url == live_server.url + "/assessments/":
            logged_in += 1
        context.close()
    assert logged_in == 10


# --- The session ends while work waits in the outbox ---------------------------------------------

def test_an_ended_session_keeps_the_outbox_asks_to_log_in_and_sends_after(page, live_server):
    publish_default_instrument(live_server)
    assessment_id = start_assessment(page, live_server)
    controlled_by_the_worker(page)
    no_signal(page)
    for code in ("A1", "A2", "A3"):
        tap(page, code, FIELD_ANSWERS["A"][code], QUEUED)
    page.context.clear_cookies(name="session")  # the browser lost its session meanwhile
    signal_back(page)
    expect(page.get_by_text("Sesi Anda sudah berakhir")).to_be_visible(timeout=15000)
    assert page.evaluate(OUTBOX_SIZE) == 3 and saved_answers(live_server, assessment_id) == {}
    page.get_by_role("link", name="Masuk lagi").click()
    page.get_by_label("Nama pengguna").fill("fas.diwek")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page).to_have_url(re.compile(rf"/assessments/{assessment_id}/sections/A$"))
    assert drained(page)
    expected = {code: FIELD_ANSWERS["A"][code] for code in ("A1", "A2", "A3")}
    assert saved_answers(live_server, assessment_id) == expected and rows(live_server, assessment_id) == 3


# --- Started with signal, then the signal goes ---------------------------------------------------

def test_a_visit_started_with_signal_goes_on_when_the_signal_drops(page, live_server, shot):
    publish_default_instrument(live_server)
    assessment_id = start_assessment(page, live_server)
    controlled_by_the_worker(page)
    for code, value in FIELD_ANSWERS["A"].items():
        answer(page, code, value)
    # every section of the visit and its summary are kept on the phone once it is opened
    assert eventually(page, lambda: sum(str(assessment_id) in url for url in kept_urls(page)) == 9)
    no_signal(page)
    entered = dict(FIELD_ANSWERS["A"])
    for section in "BCDEFGH":
        page.get_by_role("button", name="Simpan dan").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(f"{section}.")
        for code, value in FIELD_ANSWERS[section].items():
            tap(page, code, value, QUEUED)
            entered[code] = value
        shot(page, f"offline-{section}")
    page.locator("#step-A").click()  # the kept copy of A shows what was saved after it was kept
    for code, value in FIELD_ANSWERS["A"].items():
        expect(page.locator(f"#q-{code} input[value='{value}']")).to_be_checked()
    expect(page.locator("#outbox")).to_have_text("38 jawaban belum terkirim; dikirim otomatis saat ada sinyal.")
    assert rows(live_server, assessment_id) == 6
    signal_back(page)
    assert drained(page)
    assert saved_answers(live_server, assessment_id) == entered and rows(live_server, assessment_id) == 44


def test_the_home_screen_app_opens_without_signal_on_a_kept_page(page, live_server):
    publish_default_instrument(live_server)
    log_in(page, live_server)
    controlled_by_the_worker(page)
    page.goto(live_server.url + "/cooperatives/?q=cukir")
    page.locator("#results .cards a").first.click()
    page.get_by_role("button", name="Siapkan untuk kunjungan").click()
    expect(page.get_by_role("button", name="Siap dipakai tanpa sinyal")).to_be_disabled()
    no_signal(page)
    page.goto(live_server.url + "/")  # the installed app's start page
    expect(page.get_by_role("heading", level=1)).to_have_text("Kunjungan saya")
    page.get_by_role("link", name="Koperasi Desa Merah Putih Cukir").click()  # one tap
    expect(page.get_by_role("heading", level=1)).to_have_text("Koperasi Desa Merah Putih Cukir")
    page.get_by_role("link", name="Mulai penilaian").click()  # two
    expect(page.get_by_role("button", name="Mulai penilaian")).to_be_visible()


def test_the_offline_page_offers_a_way_on(page, live_server):
    publish_default_instrument(live_server)
    log_in(page, live_server)
    controlled_by_the_worker(page)
    page.goto(live_server.url + "/cooperatives/?q=cukir")
    page.locator("#results .cards a").first.click()
    page.get_by_role("button", name="Siapkan untuk kunjungan").click()
    expect(page.get_by_role("button", name="Siap dipakai tanpa sinyal")).to_be_disabled()
    no_signal(page)
    page.goto(live_server.url + "/rollups/")  # never kept
    expect(page.get_by_role("heading", level=1)).to_have_text("Tanpa sinyal")
    expect(page.get_by_role("link", name="Koperasi Desa Merah Putih Cukir")).to_be_visible()
    page.get_by_role("link", name="Kunjungan saya").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kunjungan saya")


# --- Logging out, and a phone shared by two facilitators -----------------------------------------

def test_logging_out_without_signal_says_why_and_keeps_everything(page, live_server):
    publish_default_instrument(live_server)
    assessment_id = start_assessment(page, live_server)
    controlled_by_the_worker(page)
    answer(page, "A1", "yes")
    no_signal(page)
    page.get_by_role("button", name="Keluar").click()
    expect(page.get_by_text("Keluar memerlukan sinyal.")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/assessments/{assessment_id}/sections/A$"))
    assert any(str(assessment_id) in url for url in kept_urls(page))
    signal_back(page)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_contain_text("A.")  # still logged in on the server
    page.get_by_role("button", name="Keluar").click()  # with signal it happens, and the kept pages go
    expect(page).to_have_url(re.compile("/auth/login"))
    assert not any(str(assessment_id) in url for url in kept_urls(page))


def test_a_shared_phone_serves_none_of_the_last_users_pages(page, live_server):
    publish_default_instrument(live_server)
    assessment_id = start_assessment(page, live_server)
    controlled_by_the_worker(page)
    answer(page, "A1", "yes")
    visit = f"{live_server.url}/assessments/{assessment_id}/sections/A"
    page.context.clear_cookies(name="session")  # the session ended (a browser restart without "Ingat saya")
    page.goto(live_server.url + "/auth/login")
    no_signal(page)
    page.goto(visit)
    expect(page.get_by_role("heading", level=1)).to_have_text("Tanpa sinyal")
    assert "Cukir" not in page.content()
    signal_back(page)
    log_in(page, live_server, "fas.wonosalam")  # another facilitator on the same phone
    no_signal(page)
    for url in (visit, live_server.url + "/"):
        page.goto(url)
        assert "Cukir" not in page.content()
    signal_back(page)
    page.goto(visit)
    expect(page.get_by_role("heading", level=1)).not_to_contain_text("A.")


# --- A phone whose clock is wrong ---------------------------------------------------------------

@pytest.mark.parametrize("years", [1, -10], ids=["a-year-ahead", "ten-years-behind"])
def test_a_wrong_phone_clock_never_hides_what_stands(page, browser, browser_context_args, live_server, years):
    page.add_init_script(f"(() => {{ const now = Date.now; Date.now = () => now() + {years * YEAR_MS}; }})()")
    publish_default_instrument(live_server)
    assessment_id = start_assessment(page, live_server)
    section = f"{live_server.url}/assessments/{assessment_id}/sections/A"
    answer(page, "A1", "yes")
    laptop = browser.new_context(**browser_context_args).new_page()  # the same facilitator, right clock
    log_in(laptop, live_server)
    laptop.goto(section)
    answer(laptop, "A1", "no")
    assert saved_answers(live_server, assessment_id) == {"A1": "no"}  # later, so it stands
    page.reload()
    answer(page, "A1", "yes")  # later again, on the phone: it stands too
    assert saved_answers(live_server, assessment_id) == {"A1": "yes"}

    controlled_by_the_worker(page)
    no_signal(page)
    tap(page, "A2", "yes", QUEUED)  # made first, but sent after the laptop's change
    laptop.reload()
    answer(laptop, "A2", "no")
    signal_back(page)
    expect(page.locator("#status-A2")).to_have_text(re.compile("^Tidak diterapkan"), timeout=15000)
    expect(page.locator("#q-A2 input[value=no]")).to_be_checked()  # what stands, shown
    assert saved_answers(live_server, assessment_id) == {"A1": "yes", "A2": "no"}
    laptop.context.close()
    with live_server.app.app_context():
        assert db.session.get(Assessment, assessment_id).facilitator == db.session.scalar(
            db.select(User).filter_by(username="fas.diwek"))
