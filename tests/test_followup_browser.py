"""The follow-up loop in the real browser: the Dinas proposes plans on the session page, then at a later visit
the facilitator, on a Pixel 5, marks two actions done on the cooperative's page, one with a photo."""
import io

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.followup.models import FollowupAction
from app.i18n import today
from tests.test_accessibility import BLOCKING, axe_violations
from tests.test_browser import log_in, log_out
from tests.test_followup import EXPECTED, build_plan
from tests.support import stored_photo
from tests.test_offline import eventually

pytestmark = pytest.mark.browser


def blocking(page):
    """The page's axe-core violations that would block a user (critical or serious)."""
    return [v for v in axe_violations(page) if v["impact"] in BLOCKING]


def stored(app):
    """The actions as the database holds them, in the order they were proposed."""
    with app.app_context():
        return db.session.scalars(select(FollowupAction).order_by(FollowupAction.id)).all()


def test_facilitator_marks_two_actions_done_on_a_phone(page, live_server, shot, tmp_path):
    app = live_server.app
    with app.app_context():
        ids = build_plan()
        facilitator = db.session.scalar(select(User.id).where(User.username == "fas.diwek"))
    log_in(page, live_server, "dinas")
    page.goto(f"{live_server.url}/bimtek/{ids['session']}")
    page.get_by_role("button", name="Usulkan rencana dari penilaian").click()
    expect(page.get_by_text("6 tindakan baru diusulkan.")).to_be_visible()
    expect(page.locator(f"#plan-{ids['first']} td.num").first).to_have_text("6")
    expect(page.locator(f"#plan-{ids['second']}")).to_contain_text("Belum ada penilaian yang disetujui")
    shot(page, "plans-proposed", scale="css")
    assert blocking(page) == []
    page.locator(f"#plan-{ids['first']} a").click()
    expect(page.locator(".followup-plan")).to_have_count(6)
    assert blocking(page) == []
    log_out(page)

    log_in(page, live_server, "fas.diwek")
    page.goto(f"{live_server.url}/cooperatives/{ids['first']}")
    first, second = stored(app)[:2]
    assert [(a.section_code, a.question_code) for a in stored(app)] == EXPECTED
    card = page.locator(f"#action-{first.id}")
    expect(card).to_contain_text(first.text)
    done = card.get_by_role("button", name="Selesai")
    box = done.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 200  # a thumb's target on the phone
    photo = tmp_path / "bukti.jpg"
    Image.new("RGB", (1200, 900), "teal").save(photo, "JPEG")
    card.get_by_label("Catatan (tidak wajib)").fill("Pengawas dibentuk lewat Rapat Anggota")
    card.get_by_label("Foto (tidak wajib)").set_input_files(str(photo))
    done.click()
    expect(page.locator(f"#action-{first.id} .status")).to_have_text("Tersimpan.")
    expect(page.locator(f"#action-{first.id} img.action-photo")).to_be_visible()
    page.locator(f"#action-{second.id}").get_by_role("button", name="Selesai").click()
    expect(page.locator(f"#action-{second.id} .status")).to_have_text("Tersimpan.")
    shot(page, "two-done", scale="css")
    assert blocking(page) == []

    assert eventually(page, lambda: [a.status for a in stored(app)[:2]] == ["done", "done"])
    first, second = stored(app)[:2]
    assert (first.checked_on, second.checked_on) == (today_in(app), today_in(app))
    assert (first.updated_by, second.updated_by) == (facilitator, facilitator)
    assert first.note == "Pengawas dibentuk lewat Rapat Anggota" and second.photo_id is None
    with app.app_context():
        kept = Image.open(io.BytesIO(stored_photo(first.photo_id)))
    assert kept.size == (1200, 900) and kept.format == "JPEG"
    assert {a.status for a in stored(app)[2:]} == {"open"}
    page.reload()
    expect(page.get_by_text("4 dari 6 tindakan belum selesai diperiksa.")).to_be_visible()


def today_in(app):
    with app.app_context():
        return today()
