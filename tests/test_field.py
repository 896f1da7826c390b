"""The sequences facilitators really follow, in real Chromium on a Pixel 5: tapping fast and moving on,
a slow network, losing signal after starting, a session that ends, a wrong clock, a shared phone."""
import io
import re
import time
import uuid
from datetime import datetime, timedelta
from threading import Event
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from app.assessments.models import Assessment
from app.auth.models import User
from app.extensions import db
from tests.support import PASSWORD, PHONE_TIMEZONE, stored_photo
from tests.test_browser import (FIELD_ANSWERS, answer, log_in, log_out, no_signal, publish_default_instrument,
                                saved_answers, signal_back, start_assessment)
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
    """Whether the outbox empties (the page may reload meanwhile: a submit sent reloads its summary)."""
    def empty():
        try:
            return page.evaluate(OUTBOX_SIZE) == 0
        except PlaywrightError:
            return False
    return eventually(page, empty, seconds=seconds)


def kept_urls(page):
    return page.evaluate("""async () => {
        const names = (await caches.keys()).filter(name => name.startsWith("siapkop-pages-"));
        const urls = [];
        for (const name of names) for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
        return urls;
    }""")


def prepare_cukir(page, live_server):
    """Log in as the Diwek facilitator and prepare Cukir for a visit without signal."""
    publish_default_instrument(live_server)
    log_in(page, live_server)
    controlled_by_the_worker(page)
    page.goto(live_server.url + "/cooperatives/?q=cukir")
    page.locator("#results .cards a").first.click()
    page.get_by_role("button", name="Siapkan untuk kunjungan").click()
    expect(page.get_by_role("button", name="Siap dipakai tanpa sinyal")).to_be_disabled()


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


def test_answers_not_yet_sent_go_with_a_closed_tab(page, live_server):
    """Closing the tab while answers wait: they are sent as the page goes (keepalive), before any reopening."""
    publish_default_instrument(live_server)
    assessment_id = start_assessment(page, live_server)
    controlled_by_the_worker(page)
    slow_network(page)
    tap_quickly(page, FIELD_ANSWERS["A"])
    context = page.context
    page.close()
    blank = context.new_page()  # only to keep waiting in: nothing of SiapKop is open
    assert eventually(blank, lambda: saved_answers(live_server, assessment_id) == FIELD_ANSWERS["A"], seconds=15)


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
        assert page.evaluate("navigator.serviceWorker.ready.then(r => Boolean(r.active))")  # waits for it
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

def camera_photo(path):
    """A 12 MP photo as a phone camera writes it: 4,000 x 3,000 px of fine texture (3.7 MB), with EXIF."""
    from PIL import Image, ImageFilter
    noise = Image.effect_noise((4000, 3000), 64).filter(ImageFilter.GaussianBlur(1))
    picture = Image.merge("RGB", (noise, Image.linear_gradient("L").resize((4000, 3000)), noise.rotate(180)))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Samsung", "Galaxy A05"  # Make, Model
    exif[0x8825] = {1: "S", 2: (7.0, 35.0, 31.0), 3: "E", 4: (112.0, 14.0, 2.0)}  # GPS: Cukir
    picture.save(path, "JPEG", quality=92, exif=exif)
    return path


def test_a_visit_started_with_signal_goes_on_when_the_signal_drops(page, live_server, shot, tmp_path):
    from PIL import Image
    from app.assessments.models import Event, Photo

    publish_default_instrument(live_server)
    live_server.app.config["PHOTO_FOLDER"] = str(tmp_path / "photos")
    assessment_id = start_assessment(page, live_server)
    controlled_by_the_worker(page)
    for code, value in FIELD_ANSWERS["A"].items():
        answer(page, code, value)
    # every section of the visit and its summary are kept on the phone once it is opened
    assert eventually(page, lambda: sum(str(assessment_id) in url for url in kept_urls(page)) == 9)
    uploads = []
    page.on("request", lambda request: uploads.append(len(request.post_data_buffer or b""))
            if "/photos/A1" in request.url else None)
    no_signal(page)
    page.locator("#q-A1 input[type=file]").set_input_files(camera_photo(tmp_path / "akta.jpg"))
    expect(page.locator("#photos-A1")).to_contain_text(re.compile(r"Foto menunggu dikirim \(\d+ KB\)"))
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
    expect(page.locator("#photos-A1")).to_contain_text("Foto menunggu dikirim")
    expect(page.locator("#outbox")).to_have_text(
        "38 jawaban dan 1 foto belum terkirim; dikirim otomatis saat ada sinyal.")

    page.get_by_role("link", name="Ringkasan").click()  # the summary counts what waits on the phone
    for section in "ABCDEFGH":
        expect(page.locator(f"#score-{section} td").last).to_have_text("100%")
    expect(page.locator(".missing")).to_be_hidden()
    expect(page.locator("#send-reason")).to_be_hidden()  # the kept copy said answers were missing
    expect(page.locator(".total")).to_have_text("Skor dihitung setelah jawaban terkirim.")
    shot(page, "summary-offline")
    page.get_by_role("button", name="Kirim untuk ditinjau").click()
    expect(page.get_by_text("Akan dikirim untuk ditinjau saat ada sinyal.")).to_be_visible()

    signal_back(page)
    assert drained(page)
    assert saved_answers(live_server, assessment_id) == entered and rows(live_server, assessment_id) == 44
    assert uploads and max(uploads) <= 400 * 1024
    with live_server.app.app_context():
        visit = db.session.get(Assessment, assessment_id)
        (photo,) = db.session.scalars(db.select(Photo))
        submits = db.session.scalars(db.select(Event).filter_by(assessment_id=assessment_id, action="submit")).all()
        assert visit.status == "submitted" and len(submits) == 1 and db.session.query(Assessment).count() == 1
        assert photo.question_code == "A1" and max(photo.width, photo.height) == 1600
        stored = Image.open(io.BytesIO(stored_photo(photo.id)))
        assert stored.size == (1600, 1200) and not stored.getexif()


def test_the_home_screen_app_opens_without_signal_on_a_kept_page(page, live_server):
    prepare_cukir(page, live_server)
    no_signal(page)
    page.goto(live_server.url + "/")  # the installed app's start page
    expect(page.get_by_role("heading", level=1)).to_have_text("Kunjungan saya")
    page.get_by_role("link", name="Koperasi Desa Merah Putih Cukir").click()  # one tap
    expect(page.get_by_role("heading", level=1)).to_have_text("Koperasi Desa Merah Putih Cukir")
    page.get_by_role("link", name="Mulai penilaian").click()  # two
    expect(page.get_by_role("button", name="Mulai penilaian")).to_be_visible()


def test_the_start_page_opened_with_signal_is_kept_under_its_own_address(page, live_server):
    publish_default_instrument(live_server)
    log_in(page, live_server)
    controlled_by_the_worker(page)
    page.goto(live_server.url + "/")  # the installed app, opened with signal: the home itself, kept
    expect(page.get_by_role("heading", level=1)).to_have_text("Kunjungan saya")
    assert eventually(page, lambda: live_server.url + "/" in kept_urls(page))
    no_signal(page)
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kunjungan saya")
    expect(page).to_have_url(live_server.url + "/")


def test_the_offline_page_offers_a_way_on(page, live_server):
    prepare_cukir(page, live_server)
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
    """A works and logs out; B logs in on the same phone: offline and online, none of A's pages, while
    A's unsent answer waits for A."""
    publish_default_instrument(live_server)
    assessment_id = start_assessment(page, live_server)
    controlled_by_the_worker(page)
    answer(page, "A1", "yes")
    assert eventually(page, lambda: sum(str(assessment_id) in url for url in kept_urls(page)) == 9)
    visit = f"{live_server.url}/assessments/{assessment_id}/sections/A"
    page.context.route("**/assessments/sync", lambda route: route.abort())  # A's last answer stays unsent
    no_signal(page)
    tap(page, "A2", "no", QUEUED)
    signal_back(page)
    log_out(page)
    assert not any(str(assessment_id) in url for url in kept_urls(page))  # A's pages went with the session
    no_signal(page)
    page.goto(visit)  # nobody is logged in
    expect(page.get_by_role("heading", level=1)).to_have_text("Tanpa sinyal")
    assert "Cukir" not in page.content()
    signal_back(page)
    log_in(page, live_server, "fas.wonosalam")  # another facilitator on the same phone
    no_signal(page)
    for url in (visit, live_server.url + "/", live_server.url + "/assessments/"):
        page.goto(url)
        assert "Cukir" not in page.content()
    signal_back(page)
    page.goto(visit)
    expect(page.get_by_text("Halaman tidak ditemukan, atau di luar wilayah Anda.")).to_be_visible()
    expect(page.locator("#outbox")).to_be_hidden()  # A's unsent answer is not B's
    log_out(page)
    page.context.unroute("**/assessments/sync")
    log_in(page, live_server)  # A again: the answer is sent
    assert drained(page)
    assert saved_answers(live_server, assessment_id) == {"A1": "yes", "A2": "no"}


def test_a_visit_started_offline_shows_its_kept_pages_until_the_server_knows_it(page, live_server):
    """The signal is back, but the outbox has not gone yet: a reload shows the kept visit, not a 404; the
    outbox panel says what waits and sends it on request."""
    prepare_cukir(page, live_server)
    no_signal(page)
    page.get_by_role("link", name="Mulai penilaian").first.click()
    page.get_by_role("button", name="Mulai penilaian").click()
    expect(page).to_have_url(re.compile(r"/sections/A$"))
    assessment_id = uuid.UUID(page.url.split("/")[-3])
    tap(page, "A1", "yes", QUEUED)
    expect(page.locator("#outbox-panel")).to_contain_text("Tanpa sinyal.")
    page.context.route("**/assessments/sync", lambda route: route.abort())
    signal_back(page)
    page.reload()  # the server does not know this visit yet
    expect(page.get_by_role("heading", level=1)).to_contain_text("A.")
    expect(page.locator("#q-A1 input[value=yes]")).to_be_checked()
    expect(page.locator("#outbox")).to_have_text("1 jawaban belum terkirim; dikirim otomatis saat ada sinyal.")
    page.context.unroute("**/assessments/sync")
    page.get_by_role("button", name="Kirim sekarang").click()
    assert drained(page)
    expect(page.locator("#outbox-panel [data-last]")).to_contain_text("Terakhir terkirim:")
    assert saved_answers(live_server, assessment_id) == {"A1": "yes"}


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


WAITING_ON_THE_PHONE = re.compile(f"^({re.escape(QUEUED)}|Menunggu dikirim)$")


# --- The browser is closed mid-form, without signal ------------------------------------------------

def test_a_browser_closed_mid_form_offline_keeps_and_later_sends_every_answer(
        playwright, live_server, tmp_path, browser_type_launch_args, browser_context_args):
    """A persistent profile, as on the phone: the browser process ends and starts again, still offline."""
    profile = tmp_path / "profile"

    def phone():
        device = {key: value for key, value in browser_context_args.items() if key != "default_browser_type"}
        context = playwright.chromium.launch_persistent_context(profile, **browser_type_launch_args, **device)
        return context, context.pages[0] if context.pages else context.new_page()

    publish_default_instrument(live_server)
    context, page = phone()
    page.goto(live_server.url + "/auth/login")
    page.get_by_label("Nama pengguna").fill("fas.diwek")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_label("Ingat saya di perangkat ini").check()
    page.get_by_role("button", name="Masuk").click()
    page.goto(live_server.url + "/cooperatives/?q=cukir")
    page.locator("#results .cards a").first.click()
    page.get_by_role("link", name="Mulai penilaian").click()
    page.get_by_role("button", name="Mulai penilaian").click()
    expect(page).to_have_url(re.compile(r"/sections/A$"))
    assessment_id = uuid.UUID(page.url.split("/")[-3])
    controlled_by_the_worker(page)
    assert eventually(page, lambda: sum(str(assessment_id) in url for url in kept_urls(page)) == 9)
    no_signal(page)
    for code, value in FIELD_ANSWERS["A"].items():
        tap(page, code, value, QUEUED)
    assert eventually(page, lambda: page.evaluate(OUTBOX_SIZE) == len(FIELD_ANSWERS["A"]))  # written, not only shown
    context.close()  # the browser process ends

    context, page = phone()
    no_signal(page)
    page.goto(f"{live_server.url}/assessments/{assessment_id}/sections/A")
    for code, value in FIELD_ANSWERS["A"].items():
        expect(page.locator(f"#q-{code} input[value='{value}']")).to_be_checked()
        # from the outbox: "kept on the phone" once the page knows it is offline, "waiting to be sent" before
        expect(page.locator(f"#status-{code}")).to_have_text(WAITING_ON_THE_PHONE)
    signal_back(page)
    assert drained(page)
    assert saved_answers(live_server, assessment_id) == FIELD_ANSWERS["A"] and rows(live_server, assessment_id) == 6
    context.close()


def test_a_start_form_kept_since_an_earlier_day_offers_the_phones_today(page, live_server, monkeypatch):
    from app.assessments.forms import StartForm

    phone_today = datetime.now(ZoneInfo(PHONE_TIMEZONE)).date()
    monkeypatch.setitem(StartForm.visit_date.kwargs, "default", lambda: phone_today - timedelta(days=2))
    prepare_cukir(page, live_server)  # prepared on Monday...
    monkeypatch.undo()
    no_signal(page)  # ...visited on Wednesday
    page.get_by_role("link", name="Mulai penilaian").first.click()
    expect(page.get_by_label("Tanggal kunjungan")).to_have_value(phone_today.isoformat())
    page.get_by_role("button", name="Mulai penilaian").click()
    expect(page).to_have_url(re.compile(r"/sections/A$"))
    assessment_id = uuid.UUID(page.url.split("/")[-3])
    signal_back(page)
    assert drained(page)
    with live_server.app.app_context():
        assert db.session.get(Assessment, assessment_id).visit_date == phone_today
