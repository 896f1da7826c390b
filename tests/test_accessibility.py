"""Every kind of page passes axe-core (no critical or serious violation) on a phone and on a laptop.

axe-core is kept in tests/axe/ (see its README). The CSP forbids inline scripts and eval, so axe goes in
through page.evaluate, which the page's CSP does not govern. Each visit also saves a full-page screenshot
under tests/artifacts/<test>/: at 393 px (Pixel 5) and 320 px on the phone, at 1366 px on the laptop.
"""
import uuid
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.instruments.definition import load_text
from tests.support import BEST, DIWEK
from tests.test_browser import complete_assessment, log_in, publish_default_instrument
from tests.test_fuzz import ALL_TYPES_SOURCE

pytestmark = pytest.mark.browser

AXE = (Path(__file__).parent / "axe" / "axe.min.js").read_text(encoding="utf-8")
BLOCKING = ("critical", "serious")
RUN_AXE = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
    .map(v => ({id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(' '))}))"""


def axe_violations(page):
    """The page's axe violations, each as {id, impact, help, targets}."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE)
    return page.evaluate(RUN_AXE)


def seed(live_server):
    """What every page kind needs: of the default instrument a submitted, an approved, a returned (with a
    comment on C1) and a draft assessment; a draft of an instrument holding every question type; a Bimtek
    session. Returns their ids."""
    from app.assessments.models import Assessment
    from app.assessments.service import parse_answer, save_answer, start, transition
    from app.auth.models import User
    from app.bimtek.models import BimtekSession
    from app.cooperatives.models import Cooperative
    from app.instruments.models import InstrumentVersion, publish
    from app.regions.models import District, Village

    submitted, approved, returned = (complete_assessment(live_server) for _ in range(3))
    instrument = publish_default_instrument(live_server)
    with live_server.app.app_context():
        user = lambda name: db.session.scalar(select(User).where(User.username == name))  # noqa: E731
        facilitator, supervisor = user("fas.diwek"), user("supervisor")
        done, back = db.session.get(Assessment, approved), db.session.get(Assessment, returned)
        transition(done, "approve", supervisor, done.version)
        transition(back, "return", supervisor, back.version, comment="Jumlah anggota tidak sesuai buku.",
                   question_comments={"C1": "Buku anggota hanya mencatat 60 orang."})
        cukir = db.session.scalar(select(Cooperative).join(Cooperative.village).where(Village.name == "Cukir"))
        default = db.session.scalar(select(InstrumentVersion).where(InstrumentVersion.code == instrument.code))
        every_type, _ = publish(db.session, load_text(ALL_TYPES_SOURCE), ALL_TYPES_SOURCE, use=False)
        db.session.commit()
        draft = start(uuid.uuid4(), cukir, facilitator, default, visit_date=date(2025, 10, 14))
        for question in instrument.sections[0].questions[:3]:
            save_answer(draft, question, parse_answer(question, BEST[question.code], False))
        every_type_draft = start(uuid.uuid4(), cukir, facilitator, every_type, visit_date=date(2025, 10, 14))
        session = BimtekSession(title="Bimtek Diwek", held_on=date(2025, 11, 3), venue="Pendopo Kecamatan",
                                regency_code="35.17", districts=[db.session.get(District, DIWEK)])
        db.session.add(session)
        attend(session, cukir)
        db.session.commit()
        return {"cukir": cukir.id, "submitted": submitted, "approved": approved, "returned": returned,
                "draft": draft.id, "every_type_draft": every_type_draft.id, "default": default.id,
                "every_type": every_type.id, "bimtek": session.id, "fas": facilitator.id}


def attend(session, cooperative):
    """Part A: two people of the cooperative registered for the session, one marked present on its day."""
    from app.bimtek.models import Attendance, Participant, Person
    for name, position, present in (("Slamet Riyadi", "pengurus:ketua", True), ("Sri Wahyuni", "Sekretaris", None)):
        person = Person(cooperative=cooperative, name=name, position=position)
        participant = Participant(session=session, person=person, cooperative=cooperative, position=position)
        if present:
            participant.attendance = [Attendance(day=session.held_on, present=True)]
        db.session.add(participant)


def refused_login(page):
    """The login form sent without a password: the field's error is shown."""
    page.get_by_label("Nama pengguna").fill("fas.diwek")
    page.get_by_role("button", name="Masuk").click()
    expect(page.locator(".field.invalid")).to_have_count(1)


def refused_nik(page):
    """A new person sent with a 15-digit NIK: the first cooperative's section comes back with the error."""
    section = page.locator("section.register").first
    section.get_by_text("Orang baru").click()
    section.get_by_label("Nama").fill("Siti Aminah")
    section.get_by_label("Jabatan", exact=True).select_option(label="Bendahara")
    section.get_by_label("NIK (tidak wajib)").fill("351708450785000")
    section.get_by_role("button", name="Daftarkan").click()
    expect(section.locator(".field.invalid")).to_have_count(1)


def pages(ids):
    """{user: [(page kind, path, then)]}: each path is visited as that user (None: nobody logged in), and
    `then`, if given, is done on the page before axe looks at it."""
    return {
        None: [("login", "/auth/login", None), ("login-refused", "/auth/login", refused_login)],
        "fas.diwek": [
            ("my-visits", "/assessments/", None),
            ("cooperatives", "/cooperatives/", None),
            ("cooperative", f"/cooperatives/{ids['cukir']}", None),
            ("start-visit", f"/assessments/new/{ids['cukir']}", None),
            ("yesno-questions", f"/assessments/{ids['draft']}/sections/A", None),
            ("scale-questions", f"/assessments/{ids['draft']}/sections/B", None),
            ("count-questions-returned", f"/assessments/{ids['returned']}/sections/C", None),
            ("choice-date-text-questions", f"/assessments/{ids['every_type_draft']}/sections/S", None),
            ("summary", f"/assessments/{ids['draft']}", None),
            ("not-found", "/cooperatives/999999", None),
        ],
        "supervisor": [
            ("review-queue", "/reviews/", None),
            ("review", f"/reviews/{ids['submitted']}", None),
            ("review-approved", f"/reviews/{ids['approved']}", None),
            ("bimtek-attendance-read-only", f"/bimtek/{ids['bimtek']}/attendance/1", None),
        ],
        "dinas": [
            ("dashboard", "/dashboard/", None),
            ("kecamatan", f"/dashboard/{DIWEK}", None),
            ("readiness-sheet", f"/sheet/{ids['cukir']}", None),
            ("bimtek-list", "/bimtek/", None),
            ("bimtek-form", "/bimtek/new", None),
            ("bimtek-session", f"/bimtek/{ids['bimtek']}", None),
            ("bimtek-attendance", f"/bimtek/{ids['bimtek']}/attendance/1", None),
            ("bimtek-test", f"/bimtek/{ids['bimtek']}/test", None),  # part T: the test, a question, scores
            ("bimtek-question", f"/bimtek/{ids['bimtek']}/test/new", None),
            ("bimtek-scores", f"/bimtek/{ids['bimtek']}/scores", None),
            ("bimtek-participants", f"/bimtek/{ids['bimtek']}/participants", refused_nik),
            ("users", "/users/", None),
            ("user-form", f"/users/{ids['fas']}/edit", None),
            ("instruments", "/instruments/", None),
            ("instrument", f"/instruments/{ids['default']}", None),
            ("instrument-every-type", f"/instruments/{ids['every_type']}", None),
            ("cooperative-form", f"/cooperatives/{ids['cukir']}/edit", None),
        ],
    }


SCREENS = {
    # {context settings over browser_context_args (a Pixel 5)}, widths: axe runs at the first, a screenshot
    # is taken at each.
    "phone": ({}, (393, 320)),
    "laptop": ({"viewport": {"width": 1366, "height": 768}, "is_mobile": False, "has_touch": False,
                "device_scale_factor": 1}, (1366,)),
}


@pytest.mark.parametrize("screen", SCREENS)
def test_every_page_kind_passes_axe(browser, browser_context_args, live_server, shot, screen):
    settings, widths = SCREENS[screen]
    found = []
    for user, visits in pages(seed(live_server)).items():
        context = browser.new_context(**{**browser_context_args, **settings})
        page = context.new_page()
        height = page.viewport_size["height"]
        if user:
            log_in(page, live_server, user)
        for kind, path, then in visits:
            page.set_viewport_size({"width": widths[0], "height": height})
            page.goto(live_server.url + path)
            if then:
                then(page)
            found += [(kind, v) for v in axe_violations(page) if v["impact"] in BLOCKING]
            for width in widths:
                page.set_viewport_size({"width": width, "height": height})
                shot(page, f"{kind}-{width}", scale="css")  # CSS pixels: a long page on a Pixel 5 stays cheap
        context.close()
    assert found == [], "\n".join(f"{kind}: {v['impact']} {v['id']} ({v['help']}) at {', '.join(v['targets'])}"
                                  for kind, v in found)
