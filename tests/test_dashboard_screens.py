"""The Dinas's and supervisors' screens in Chromium: the dashboard, a kecamatan and the fieldwork progress, on a
phone (Pixel 5, and 320 px wide) and on a laptop."""
import re
import uuid
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.assessments.service import parse_answer, save_answer, start, transition
from app.auth.models import User
from app.cooperatives.models import Cooperative
from app.extensions import db
from app.instruments.models import InstrumentVersion
from app.regions.models import Village
from tests.support import BEST, DIWEK
from tests.test_browser import log_in, no_horizontal_scroll, publish_default_instrument

pytestmark = pytest.mark.browser

STATES = ("approved", "returned", "submitted", "draft")


def selector(id_):
    """The CSS selector of the element `id_` (a kecamatan's code has dots)."""
    return "#" + id_.replace(".", "\\.")


DIWEK_ROW = selector(f"row-{DIWEK}")


def fieldwork(live_server):
    """Four of Diwek's cooperatives visited by fas.diwek on 14 October 2025: one visit approved, one returned,
    one waiting for review, one in draft. ({state: cooperative id}, the number of Diwek's cooperatives)."""
    instrument = publish_default_instrument(live_server)
    with live_server.app.app_context():
        user = lambda name: db.session.scalar(select(User).where(User.username == name))  # noqa: E731
        facilitator, supervisor = user("fas.diwek"), user("supervisor")
        in_diwek = select(Cooperative).join(Cooperative.village).where(Village.district_code == DIWEK)
        cooperatives = db.session.scalars(in_diwek.order_by(Cooperative.id).limit(len(STATES))).all()
        version = db.session.scalar(select(InstrumentVersion))
        ids = {}
        for state, cooperative in zip(STATES, cooperatives):
            visit = start(uuid.uuid4(), cooperative, facilitator, version, visit_date=date(2025, 10, 14))
            for question in instrument.questions if state != "draft" else instrument.questions[:3]:
                save_answer(visit, question, parse_answer(question, BEST[question.code], False))
            db.session.commit()
            if state != "draft":
                transition(visit, "submit", facilitator, visit.version)
            if state == "returned":
                transition(visit, "return", supervisor, visit.version, "Bukti rapat anggota belum ada.")
            if state == "approved":
                transition(visit, "approve", supervisor, visit.version)
            ids[state] = cooperative.id
        total = db.session.scalar(select(func.count()).select_from(in_diwek.subquery()))
    return ids, total


def pct(part, whole):
    """A share as the Indonesian pages write it: one decimal, none when whole."""
    text = f"{100 * part / whole:.1f}".replace(".", ",")
    return (text[:-2] if text.endswith(",0") else text) + "%"


def caption(locator):
    """The caption a card's cell shows before its value (CSS generated content, not in the text)."""
    return locator.evaluate("cell => getComputedStyle(cell, '::before').content")


def box(locator):
    return locator.bounding_box()


def test_the_dashboard_is_cards_on_a_phone(page, live_server, shot):
    """Pixel 5: each kecamatan is a card whose figures are captioned and all within the screen."""
    _, diwek = fieldwork(live_server)
    log_in(page, live_server, "dinas")
    page.get_by_role("link", name="Kesiapan", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kesiapan per kecamatan")
    assert no_horizontal_scroll(page)
    legend = page.locator(".legend")
    expect(legend).to_be_visible()
    expect(legend).to_contain_text("Belum Siap 0–25,9")
    expect(legend).to_contain_text("Siap 76–100")
    card = page.locator(DIWEK_ROW)
    expected = {"Koperasi": str(diwek), "Dinilai": "1", "Cakupan": pct(1, diwek), "Rata-rata": "100",
                "Median": "100"}
    width = page.evaluate("window.innerWidth")
    for label, value in expected.items():
        cell = card.locator(f"td[data-label='{label}']")
        expect(cell).to_have_text(value)
        assert caption(cell) == f'"{label}"' and box(cell)["x"] + box(cell)["width"] <= width
    levels = card.locator(".level-counts")
    expect(levels).to_be_visible()
    expect(levels.locator("li")).to_have_text(["Belum Siap 0", "Kurang Siap 0", "Cukup Siap 0", "Siap 1"])
    expect(card.locator("td[data-label='Bagian terlemah']")).to_contain_text("A. Legalitas Badan Hukum")
    name, figures = card.locator("td.name"), card.locator("td[data-label='Koperasi']")
    assert box(figures)["y"] > box(name)["y"]  # stacked in a card, not side by side in a row
    shot(page, "dashboard-393")
    page.get_by_role("link", name="Cakupan").click()  # the sort links stay above the cards
    expect(page).to_have_url(re.compile(r"/dashboard/\?sort=coverage&"))
    assert no_horizontal_scroll(page)


def test_a_kecamatan_on_a_phone_says_where_each_visit_is(page, live_server, shot):
    ids, _ = fieldwork(live_server)
    log_in(page, live_server, "dinas")
    page.goto(f"{live_server.url}/dashboard/{DIWEK}")
    assert no_horizontal_scroll(page)
    expect(page.locator(".legend")).to_be_visible()
    expect(page.locator(".section-names")).to_contain_text("Pengurus")
    approved = page.locator(f"#coop-{ids['approved']}")
    expect(approved.locator("td[data-label='Tingkat']")).to_have_text("Siap")
    expect(approved.locator("td.heat")).to_have_count(8)
    expect(approved.locator("td.heat[data-label='A']")).to_have_text("100")
    assert caption(approved.locator("td.heat[data-label='A']")) == '"A"'
    for state, text in (("returned", "Dikembalikan"), ("submitted", "Menunggu tinjauan"), ("draft", "Draf")):
        expect(page.locator(f"#coop-{ids[state]} td.state")).to_have_text(text)
        expect(page.locator(f"#coop-{ids[state]} td.heat").first).to_be_hidden()  # no row of empty cells
    expect(page.locator("td.state", has_text="Belum dikunjungi").first).to_be_visible()
    shot(page, "kecamatan-393")


def progress_cells(page, id_):
    return [text.strip() for text in page.locator(f"{selector(id_)} td").all_inner_texts()]


def test_a_supervisor_plans_visits_from_the_progress_page(page, live_server, shot):
    _, diwek = fieldwork(live_server)
    log_in(page, live_server, "supervisor")
    page.get_by_role("link", name="Kemajuan kunjungan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kemajuan kunjungan lapangan")
    assert no_horizontal_scroll(page)
    # Koperasi, Belum dikunjungi, Draf, Menunggu tinjauan, Dikembalikan, Disetujui
    assert progress_cells(page, f"area-{DIWEK}") == ["Diwek", str(diwek), str(diwek - 4), "1", "1", "1", "1"]
    with live_server.app.app_context():
        facilitator = db.session.scalar(select(User.id).where(User.username == "fas.diwek"))
    assert progress_cells(page, f"facilitator-{facilitator}") == [
        "Fas.Diwek", "Diwek", str(diwek - 4), "1", "1", "1", "1"]
    waiting = page.locator(f"{selector(f'area-{DIWEK}')} td[data-label='Menunggu tinjauan']")
    assert caption(waiting) == '"Menunggu tinjauan"'
    shot(page, "progress-393")


@pytest.mark.parametrize("width", [320, 1366])
def test_the_three_screens_fit(browser, live_server, shot, width):
    """At 320 px (the narrowest phone) and on a laptop, nothing runs off to the right; on the laptop the
    dashboard is a table again."""
    fieldwork(live_server)
    phone = width < 600
    context = browser.new_context(viewport={"width": width, "height": 640 if phone else 768}, is_mobile=phone,
                                  has_touch=phone, locale="id-ID")
    page = context.new_page()
    log_in(page, live_server, "dinas")
    for step, path in (("dashboard", "/dashboard/"), ("kecamatan", f"/dashboard/{DIWEK}"), ("progress", "/progress/")):
        page.goto(live_server.url + path)
        assert no_horizontal_scroll(page), f"{path} at {width} px scrolls sideways"
        shot(page, f"{step}-{width}")
        if step == "dashboard":
            expect(page.locator(".legend")).to_be_visible()
            name, figures = page.locator(f"{DIWEK_ROW} td.name"), page.locator(f"{DIWEK_ROW} td[data-label='Koperasi']")
            assert (box(figures)["y"] > box(name)["y"]) == phone  # a card on the phone, a table row on the laptop
            assert caption(figures) == ('"Koperasi"' if phone else "none")
    context.close()
