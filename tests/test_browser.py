"""The phone flow in real Chromium with Pixel 5 emulation."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.cooperatives.models import Cooperative
from app.auth.models import User
from app.extensions import db
from app.regions.models import Village
from tests.conftest import PASSWORD

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
    home = "/assessments/" if username.startswith("fas.") else "/cooperatives/"
    expect(page).to_have_url(live_server.url + home)


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
