"""The readiness sheet in real Chromium: the facilitator opens it on the phone, at 320 px and on a laptop, and it
prints on one A4 portrait page."""
import re
import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from tests.support import PHONE_TIMEZONE
from tests.test_browser import log_in, no_horizontal_scroll, publish_default_instrument
from tests.test_sheet import WEAK

pytestmark = pytest.mark.browser


def approved_cukir(live_server):
    """Cukir's cooperative, assessed by fas.diwek with the WEAK answers and approved by the supervisor: its id."""
    from app.assessments.service import parse_answer, save_answer, start, transition
    from app.auth.models import User
    from app.cooperatives.models import Cooperative
    from app.instruments.models import InstrumentVersion
    from app.regions.models import Village

    instrument = publish_default_instrument(live_server)
    with live_server.app.app_context():
        user = lambda name: db.session.scalar(select(User).where(User.username == name))  # noqa: E731
        cooperative = db.session.scalar(select(Cooperative).join(Cooperative.village).where(Village.name == "Cukir"))
        visit = start(uuid.uuid4(), cooperative, user("fas.diwek"), db.session.scalar(select(InstrumentVersion)),
                      visit_date=date(2025, 10, 14))
        for question in instrument.questions:
            save_answer(visit, question, parse_answer(question, WEAK[question.code], False))
        db.session.commit()
        transition(visit, "submit", user("fas.diwek"), visit.version)
        transition(visit, "approve", user("supervisor"), visit.version)
        return cooperative.id


def shows_the_sheet(page):
    """The header, today's date in Jombang and the legend are on screen, and nothing scrolls sideways."""
    today = format_date(datetime.now(ZoneInfo(PHONE_TIMEZONE)).date(), "long", locale="id")
    expect(page.locator(".sheet-from")).to_have_text("SiapKop · Dinas Koperasi dan Usaha Mikro Kabupaten Jombang")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cukir")
    expect(page.locator(".sheet-place")).to_contain_text("Desa Cukir, Kec. Diwek")
    expect(page.locator(".sheet-printed")).to_have_text(f"Dicetak {today}")
    expect(page.locator("#weak li")).to_have_count(3)
    legend = page.get_by_role("region", name="Tingkat kesiapan")
    legend.scroll_into_view_if_needed()
    expect(legend).to_be_visible()
    expect(legend.locator("tbody tr")).to_have_text(["Belum Siap 0–25,9", "Kurang Siap 26–50,9",
                                                     "Cukup Siap 51–75,9", "Siap 76–100"])
    # a phone's browser widens its viewport to fit what overflows: compare with the width asked for
    assert no_horizontal_scroll(page) and page.evaluate("window.innerWidth") == page.viewport_size["width"]


def test_the_facilitator_opens_the_sheet_on_the_phone_from_the_cooperatives_page(page, live_server, shot):
    cooperative_id = approved_cukir(live_server)
    log_in(page, live_server)
    page.goto(f"{live_server.url}/cooperatives/{cooperative_id}")
    page.get_by_role("link", name="Lembar kesiapan untuk pengurus").click()
    expect(page).to_have_url(f"{live_server.url}/sheet/{cooperative_id}")
    assert page.viewport_size["width"] == 393
    shows_the_sheet(page)
    expect(page.get_by_role("button", name="Cetak")).to_be_visible()  # app.js shows it: printing needs JS
    shot(page, "sheet-393")


def test_the_sheet_at_320_px_and_on_a_laptop_and_printed(browser, live_server, shot):
    cooperative_id = approved_cukir(live_server)
    for width, height in ((320, 640), (1366, 768)):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="id-ID",
                                      timezone_id=PHONE_TIMEZONE, is_mobile=width < 400, has_touch=width < 400)
        page = context.new_page()
        log_in(page, live_server)
        page.goto(f"{live_server.url}/sheet/{cooperative_id}")
        shows_the_sheet(page)
        shot(page, f"sheet-{width}")
        if width == 1366:
            page.emulate_media(media="print")
            expect(page.locator("header.bar")).to_be_hidden()
            expect(page.get_by_role("button", name="Cetak")).to_be_hidden()
            pdf = page.pdf(prefer_css_page_size=True)
            assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1  # one page for the pengurus
            box = [float(n) for n in re.search(rb"/MediaBox\s*\[([^\]]+)\]", pdf).group(1).split()]
            assert [round(box[2] / 72 * 25.4), round(box[3] / 72 * 25.4)] == [210, 297]  # A4 portrait, in mm
        context.close()
