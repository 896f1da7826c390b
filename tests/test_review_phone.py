"""The supervisor's review page on a phone and on a laptop: short, both actions always in reach."""
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from tests.test_browser import FIELD_ANSWERS, complete_assessment, log_in
from tests.test_offline import eventually

pytestmark = pytest.mark.browser

LOCATION = (-7.592134, 112.234987, 14.6)


def photo_of(colour):
    import io

    from PIL import Image

    from app.assessments.photos import process_photo
    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), colour).save(out, "JPEG")
    return process_photo(out.getvalue())


def submitted_for_review(live_server, folder):
    """Cukir's assessment, submitted with the phone flow's answers (some weak), a GPS fix and three photos."""
    from app.assessments.models import Assessment
    from app.assessments.service import parse_answer, save_answer, store_photo, transition

    live_server.app.config["PHOTO_FOLDER"] = str(folder)
    assessment_id = complete_assessment(live_server, submit=False)
    with live_server.app.app_context():
        visit = db.session.get(Assessment, assessment_id)
        instrument = visit.instrument
        for answers in FIELD_ANSWERS.values():
            for code, value in answers.items():
                save_answer(visit, instrument.question(code), parse_answer(instrument.question(code), value, False))
        visit.latitude, visit.longitude, visit.accuracy_m = LOCATION
        for code, colour in (("A1", "olive"), ("A1", "navy"), ("C1", "teal")):
            store_photo(visit, code, photo_of(colour), str(folder))
        db.session.commit()
        transition(visit, "submit", visit.facilitator, visit.version)
    return assessment_id


def photo_ids(live_server, assessment_id):
    from app.assessments.models import Photo
    with live_server.app.app_context():
        return list(db.session.scalars(select(Photo.id).where(Photo.assessment_id == assessment_id)
                                       .order_by(Photo.created_at)))


def test_the_facilitator_sees_thumbnails_and_removes_a_photo_only_once_sure(page, live_server, tmp_path, shot):
    from app.assessments.models import Assessment
    from app.assessments.service import store_photo

    live_server.app.config["PHOTO_FOLDER"] = str(tmp_path / "photos")
    assessment_id = complete_assessment(live_server, submit=False)
    with live_server.app.app_context():
        visit = db.session.get(Assessment, assessment_id)
        for colour in ("olive", "navy"):
            store_photo(visit, "A1", photo_of(colour), str(tmp_path / "photos"))
        db.session.commit()
    first, second = photo_ids(live_server, assessment_id)
    log_in(page, live_server)
    page.goto(f"{live_server.url}/assessments/{assessment_id}/sections/A")
    thumbs = page.locator("#photos-A1 img")
    expect(thumbs).to_have_count(2)
    thumbs.first.scroll_into_view_if_needed()
    assert eventually(page, lambda: thumbs.first.evaluate("(img) => img.complete && img.naturalWidth") == 240)
    assert thumbs.first.evaluate("(img) => img.getBoundingClientRect().width") == 120
    link = page.get_by_role("link", name="Foto 1 untuk A1")
    assert link.get_attribute("href") == f"/assessments/{assessment_id}/photos/{first}.jpg"
    shot(page, "thumbnails")

    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.locator("#photos-A1").get_by_role("button", name="Hapus").first.click()
    assert eventually(page, lambda: asked == ["Hapus Foto 1? Foto yang dihapus tidak dapat dikembalikan."])
    expect(thumbs).to_have_count(2)
    assert photo_ids(live_server, assessment_id) == [first, second]

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#photos-A1").get_by_role("button", name="Hapus").first.click()
    expect(thumbs).to_have_count(1)
    expect(page.locator("#photos-A1")).to_contain_text("Foto 1")
    assert photo_ids(live_server, assessment_id) == [second]
