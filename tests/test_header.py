"""The page header in real Chromium: one line on a Pixel 5 and on a 320 px phone, the whole menu on a laptop,
and every link of each role's menu within reach."""
import pytest
from playwright.sync_api import expect

from tests.test_browser import log_in, log_out, no_horizontal_scroll, publish_default_instrument, start_assessment
from tests.test_offline import eventually

pytestmark = pytest.mark.browser
ONE_LINE = 56  # px: the header's 44 px touch targets and its padding, and no second line
# Each role's menu, and the heading of the page each link opens.
MENUS = {
    "fas.diwek": [("Kunjungan saya", "/assessments/"), ("Koperasi", "/cooperatives/")],
    "supervisor": [("Tinjauan", "/reviews/"), ("Kesiapan", "/dashboard/"),
                   ("Kemajuan kunjungan", "/progress/"), ("Bimtek", "/bimtek/"), ("Koperasi", "/cooperatives/")],
    "dinas": [("Tinjauan", "/reviews/"), ("Kesiapan", "/dashboard/"),
              ("Kemajuan kunjungan", "/progress/"), ("Bimtek", "/bimtek/"), ("Koperasi", "/cooperatives/"),
              ("Instrumen", "/instruments/"), ("Pengguna", "/users/")],
}


def header_height(page):
    """The header's height on screen, once it is there (a boosted link swaps it in with the page)."""
    boxes = []
    assert eventually(page, lambda: boxes.append(page.locator("header.bar").bounding_box()) or boxes[-1])
    return boxes[-1]["height"]


def menu(page):
    return page.get_by_role("navigation", name="Menu utama")


def walk_the_menu(page, live_server, username, shot, width):
    """Log in as `username`, check the header is one line, and open every page of the menu from it."""
    log_in(page, live_server, username)
    links = menu(page).get_by_role("link")
    expect(links).to_have_text([name for name, _ in MENUS[username]])
    assert header_height(page) <= ONE_LINE and no_horizontal_scroll(page)
    if username == "fas.diwek":  # the phone's main user sees their whole menu, unscrolled
        for name, _ in MENUS[username]:
            expect(menu(page).get_by_role("link", name=name, exact=True)).to_be_in_viewport(ratio=1)
    shot(page, f"{width}-{username}")
    for name, path in MENUS[username]:
        page.locator("header.bar").evaluate("header => header.dataset.before = 'yes'")
        menu(page).get_by_role("link", name=name, exact=True).click()
        expect(page.locator("header.bar[data-before]")).to_have_count(0)  # the page came, even the same one
        expect(page).to_have_url(live_server.url + path)
        assert header_height(page) <= ONE_LINE and no_horizontal_scroll(page), (width, username, name)
    log_out(page)


@pytest.mark.parametrize("username", MENUS)
def test_the_header_is_one_line_on_a_pixel_5(page, live_server, shot, username):
    assert page.viewport_size["width"] == 393
    walk_the_menu(page, live_server, username, shot, 393)


@pytest.mark.parametrize("username", MENUS)
def test_the_header_is_one_line_on_a_320_px_phone(browser, browser_context_args, live_server, shot, username):
    context = browser.new_context(**{**browser_context_args, "viewport": {"width": 320, "height": 640}})
    page = context.new_page()
    walk_the_menu(page, live_server, username, shot, 320)
    context.close()


def test_a_visits_first_question_starts_on_the_screen_of_a_320_px_phone(browser, browser_context_args, live_server,
                                                                         shot):
    context = browser.new_context(**{**browser_context_args, "viewport": {"width": 320, "height": 640}})
    page = context.new_page()
    publish_default_instrument(live_server)
    start_assessment(page, live_server)
    assert header_height(page) <= ONE_LINE
    expect(page.locator("#q-A1 input").first).to_be_in_viewport(ratio=1)
    shot(page, "320-first-question")
    context.close()


def test_a_laptop_shows_the_whole_menu(browser, live_server, shot):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="id-ID")
    page = context.new_page()
    log_in(page, live_server, "dinas")
    nav = menu(page)
    assert nav.evaluate("nav => nav.scrollWidth <= nav.clientWidth")
    for name, _ in MENUS["dinas"]:
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_in_viewport(ratio=1)
    assert header_height(page) <= ONE_LINE
    shot(page, "1366-dinas")
    context.close()
