"""The supervisor's review page on a phone and on a laptop: short, both actions always in reach; and the
photo thumbnails, and removing a photo only once sure."""
import io

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from app.assessments.models import Assessment, Photo
from app.assessments.photos import process_photo
from app.assessments.service import parse_answer, save_answer, store_photo, transition
from app.extensions import db
from app.instruments.scoring import weak_answers
from tests.test_browser import FIELD_ANSWERS, complete_assessment, log_in, no_horizontal_scroll, small_touch_targets
from tests.test_offline import eventually

pytestmark = pytest.mark.browser

LOCATION = (-7.592134, 112.234987, 14.6)
LAPTOP = {"width": 1366, "height": 768}
REASON_NEEDED = ("Tulis alasan pengembalian, agar pendamping tahu apa yang harus diperbaiki. "
                 "Penilaian belum dikembalikan.")


@pytest.fixture(params=["phone", "laptop"])
def screen(request, browser):
    """The supervisor's browser: the Pixel 5 of the `page` fixture, or a laptop's 1366 x 768 window."""
    if request.param == "phone":
        yield request.getfixturevalue("page")
        return
    context = browser.new_context(viewport=LAPTOP, locale="id-ID")
    yield context.new_page()
    context.close()


def photo_of(colour):
    """A stored photo of one colour, as a phone's 1600 x 1200 picture becomes."""
    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), colour).save(out, "JPEG")
    return process_photo(out.getvalue())


def submitted_for_review(live_server, folder):
    """Cukir's assessment, submitted with the phone flow's answers (some weak), a GPS fix and three photos."""
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
            store_photo(visit, code, photo_of(colour))
        db.session.commit()
        transition(visit, "submit", visit.facilitator, visit.version)
    return assessment_id


def photo_ids(live_server, assessment_id):
    with live_server.app.app_context():
        return list(db.session.scalars(select(Photo.id).where(Photo.assessment_id == assessment_id)
                                       .order_by(Photo.created_at)))


def test_the_facilitator_sees_thumbnails_and_removes_a_photo_only_once_sure(page, live_server, tmp_path, shot):
    live_server.app.config["PHOTO_FOLDER"] = str(tmp_path / "photos")
    assessment_id = complete_assessment(live_server, submit=False)
    with live_server.app.app_context():
        visit = db.session.get(Assessment, assessment_id)
        for colour in ("olive", "navy"):
            store_photo(visit, "A1", photo_of(colour))
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


def reviewed(live_server, assessment_id):
    """(status, the last step of the history) as the database holds them."""
    with live_server.app.app_context():
        visit = db.session.get(Assessment, assessment_id)
        last = visit.events[-1]
        return visit.status, (last.action, last.comment, last.question_comments)


def action_bar_in_view(page):
    """Whether the whole action bar lies within the window."""
    return page.locator(".action-bar").evaluate("""(bar) => { const box = bar.getBoundingClientRect();
        return box.height > 0 && box.top >= 0 && box.bottom <= window.innerHeight + 0.5; }""")


def open_review(page, live_server, tmp_path):
    assessment_id = submitted_for_review(live_server, tmp_path / "photos")
    log_in(page, live_server, "supervisor")
    page.goto(f"{live_server.url}/reviews/{assessment_id}")
    return assessment_id


def test_the_review_page_is_short_on_a_phone_with_both_actions_always_in_reach(page, live_server, tmp_path, shot):
    assessment_id = open_review(page, live_server, tmp_path)
    height = page.evaluate("document.body.scrollHeight")
    assert height < 4000, height  # every answer is a tap away, in its folded section
    assert action_bar_in_view(page) and no_horizontal_scroll(page) and small_touch_targets(page) == []
    bar = page.locator(".action-bar")
    expect(bar.get_by_role("button", name="Setujui")).to_be_visible()
    expect(bar.get_by_text("Kembalikan", exact=True)).to_be_visible()
    shot(page, "review-393")
    expect(page.locator(".coordinates")).to_have_text("-7.59213, 112.23499")
    assert page.get_by_role("link", name="Lihat di peta").get_attribute("href") == (
        "https://www.openstreetmap.org/?mlat=-7.59213&mlon=112.23499#map=18/-7.59213/112.23499")

    with live_server.app.app_context():
        visit = db.session.get(Assessment, assessment_id)
        weak = weak_answers(visit.instrument, visit.values())
    assert weak and page.locator("dt.weak").evaluate_all("(dts) => dts.map((dt) => dt.id.slice(2))") == sorted(weak)
    expect(page.locator("dl.answers").first).to_be_hidden()  # folded until tapped
    page.locator("#section-A > summary").click()
    expect(page.locator("#section-A dd.weak .weak-mark").first).to_have_text("Perlu perhatian")
    thumbs = page.locator("#section-A .thumbs img")
    expect(thumbs).to_have_count(2)
    thumbs.first.scroll_into_view_if_needed()
    assert eventually(page, lambda: thumbs.first.evaluate("(img) => img.complete && img.naturalWidth") == 240)
    expect(page.get_by_label("Komentar untuk A1")).to_be_hidden()  # its box opens with "Beri komentar"
    assert action_bar_in_view(page)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    assert action_bar_in_view(page)
    shot(page, "section-open")


def test_at_320_px_nothing_scrolls_sideways_and_the_actions_fit(browser, live_server, tmp_path, shot):
    context = browser.new_context(viewport={"width": 320, "height": 640}, is_mobile=True, has_touch=True,
                                  locale="id-ID")
    page = context.new_page()
    open_review(page, live_server, tmp_path)
    assert action_bar_in_view(page) and no_horizontal_scroll(page) and small_touch_targets(page) == []
    page.locator(".action-bar").get_by_text("Kembalikan", exact=True).click()
    assert action_bar_in_view(page) and no_horizontal_scroll(page)
    shot(page, "review-320")
    context.close()


def test_the_review_page_on_a_laptop(browser, live_server, tmp_path, shot):
    context = browser.new_context(viewport=LAPTOP, locale="id-ID")
    page = context.new_page()
    open_review(page, live_server, tmp_path)
    assert page.evaluate("document.body.scrollHeight") < 4000
    assert action_bar_in_view(page) and no_horizontal_scroll(page)
    page.locator("#section-H > summary").click()
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    assert action_bar_in_view(page)
    shot(page, "review-1366")
    context.close()


def test_approving_asks_first(screen, live_server, tmp_path):
    assessment_id = open_review(screen, live_server, tmp_path)
    approve = screen.locator(".action-bar").get_by_role("button", name="Setujui")
    asked = []
    screen.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    approve.click()
    assert eventually(screen, lambda: asked == [
        "Setujui penilaian ini? Setelah disetujui, pendamping tidak dapat mengubahnya lagi."])
    expect(screen.locator("#status")).to_have_text("Dikirim")
    assert reviewed(live_server, assessment_id)[0] == "submitted"
    screen.once("dialog", lambda dialog: dialog.accept())
    approve.click()
    expect(screen.locator("#status")).to_have_text("Disetujui")
    expect(screen.get_by_role("status").filter(has_text="Penilaian disetujui.")).to_be_visible()
    assert reviewed(live_server, assessment_id) == ("approved", ("approve", None, None))


def test_returning_needs_a_reason_and_takes_the_comments_on_questions(screen, live_server, tmp_path, shot):
    assessment_id = open_review(screen, live_server, tmp_path)
    screen.locator("#section-C > summary").click()
    screen.locator("details.comment:has(#comment-C1) > summary").click()
    screen.get_by_label("Komentar untuk C1").fill("Buku anggota hanya mencatat 60 orang.")
    bar = screen.locator(".action-bar")
    bar.get_by_text("Kembalikan", exact=True).click()
    bar.get_by_role("button", name="Kembalikan ke pendamping").click()  # without a reason
    expect(bar.get_by_role("alert")).to_have_text(REASON_NEEDED)
    assert action_bar_in_view(screen)
    assert reviewed(live_server, assessment_id) == ("submitted", ("submit", None, None))
    expect(screen.get_by_label("Komentar untuk C1")).to_have_value("Buku anggota hanya mencatat 60 orang.")
    expect(screen.locator("details.review-section[open]")).to_have_count(1)  # C, which holds the comment
    expect(screen.locator("details.comment[open]")).to_have_count(1)
    shot(screen, "reason-needed")
    bar.get_by_label("Alasan pengembalian (wajib)").fill("Jumlah anggota tidak sesuai buku.")
    bar.get_by_role("button", name="Kembalikan ke pendamping").click()
    expect(screen.locator("#status")).to_have_text("Dikembalikan")
    assert reviewed(live_server, assessment_id) == ("returned", (
        "return", "Jumlah anggota tidak sesuai buku.", {"C1": "Buku anggota hanya mencatat 60 orang."}))
