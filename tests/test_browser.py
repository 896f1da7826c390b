"""The phone flow in real Chromium with Pixel 5 emulation."""
import re
import uuid
from datetime import date
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.cooperatives.models import Cooperative
from app.auth.models import User
from app.extensions import db
from app.regions.models import Village
from tests.support import OUT_OF_SIGNAL, PASSWORD

pytestmark = pytest.mark.browser


def no_horizontal_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def small_touch_targets(page):
    """Visible buttons, inputs and links in the main area smaller than 44 px tall.

    Check boxes and radio buttons are measured by the label around them, which is what the thumb hits.
    """
    return page.evaluate("""() => [...document.querySelectorAll(
            'main button, main input, main select, main .cards a, main .button, main .choice, main label.check')]
        .filter(el => el.offsetParent !== null && !['hidden', 'checkbox', 'radio'].includes(el.type))
        .filter(el => el.getBoundingClientRect().height < 44)
        .map(el => el.outerHTML.slice(0, 80))""")


def log_in(page, live_server, username="fas.diwek"):
    page.goto(live_server.url + "/auth/login")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    home = {"fas": "/assessments/", "supervisor": "/reviews/"}.get(username.split(".")[0], "/cooperatives/")
    expect(page).to_have_url(live_server.url + home)


def log_out(page):
    page.get_by_role("button", name="Keluar").click()
    expect(page).to_have_url(re.compile("/auth/login"))


def test_facilitator_logs_in_and_searches_on_a_phone(page, live_server, shot):
    page.goto(live_server.url + "/")
    expect(page).to_have_url(live_server.url + "/auth/login")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    assert page.viewport_size == {"width": 393, "height": 727}
    expect(page.get_by_role("heading", name="Masuk ke SiapKop")).to_be_visible()
    assert small_touch_targets(page) == [] and no_horizontal_scroll(page)
    shot(page, "login")

    page.get_by_label("Nama pengguna").fill("fas.diwek")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_label("Ingat saya di perangkat ini").check()
    page.get_by_role("button", name="Masuk").click()
    expect(page).to_have_url(live_server.url + "/assessments/")
    expect(page.get_by_role("heading", name="Kunjungan saya")).to_be_visible()
    page.get_by_role("link", name="Koperasi").click()
    expect(page).to_have_url(live_server.url + "/cooperatives/")
    expect(page.locator("#results")).to_contain_text("Kec. Diwek")
    expect(page.locator("#results")).not_to_contain_text("Kec. Wonosalam")
    assert small_touch_targets(page) == [] and no_horizontal_scroll(page)
    shot(page, "cooperatives")

    # Active search: typing sends an htmx request that swaps only the results.
    with page.expect_response(lambda r: "q=cuk" in r.url and r.request.headers.get("hx-request") == "true") as hx:
        page.get_by_label("Cari nama desa/kelurahan atau kecamatan").press_sequentially("cuk", delay=50)
    assert "<html" not in hx.value.text()
    expect(page.locator("#results")).to_contain_text("1 koperasi")
    expect(page.locator("#results .cards li")).to_have_count(1)
    expect(page).to_have_url(live_server.url + "/cooperatives/?q=cuk")
    shot(page, "search")

    page.get_by_role("link", name="Koperasi Desa Merah Putih Cukir").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Koperasi Desa Merah Putih Cukir")
    with live_server.app.app_context():
        cukir = db.session.scalar(select(Cooperative).join(Cooperative.village).where(Village.name == "Cukir"))
        assert page.url == f"{live_server.url}/cooperatives/{cukir.id}"
        assert cukir.village.district_code == "35.17.08"
    assert no_horizontal_scroll(page)
    shot(page, "cooperative")

    remember = [c for c in page.context.cookies() if c["name"] == "remember_token"]
    assert remember and remember[0]["httpOnly"] and remember[0]["expires"] > 0


def test_usable_at_320_px(browser, live_server, shot):
    context = browser.new_context(viewport={"width": 320, "height": 640}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(live_server.url + "/auth/login")
    assert no_horizontal_scroll(page) and small_touch_targets(page) == []
    shot(page, "login")
    log_in(page, live_server)
    assert no_horizontal_scroll(page) and small_touch_targets(page) == []
    shot(page, "visits")
    page.get_by_role("link", name="Koperasi").click()
    assert no_horizontal_scroll(page) and small_touch_targets(page) == []
    shot(page, "cooperatives")
    page.locator("#results .cards a").first.click()
    expect(page.get_by_role("heading", name="Profil")).to_be_visible()
    assert no_horizontal_scroll(page)
    shot(page, "cooperative")
    context.close()


def test_expired_session_during_search_lands_on_login(page, live_server, shot):
    log_in(page, live_server)
    page.goto(live_server.url + "/cooperatives/")
    page.context.clear_cookies()
    page.get_by_label("Cari nama desa/kelurahan atau kecamatan").press_sequentially("cuk", delay=50)
    expect(page).to_have_url(live_server.url + "/auth/login?next=/cooperatives/?q%3Dcuk")
    expect(page.get_by_role("heading", name="Masuk ke SiapKop")).to_be_visible()
    shot(page, "login-again")


def test_out_of_area_link_shows_the_error_page(page, live_server):
    """A boosted navigation to a 404 swaps in the error page instead of doing nothing."""
    log_in(page, live_server)
    page.evaluate("""() => { const a = document.createElement('a'); a.href = '/cooperatives/999999';
                             a.textContent = 'hilang'; document.querySelector('main').append(a); htmx.process(a); }""")
    with page.expect_response(lambda r: r.url.endswith("/cooperatives/999999")) as response:
        page.get_by_role("link", name="hilang").click()
    assert response.value.status == 404 and response.value.request.headers.get("hx-boosted") == "true"
    expect(page.get_by_role("alert")).to_have_text("Halaman tidak ditemukan, atau di luar wilayah Anda.")


def test_admin_adds_a_facilitator_on_a_phone(page, live_server, shot):
    log_in(page, live_server, "dinas")
    page.get_by_role("link", name="Pengguna").click()
    page.get_by_role("link", name="Tambah pengguna").click()
    page.get_by_label("Nama pengguna").fill("pendamping.wonosalam")
    page.get_by_label("Nama lengkap").fill("Pendamping Wonosalam")
    page.get_by_label("Peran").select_option("facilitator")
    page.get_by_label("Wonosalam").check()
    page.get_by_label("Kata sandi").fill("rahasia-panjang")
    assert no_horizontal_scroll(page) and small_touch_targets(page) == []
    shot(page, "new-user")
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_role("status")).to_have_text("Pengguna pendamping.wonosalam ditambahkan.")
    shot(page, "users")
    with live_server.app.app_context():
        user = db.session.scalar(select(User).where(User.username == "pendamping.wonosalam"))
        assert user.role == "facilitator" and [d.name for d in user.districts] == ["Wonosalam"]
        assert user.check_password("rahasia-panjang")


def test_admin_previews_the_instrument_on_a_phone(page, live_server, shot):
    from app import ROOT
    from app.instruments.definition import load_text
    from app.instruments.models import publish
    source = (ROOT / "instruments" / "kdmp-tata-kelola-v1.yaml").read_text(encoding="utf-8")
    with live_server.app.app_context():
        publish(db.session, load_text(source), source)
        db.session.commit()
    log_in(page, live_server, "dinas")
    page.get_by_role("link", name="Instrumen").click()
    page.get_by_role("link", name="Kesiapan Tata Kelola").click()
    expect(page.locator("fieldset.question")).to_have_count(44)
    page.locator("#q-B3").get_by_text("Menjelaskan dengan benar 3 dari 4 pokok AD").click()  # the rubric line is the target
    expect(page.locator("#q-B3 input[value='3']")).to_be_checked()
    assert small_touch_targets(page) == [] and no_horizontal_scroll(page)
    shot(page, "instrument-preview")


# The phone flow: what a facilitator answers, section by section (F1 = yes shows F2).
FIELD_ANSWERS = {
    "A": {"A1": "yes", "A2": "yes", "A3": "no", "A4": "yes", "A5": "yes", "A6": "no"},
    "B": {"B1": "yes", "B2": "no", "B3": "2", "B4": "yes", "B5": "1"},
    "C": {"C1": "85", "C2": "3", "C3": "2", "C4": "no", "C5": "yes"},
    "D": {"D1": "5", "D2": "yes", "D3": "1", "D4": "no", "D5": "yes", "D6": "3"},
    "E": {"E1": "yes", "E2": "no", "E3": "1", "E4": "yes", "E5": "0"},
    "F": {"F1": "yes", "F2": "3", "F3": "2", "F4": "no", "F5": "4"},
    "G": {"G1": "2", "G2": "yes", "G3": "1", "G4": "yes", "G5": "3", "G6": "no"},
    "H": {"H1": "1", "H2": "0", "H3": "2", "H4": "2", "H5": "1", "H6": "4"},
}


def publish_default_instrument(live_server):
    from app import ROOT
    from app.instruments.definition import load_text
    from app.instruments.models import publish
    source = (ROOT / "instruments" / "kdmp-tata-kelola-v1.yaml").read_text(encoding="utf-8")
    with live_server.app.app_context():
        publish(db.session, load_text(source), source)
        db.session.commit()
    return load_text(source)


def answer(page, code, value):
    """Tap or type one answer the way a facilitator does, and wait until it is saved."""
    question = page.locator(f"#q-{code}")
    control = question.locator(f"input[name='{code}']").first
    if control.get_attribute("type") == "number":
        control.fill(value)
        control.press("Tab")  # leaving the field is the change that saves it
    else:
        question.locator(f"input[value='{value}']").check()
    expect(page.locator(f"#status-{code}")).to_have_text("Tersimpan")


def test_facilitator_assesses_a_cooperative_on_a_phone(page, live_server, shot, tmp_path):
    from PIL import Image
    from app.assessments.models import Assessment, Photo
    from app.instruments.scoring import score

    instrument = publish_default_instrument(live_server)
    live_server.app.config["PHOTO_FOLDER"] = str(tmp_path / "photos")
    log_in(page, live_server)
    shot(page, "my-visits")
    page.get_by_label("Cari koperasi untuk dikunjungi").fill("cukir")
    page.get_by_role("button", name="Cari").click()
    expect(page.locator("#results .cards li")).to_have_count(1)
    shot(page, "search")
    page.locator("#results .cards a").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Koperasi Desa Merah Putih Cukir")
    shot(page, "cooperative")

    page.get_by_role("link", name="Mulai penilaian").click()
    page.get_by_label("Hadir lainnya (satu nama per baris)").fill("Pak Slamet (Ketua)\nBu Sri (Bendahara)")
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": -7.5921, "longitude": 112.2340, "accuracy": 15})
    page.get_by_role("button", name="Ambil lokasi GPS").click()
    expect(page.get_by_text("Lokasi tercatat, akurasi ± 15 m")).to_be_visible()
    shot(page, "start")
    page.get_by_role("button", name="Mulai penilaian").click()
    expect(page).to_have_url(re.compile(r"/assessments/[0-9a-f-]{36}/sections/A$"))
    assessment_id = page.url.split("/")[-3]

    photo = tmp_path / "akta.jpg"
    Image.new("RGB", (3000, 2000), "olive").save(photo, "JPEG")
    for section, answers in FIELD_ANSWERS.items():
        expect(page.get_by_role("heading", level=1)).to_contain_text(f"{section}.")
        if section == "F":
            expect(page.locator("#q-F2")).to_be_hidden()  # shown only once F1 = yes
        for code, value in answers.items():
            answer(page, code, value)
        if section == "A":
            page.locator("#q-A1 input[type=file]").set_input_files(photo)
            expect(page.locator("#photos-A1")).to_contain_text("Foto 1")
            page.get_by_label("Catatan bagian ini").fill("SK AHU disimpan ketua di rumah.")
            expect(page.locator(".notes .status")).to_have_text("Catatan tersimpan")
        if section == "C":  # a reload mid-visit shows every saved answer
            page.reload()
            expect(page.locator("#q-C1 input")).to_have_value("85")
            expect(page.locator("#q-C4 input[value=no]")).to_be_checked()
        expect(page.locator(f"#step-{section}")).to_contain_text("100%")
        assert no_horizontal_scroll(page) and small_touch_targets(page) == []
        shot(page, f"section-{section}")
        page.get_by_role("button", name="Simpan dan").click()

    expected_answers = {code: value for answers in FIELD_ANSWERS.values() for code, value in answers.items()}
    with live_server.app.app_context():
        saved = db.session.get(Assessment, uuid.UUID(assessment_id))
        expected = score(instrument, saved.values())
    expect(page.get_by_role("heading", level=1)).to_have_text("Ringkasan penilaian")
    expect(page.locator("#total")).to_have_text(f"{expected.total:.1f}".replace(".", ","))
    expect(page.locator("#level")).to_have_text("Cukup Siap")
    shot(page, "summary")

    page.get_by_role("button", name="Kirim untuk ditinjau").dblclick()  # a double tap
    expect(page.get_by_text("Penilaian dikirim untuk ditinjau.")).to_be_visible()
    shot(page, "submitted")

    with live_server.app.app_context():
        saved = db.session.get(Assessment, uuid.UUID(assessment_id))
        assert {a.question_code: a.value for a in saved.answers} == expected_answers
        assert saved.status == "submitted" and saved.score == pytest.approx(expected.total)
        assert saved.level == expected.level == "cukup-siap"
        assert saved.attendees == ["Pak Slamet (Ketua)", "Bu Sri (Bendahara)"]
        assert (saved.latitude, saved.longitude, saved.accuracy_m) == (-7.5921, 112.234, 15)
        assert saved.note("A") == "SK AHU disimpan ketua di rumah."
        assert db.session.query(Assessment).count() == 1
        assert [(p.question_code, p.width, p.height) for p in db.session.query(Photo)] == [("A1", 1600, 1067)]


def start_assessment(page, live_server):
    """Log in as the Diwek facilitator and start an assessment of Cukir; returns its id."""
    log_in(page, live_server)
    page.goto(live_server.url + "/cooperatives/?q=cukir")
    page.locator("#results .cards a").first.click()
    page.get_by_role("link", name="Mulai penilaian").click()
    page.get_by_role("button", name="Mulai penilaian").click()
    expect(page).to_have_url(re.compile(r"/sections/A$"))
    return uuid.UUID(page.url.split("/")[-3])


def saved_answers(live_server, assessment_id):
    from app.assessments.models import Answer
    with live_server.app.app_context():
        return {a.question_code: a.value for a in db.session.query(Answer).filter_by(assessment_id=assessment_id)}


def test_autosave_requests_are_sent_one_after_another(browser, browser_context_args, live_server):
    """A slow reply cannot let an older answer land after a newer one: hx-sync queues them. Without the
    service worker: page.route misses the requests of a page the worker controls (Playwright's docs say
    so), and the worker, once its files are kept, controls the page early enough to let them through."""
    page = browser.new_context(**browser_context_args, service_workers="block").new_page()
    publish_default_instrument(live_server)
    assessment_id = start_assessment(page, live_server)
    page.goto(f"{live_server.url}/assessments/{assessment_id}/sections/C")
    held = []
    page.route("**/answers/C1", lambda route: held.append(route))
    box = page.locator("#q-C1 input")
    box.fill("10")
    box.press("Tab")
    box.fill("20")
    box.press("Tab")
    page.wait_for_timeout(500)
    sent = lambda: [parse_qs(r.request.post_data)["C1"] for r in held]  # noqa: E731
    assert sent() == [["10"]]  # the second save waits for the first reply
    with page.expect_response("**/answers/C1"):
        held.pop().continue_()
    page.wait_for_timeout(500)
    assert sent() == [["20"]]
    with page.expect_response("**/answers/C1"):
        held.pop().continue_()
    assert saved_answers(live_server, assessment_id) == {"C1": "20"}
    page.context.close()


def no_signal(page):
    """Take the phone out of signal. Chromium's offline emulation and request routing do not always cover a
    page that a service worker controls (microsoft/playwright#2311): syncs posted meanwhile reached the
    server. So the live server also drops every request carrying this phone's cookies; another browser in
    the test (a laptop) keeps its signal, unless it too was remembered as the same user: Flask-Login's
    remember cookie is the same on every device of a user."""
    page.context.set_offline(True)
    page.context.route("**/*", disconnected)
    OUT_OF_SIGNAL.update(cookie["value"] for cookie in page.context.cookies()
                         if cookie["name"] in ("session", "remember_token"))


def signal_back(page):
    OUT_OF_SIGNAL.clear()
    page.context.unroute("**/*", disconnected)
    page.context.set_offline(False)


def disconnected(route):
    route.abort("internetdisconnected")


def test_an_answer_made_offline_is_kept_and_sent_when_the_signal_returns(page, live_server):
    publish_default_instrument(live_server)
    assessment_id = start_assessment(page, live_server)
    no_signal(page)
    page.locator("#q-A1 input[value=yes]").check()
    expect(page.locator("#status-A1")).to_have_text("Tersimpan di ponsel; dikirim saat ada sinyal.")
    expect(page.locator("#outbox")).to_have_text("1 jawaban belum terkirim; dikirim otomatis saat ada sinyal.")
    assert saved_answers(live_server, assessment_id) == {}
    signal_back(page)
    expect(page.locator("#outbox")).to_be_hidden()
    expect(page.locator("#status-A1")).to_have_text("Tersimpan")
    assert saved_answers(live_server, assessment_id) == {"A1": "yes"}


def test_the_basic_path_works_without_javascript(browser, live_server, playwright, shot):
    publish_default_instrument(live_server)
    context = browser.new_context(**playwright.devices["Pixel 5"], locale="id-ID", java_script_enabled=False)
    page = context.new_page()
    assessment_id = start_assessment(page, live_server)
    for code, value in FIELD_ANSWERS["A"].items():
        page.locator(f"#q-{code} input[value={value}]").check()
    page.get_by_role("button", name="Simpan dan lanjut").click()
    expect(page).to_have_url(re.compile(r"/sections/B$"))
    page.get_by_role("link", name="Ringkasan").click()
    expect(page.locator("#score-A")).to_contain_text("66,7")  # A: 4 of 6 yes
    expect(page.locator("#total")).to_have_text("66,7")  # the only section answered so far
    shot(page, "summary-without-javascript")
    assert saved_answers(live_server, assessment_id) == FIELD_ANSWERS["A"]
    context.close()


def test_language_and_user_changes_load_a_whole_new_page(page, live_server):
    """Boosted swaps keep <html> and <body>; switching language or user must not."""
    log_in(page, live_server)
    assert page.evaluate("document.body.dataset.user") is not None
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="My visits")).to_be_visible()


def complete_assessment(live_server, submit=True):
    """A complete assessment of Cukir by fas.diwek, made with the service functions; submitted unless asked."""
    from app.assessments.service import parse_answer, save_answer, start, transition
    from app.auth.models import User
    from app.cooperatives.models import Cooperative
    from app.instruments.models import InstrumentVersion
    from tests.support import BEST

    instrument = publish_default_instrument(live_server)
    with live_server.app.app_context():
        facilitator = db.session.scalar(select(User).where(User.username == "fas.diwek"))
        cooperative = db.session.scalar(select(Cooperative).join(Cooperative.village).where(Village.name == "Cukir"))
        visit = start(uuid.uuid4(), cooperative, facilitator, db.session.scalar(select(InstrumentVersion)),
                      visit_date=date(2025, 10, 14))
        for question in instrument.questions:
            save_answer(visit, question, parse_answer(question, BEST[question.code], False))
        db.session.commit()
        if submit:
            transition(visit, "submit", facilitator, visit.version)
        return visit.id


def test_supervisor_returns_facilitator_fixes_on_the_phone_supervisor_approves(browser, page, live_server, shot):
    assessment_id = complete_assessment(live_server)
    supervisor = browser.new_page(viewport={"width": 1024, "height": 900})
    log_in(supervisor, live_server, "supervisor")
    expect(supervisor).to_have_url(live_server.url + "/reviews/")
    supervisor.get_by_role("link", name=re.compile("Cukir")).click()
    supervisor.locator("#section-C > summary").click()  # sections and comment boxes open when tapped
    supervisor.locator("details.comment:has(#comment-C1) > summary").click()
    supervisor.get_by_label("Komentar untuk C1").fill("Buku anggota hanya mencatat 60 orang.")
    supervisor.locator(".action-bar").get_by_text("Kembalikan", exact=True).click()
    supervisor.get_by_label("Alasan pengembalian (wajib)").fill("Jumlah anggota tidak sesuai buku.")
    shot(supervisor, "supervisor-returns")
    supervisor.get_by_role("button", name="Kembalikan ke pendamping").click()
    expect(supervisor.locator("#status")).to_have_text("Dikembalikan")

    log_in(page, live_server)  # the facilitator, on a Pixel 5
    expect(page.locator(".cards").first).to_contain_text("Jumlah anggota tidak sesuai buku.")
    shot(page, "facilitator-sees-return")
    page.get_by_role("link", name=re.compile("Cukir")).click()
    expect(page.get_by_role("alert")).to_contain_text("Jumlah anggota tidak sesuai buku.")
    page.goto(f"{live_server.url}/assessments/{assessment_id}/sections/C")
    expect(page.locator("#q-C1 .review-comment")).to_have_text("Supervisor: Buku anggota hanya mencatat 60 orang.")
    shot(page, "comment-beside-question")
    page.locator("#q-C1 input").fill("60")
    page.locator("#q-C1 input").press("Tab")
    expect(page.locator("#status-C1")).to_have_text("Tersimpan")
    page.get_by_role("link", name="Ringkasan").click()
    page.get_by_role("button", name="Kirim untuk ditinjau").click()
    expect(page.get_by_text("Penilaian dikirim untuk ditinjau.")).to_be_visible()
    shot(page, "resubmitted")

    supervisor.goto(f"{live_server.url}/reviews/{assessment_id}")
    supervisor.once("dialog", lambda dialog: dialog.accept())  # "Setujui penilaian ini?"
    supervisor.get_by_role("button", name="Setujui").click()
    expect(supervisor.locator("#status")).to_have_text("Disetujui")
    history = supervisor.locator(".history li")
    expect(history).to_have_count(6)
    for step, text in enumerate(["Memulai penilaian", "Mengirim", "Mengembalikan", "mengubah jawaban C1: 100 → 60",
                                 "Mengirim", "Menyetujui"]):
        expect(history.nth(step)).to_contain_text(text)
    shot(supervisor, "approved-with-history")
    with live_server.app.app_context():
        from app.assessments.models import Assessment
        done = db.session.get(Assessment, assessment_id)
        assert done.status == "approved" and done.values()["C1"] == 60
    supervisor.close()


def test_dinas_opens_the_dashboard_on_a_laptop_and_downloads_a_sessions_xlsx(browser, live_server, shot, tmp_path):
    import openpyxl

    from app.bimtek.models import BimtekSession
    from app.regions.models import District

    complete_assessment(live_server)
    with live_server.app.app_context():
        session = BimtekSession(title="Bimtek Diwek Wonosalam", held_on=date.today(), venue="Ruang Bung Tomo",
                                regency_code="35.17", districts=[db.session.get(District, "35.17.08"),
                                                                 db.session.get(District, "35.17.05")])
        db.session.add(session)
        db.session.commit()
    page = browser.new_page(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    log_in(page, live_server, "dinas")
    page.get_by_role("link", name="Kesiapan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kesiapan per kecamatan")
    expect(page.locator("table.rollup tbody tr")).to_have_count(21)
    page.get_by_label("Hitung juga yang baru dikirim (belum disetujui)").check()
    page.get_by_role("button", name="Tampilkan").click()
    expect(page.locator("#row-35\\.17\\.08 td").nth(2)).to_have_text("1")  # the submitted one, counted on request
    assert no_horizontal_scroll(page)
    shot(page, "dashboard")
    page.get_by_role("link", name="Bimtek", exact=True).click()  # not the link to /change/ below the table
    page.get_by_role("link", name=re.compile("Bimtek Diwek Wonosalam")).click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Unduh Excel").click()
    assert download.value.suggested_filename.startswith(f"siapkop-skor-bimtek-{date.today().isoformat()}-")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert openpyxl.load_workbook(path).sheetnames == ["Ringkasan", "Diwek", "Wonosalam"]
    shot(page, "session")
    page.close()
