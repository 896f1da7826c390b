"""The facilitator's assessment over real HTTP: start, autosave, whole-section posts, summary, submit."""
import gzip
import io
import re
import uuid
from datetime import UTC, date, datetime

import pytest
from PIL import Image
from sqlalchemy import func, select

from app import ROOT, clock
from app.assessments.models import Assessment, Photo, SectionNote
from app.extensions import db
from app.instruments.scoring import score
from tests.support import BEST, DIWEK, INSTRUMENT, WONOSALAM, answers, assessment, stored_photo

def test_start_records_the_visit_and_a_retry_with_the_same_uuid_makes_one_assessment(field):
    assessment_id, response = field.start(others="Pak Budi\n\nBu Sri", latitude="-7.5921", longitude="112.2340",
                                          accuracy_m="12")
    assert response.status_code == 302 and response.location == f"/assessments/{assessment_id}/sections/A"
    _, again = field.start(assessment_id)
    assert again.location == response.location
    assert db.session.scalar(select(func.count()).select_from(Assessment)) == 1
    started = assessment(assessment_id)
    assert (started.visit_date.isoformat(), started.attendees, started.status) == ("2025-10-14", ["Pak Budi", "Bu Sri"], "draft")
    assert (started.latitude, started.longitude, started.accuracy_m) == (-7.5921, 112.234, 12)
    assert started.instrument_version.number == 1 and started.facilitator.username == "fas.diwek"


def test_start_refuses_bad_input_with_indonesian_messages(field):
    _, response = field.start(visit_date="2099-01-01", latitude="91")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Tanggal kunjungan tidak boleh di masa depan." in html
    assert "Lokasi tidak valid dan tidak disimpan." in html and 'name="latitude" value=""' in html
    assert db.session.scalar(select(func.count()).select_from(Assessment)) == 0


def test_a_visit_is_dated_by_the_day_in_jombang_not_by_the_servers_clock(field, monkeypatch):
    """At 01:30 WIB on 14 October a server on UTC is still on the 13th: the 14th is today, the 15th is not."""
    class HalfPastOneWIB(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2025, 10, 13, 18, 30, tzinfo=UTC).astimezone(tz)

    monkeypatch.setattr(clock, "datetime", HalfPastOneWIB)
    form = field.client.get(f"/assessments/new/{field.cooperative()}").get_data(as_text=True)
    assert re.search(r'name="visit_date"[^>]* value="2025-10-14"', form)
    _, refused = field.start(visit_date="2025-10-15")
    assert refused.status_code == 422 and "Tanggal kunjungan tidak boleh di masa depan." in refused.get_data(as_text=True)
    assessment_id, response = field.start(visit_date="2025-10-14")
    assert response.status_code == 302 and assessment(assessment_id).visit_date == date(2025, 10, 14)


def test_start_is_for_facilitators_in_their_own_kecamatan(field, client, auth):
    _, response = field.start(cooperative_id=field.cooperative(WONOSALAM))
    assert response.status_code == 404
    auth.login("supervisor")
    assert client.get(f"/assessments/new/{field.cooperative()}").status_code == 403


def test_autosave_stores_the_answer_and_replies_small(field):
    assessment_id, _ = field.start()
    response = field.save(assessment_id, "A1", "yes")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="status-A1"' in html and "Tersimpan" in html
    assert 'id="step-A"' in html and "17%" in html  # 1 of the 6 required questions of A
    assert len(response.data) <= 2048, len(response.data)
    assert "<html" not in html
    assert answers(assessment_id) == {"A1": "yes"}
    field.save(assessment_id, "A1", "no")
    field.save(assessment_id, "C1", " 120 ")
    assert answers(assessment_id) == {"A1": "no", "C1": "120"}
    field.save(assessment_id, "C1", "")  # clearing a typed answer removes it
    assert answers(assessment_id) == {"A1": "no"}


def test_the_autosave_reply_counts_its_own_section_whatever_else_is_answered(field):
    """An autosave reads only its section's answers (and those its rules read): the other sections'
    answers change neither its progress nor what it stores."""
    assessment_id, _ = field.start()
    for code in ("A1", "A2", "A3", "A4", "A5", "A6", "C1"):
        field.save(assessment_id, code, BEST[code])
    html = field.save(assessment_id, "B1", "yes").get_data(as_text=True)
    assert 'id="step-B"' in html and "20%" in html  # 1 of the 5 required questions of B
    html = field.save(assessment_id, "A1", "no").get_data(as_text=True)
    assert 'id="step-A" class="step done"' in html and "100%" in html
    assert answers(assessment_id) == {**{c: BEST[c] for c in ("A2", "A3", "A4", "A5", "A6", "C1")},
                                      "A1": "no", "B1": "yes"}


def test_relevance_shows_and_hides_a_question_in_the_reply(field):
    assessment_id, _ = field.start()
    shown = field.save(assessment_id, "F1", "yes")
    html = shown.get_data(as_text=True)
    f2 = '<fieldset class="question" id="q-F2" data-question="F2" data-show-if="F1 equals yes"'
    assert f2 + ' hx-swap-oob="true"' in html and len(shown.data) <= 2048
    hidden = field.save(assessment_id, "F1", "no").get_data(as_text=True)
    assert f2.replace('data-question="F2"', 'data-question="F2" hidden') + ' hx-swap-oob="true"' in hidden
    unchanged = field.save(assessment_id, "F3", "2").get_data(as_text=True)
    assert "q-F2" not in unchanged
    page = field.client.get(f"/assessments/{assessment_id}/sections/F").get_data(as_text=True)
    assert '<fieldset class="question" id="q-F2" data-question="F2" hidden data-show-if="F1 equals yes"' in page


def test_not_applicable_where_the_instrument_allows_it(field):
    assessment_id, _ = field.start()
    assert field.save(assessment_id, "G5", na=True).status_code == 200
    assert answers(assessment_id) == {"G5": None} and assessment(assessment_id).answers[0].not_applicable
    refused = field.save(assessment_id, "A1", "yes", na=True)
    assert refused.status_code == 422 and "tidak dapat dijawab" in refused.get_data(as_text=True)
    assert answers(assessment_id) == {"G5": None}


@pytest.mark.parametrize("code, value, message", [
    ("C1", "-3", "Jumlah tidak boleh negatif."),
    ("C1", "dua puluh", "Isi dengan bilangan bulat, misalnya 12."),
    ("C1", "2,5", "Isi dengan bilangan bulat, misalnya 12."),
    ("D1", "6", "Jumlah paling banyak 5."),
    ("C1", "99999999", "Jumlah paling banyak 1.000.000."),
    ("B3", "5", "Pilih salah satu pilihan yang tersedia."),
    ("A1", "mungkin", "Pilih salah satu pilihan yang tersedia."),
])
def test_bad_answers_get_a_clear_message_and_change_nothing(field, code, value, message):
    assessment_id, _ = field.start()
    field.save(assessment_id, code, {"C1": "50", "D1": "3", "B3": "2", "A1": "yes"}[code])
    before = answers(assessment_id)
    response = field.save(assessment_id, code, value)
    assert response.status_code == 422
    assert f'<p class="status error" id="status-{code}" role="alert">{message}</p>' in response.get_data(as_text=True)
    assert answers(assessment_id) == before


def test_an_answer_to_a_question_the_instrument_does_not_have(field):
    assessment_id, _ = field.start()
    response = field.save(assessment_id, "Z9", "yes")
    assert response.status_code == 404
    assert "Pertanyaan Z9 tidak ada di instrumen penilaian ini." in response.get_data(as_text=True)
    assert answers(assessment_id) == {}


def test_an_answer_to_someone_elses_assessment(field, client, auth, jombang):
    from tests.support import add_user
    add_user("fas.diwek2", "facilitator", (DIWEK,))
    db.session.commit()
    assessment_id, _ = field.start()
    field.save(assessment_id, "A1", "yes")
    auth.login("fas.diwek2")  # same kecamatan: sees it, may not change it
    token = auth.token("/assessments/")
    response = field.save(assessment_id, "A1", "no", token=token)
    assert response.status_code == 403 and "milik pendamping lain" in response.get_data(as_text=True)
    auth.login("fas.wonosalam")  # another kecamatan: does not even see it
    response = field.save(assessment_id, "A1", "no", token=auth.token("/assessments/"))
    assert response.status_code == 404
    assert answers(assessment_id) == {"A1": "yes"}


def test_autosave_without_csrf_token_is_refused(field):
    assessment_id, _ = field.start()
    response = field.client.post(f"/assessments/{assessment_id}/answers/A1", data={"A1": "yes"},
                                 headers={"HX-Request": "true"})
    assert response.status_code == 400 and answers(assessment_id) == {}


def test_whole_section_post_without_javascript(field):
    assessment_id, _ = field.start()
    section_a = {code: BEST[code] for code in ("A1", "A2", "A3", "A4", "A5", "A6")}
    response = field.client.post(f"/assessments/{assessment_id}/sections/A", data={
        "csrf_token": field.token, **section_a, "A2": "no", "notes": " Akta ada di rumah ketua. ", "go": "next"})
    assert response.status_code == 302 and response.location.endswith("/sections/B")
    assert answers(assessment_id) == {**section_a, "A2": "no"}
    assert db.session.get(SectionNote, (uuid.UUID(assessment_id), "A")).text == "Akta ada di rumah ketua."
    back = field.client.post(f"/assessments/{assessment_id}/sections/B", data={"csrf_token": field.token, "go": "prev"})
    assert back.location.endswith("/sections/A")


def test_whole_section_post_with_one_bad_answer_saves_nothing(field):
    assessment_id, _ = field.start()
    response = field.client.post(f"/assessments/{assessment_id}/sections/C", data={
        "csrf_token": field.token, "C1": "-5", "C2": "3", "C4": "yes", "notes": "x", "go": "next"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Jumlah tidak boleh negatif." in html
    assert 'value="-5"' in html and "Bagian ini belum disimpan" in html  # what was typed stays on screen
    assert answers(assessment_id) == {} and db.session.get(SectionNote, (uuid.UUID(assessment_id), "C")) is None


def test_section_page_shows_saved_answers_after_a_reload(field):
    assessment_id, _ = field.start()
    for code, value in (("C1", "85"), ("C2", "3"), ("C4", "no")):
        field.save(assessment_id, code, value)
    html = field.client.get(f"/assessments/{assessment_id}/sections/C").get_data(as_text=True)
    assert 'name="C1" id="input-C1" inputmode="numeric" min="0" step="1" value="85"' in html
    assert '<input type="radio" name="C2" value="3" checked>' in html
    assert '<input type="radio" name="C4" value="no" checked>' in html
    assert html.count(" checked") == 2


def fill(field, assessment_id, answers_by_code):
    for code, value in answers_by_code.items():
        assert field.save(assessment_id, code, value).status_code == 200, code


def test_summary_lists_missing_answers_and_submit_waits_for_them(field):
    assessment_id, _ = field.start()
    fill(field, assessment_id, {code: value for code, value in BEST.items() if code not in ("B4", "H6")})
    html = field.client.get(f"/assessments/{assessment_id}").get_data(as_text=True)
    assert f'href="/assessments/{assessment_id}/sections/B#q-B4"' in html
    assert f'href="/assessments/{assessment_id}/sections/H#q-H6"' in html
    assert "Skor sementara" in html
    response = field.client.post(f"/assessments/{assessment_id}/submit", data={"csrf_token": field.token})
    assert response.status_code == 422 and "Masih ada jawaban wajib yang kosong." in response.get_data(as_text=True)
    assert assessment(assessment_id).status == "draft"


def test_submit_stores_the_score_locks_and_a_double_tap_submits_once(field):
    assessment_id, _ = field.start()
    mixed = {**BEST, "A1": "no", "C1": "50", "B3": "2", "F1": "no"}
    del mixed["F2"]  # hidden once F1 = no
    fill(field, assessment_id, mixed)
    expected = score(INSTRUMENT, assessment(assessment_id).values())
    assert expected.complete and expected.level == "kurang-siap"  # capped by the A1 gate
    html = field.client.get(f"/assessments/{assessment_id}").get_data(as_text=True)
    assert f'<strong id="total">{expected.total:.1f}'.replace(".", ",") in html
    assert "Dibatasi: Belum dapat menunjukkan akta pendirian" in html

    first = field.client.post(f"/assessments/{assessment_id}/submit", data={"csrf_token": field.token})
    submitted = assessment(assessment_id)
    stamp = submitted.submitted_at
    second = field.client.post(f"/assessments/{assessment_id}/submit", data={"csrf_token": field.token})
    assert first.status_code == second.status_code == 302
    submitted = assessment(assessment_id)
    assert submitted.status == "submitted" and submitted.submitted_at == stamp
    assert submitted.score == pytest.approx(expected.total) and submitted.level == "kurang-siap"
    assert submitted.result["gates"] == ["tanpa-sk-ahu"]
    assert submitted.result["sections"]["F"]["score"] == pytest.approx(75.0)

    locked = field.save(assessment_id, "A1", "yes")
    assert locked.status_code == 409 and "sudah dikirim dan terkunci" in locked.get_data(as_text=True)
    assert answers(assessment_id)["A1"] == "no"
    home = field.client.get("/assessments/").get_data(as_text=True)
    assert "Menunggu tinjauan; dikirim " in home and f"/assessments/{assessment_id}" in home


def test_cooperative_page_lists_past_assessments_with_score_and_level(field, client, auth):
    assessment_id, _ = field.start()
    fill(field, assessment_id, BEST)
    field.client.post(f"/assessments/{assessment_id}/submit", data={"csrf_token": field.token})
    auth.login("supervisor")
    html = client.get(f"/cooperatives/{field.cooperative()}").get_data(as_text=True)
    assert "14 Oktober 2025 · Menunggu tinjauan" in html and "Skor 100 · Siap" in html
    assert "Mulai penilaian" not in html  # only facilitators start visits


def test_supervisor_reads_but_cannot_change(field, client, auth):
    assessment_id, _ = field.start()
    field.save(assessment_id, "A1", "yes")
    auth.login("supervisor")
    page = client.get(f"/assessments/{assessment_id}/sections/A").get_data(as_text=True)
    assert '<fieldset class="plain" disabled>' in page and "hx-post" not in page.split("<main>")[1]
    response = client.post(f"/assessments/{assessment_id}/answers/A1", data={"A1": "no"},
                           headers={"HX-Request": "true", "X-CSRFToken": auth.token("/cooperatives/")})
    assert response.status_code == 403 and answers(assessment_id) == {"A1": "yes"}


# --- Photos --------------------------------------------------------------------------------------

def jpeg(width=2400, height=1800):
    image = Image.new("RGB", (width, height), "navy")
    exif = Image.Exif()
    exif[0x010F] = "Samsung"  # Make
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def upload(field, assessment_id, code, data, name="foto.jpg"):
    return field.client.post(f"/assessments/{assessment_id}/photos/{code}",
                             data={f"photo-{code}": (io.BytesIO(data), name)},
                             headers={"HX-Request": "true", "X-CSRFToken": field.token},
                             content_type="multipart/form-data")


def test_photo_is_resized_stripped_stored_in_the_database_and_served_in_area_only(field, app, client, auth):
    assessment_id, _ = field.start()
    response = upload(field, assessment_id, "A1", jpeg())
    assert response.status_code == 200 and "Foto 1" in response.get_data(as_text=True)
    photo = db.session.scalars(select(Photo)).one()
    assert (photo.question_code, photo.width, photo.height) == ("A1", 1600, 1200)
    stored = stored_photo(photo.id)
    assert len(stored) == photo.size and not Image.open(io.BytesIO(stored)).getexif()
    assert not ROOT.joinpath(app.config["PHOTO_FOLDER"]).exists()  # no file on this app server

    url = f"/assessments/{assessment_id}/photos/{photo.id}.jpg"
    served = field.client.get(url)
    assert served.status_code == 200 and served.mimetype == "image/jpeg" and served.data == stored
    assert served.headers["Cache-Control"] == "no-store"  # a photo of someone's papers: never kept by a cache
    again = field.client.get(url, headers={"If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""  # revalidated by its ETag, as the files were
    auth.login("fas.wonosalam")
    assert client.get(url).status_code == 404
    client.post("/auth/logout", data={"csrf_token": auth.token("/assessments/")})
    assert client.get(url).status_code == 302


def test_a_thumbnail_is_kept_with_the_photo_and_served_in_area_only(field, app, client, auth):
    assessment_id, _ = field.start()
    upload(field, assessment_id, "A1", jpeg(1600, 900))
    photo = db.session.scalars(select(Photo)).one()
    page = field.client.get(f"/assessments/{assessment_id}/sections/A").get_data(as_text=True)
    url = f"/assessments/{assessment_id}/photos/{photo.id}/thumb.jpg"
    assert f'<img src="{url}"\n  loading="lazy" width="240" height="135" alt="Foto 1 untuk A1">' in page
    served = field.client.get(url)
    assert (served.status_code, served.mimetype, served.headers["Cache-Control"]) == (200, "image/jpeg", "no-store")
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    image = Image.open(io.BytesIO(served.data))
    assert (image.format, image.size) == ("JPEG", (240, 135)) and len(served.data) < 10_000
    assert stored_photo(photo.id, thumb=True) == served.data
    from tests.support import add_user
    add_user("supervisor.wonosalam", "supervisor", (WONOSALAM,))
    db.session.commit()
    auth.login("supervisor")
    assert client.get(url).data == served.data
    for username in ("fas.wonosalam", "supervisor.wonosalam"):  # another kecamatan's: as if it did not exist
        auth.login(username)
        assert client.get(url).status_code == 404, username
    assert client.get(f"/assessments/{assessment_id}/photos/{uuid.uuid4()}/thumb.jpg").status_code == 404
    client.post("/auth/logout", data={"csrf_token": auth.token("/cooperatives/")})
    assert client.get(url).status_code == 302


@pytest.mark.parametrize("data, name, status, message", [
    (b"%PDF-1.4 not a photo", "surat.pdf", 422, "Berkas ini bukan foto."),
    (b"x" * (10 * 1024 * 1024 + 1), "besar.jpg", 422, "Foto terlalu besar: paling besar 10 MB."),
    # refused before the body is read: the message is added to the photo list, the form stays
    (b"x" * (30 * 1024 * 1024), "besar.jpg", 413, "Berkas terlalu besar: paling besar 10 MB."),
])
def test_bad_uploads_get_a_clear_message_and_store_nothing(field, data, name, status, message):
    assessment_id, _ = field.start()
    response = upload(field, assessment_id, "A1", data, name)
    assert response.status_code == status and message in response.get_data(as_text=True)
    assert "<html" not in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Photo)) == 0


def test_photo_only_where_the_instrument_allows_it(field):
    assessment_id, _ = field.start()
    response = upload(field, assessment_id, "A2", jpeg(100, 100))
    assert response.status_code == 404 and "tidak menerima foto" in response.get_data(as_text=True)


def test_photo_with_the_whole_section_post(field):
    assessment_id, _ = field.start()
    response = field.client.post(f"/assessments/{assessment_id}/sections/A", data={
        "csrf_token": field.token, "A1": "yes", "photo-A1": (io.BytesIO(jpeg(800, 600)), "akta.jpg"), "go": "next"},
        content_type="multipart/form-data")
    assert response.status_code == 302
    assert [(p.question_code, p.width) for p in db.session.scalars(select(Photo))] == [("A1", 800)]


# --- Weight on the phone -------------------------------------------------------------------------

def test_first_load_of_an_assessment_page_is_within_60_kb_gzip(field):
    """Counted as sent to a phone that takes gzip: the bytes of the page and of the files it links."""
    assessment_id, _ = field.start()
    fill(field, assessment_id, {"H1": "3", "H3": "2"})
    phone = {"Accept-Encoding": "gzip, deflate, br"}
    page = field.client.get(f"/assessments/{assessment_id}/sections/H", headers=phone)
    html = gzip.decompress(page.data).decode()
    linked = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js)\?v=\w+)"', html)
    assert sorted(path.split("?")[0] for path in linked) == ["/static/app.css", "/static/app.js", "/static/htmx.min.js"]
    sent = [page, *(field.client.get(path, headers=phone) for path in linked)]
    assert all(r.headers["Content-Encoding"] == "gzip" for r in sent)
    total = sum(len(r.data) for r in sent)
    assert total <= 60 * 1024, total


def test_a_photo_attached_by_mistake_is_removed(field, app):
    assessment_id, _ = field.start()
    upload(field, assessment_id, "A1", jpeg(400, 300))
    photo = db.session.scalars(select(Photo)).one()
    url = f"/assessments/{assessment_id}/photos/{photo.id}/delete"
    htmx = {"HX-Request": "true", "X-CSRFToken": field.token}
    page = field.client.get(f"/assessments/{assessment_id}/sections/A").get_data(as_text=True)
    assert ('hx-confirm="Hapus Foto 1? Foto yang dihapus tidak dapat dikembalikan."\n'
            '        hx-vals=\'{"confirmed": "y"}\' hx-params="confirmed"') in page
    unconfirmed = field.client.post(url, headers=htmx)  # a page kept from before the question was asked
    body = unconfirmed.get_data(as_text=True)
    assert unconfirmed.status_code == 422 and "Foto belum dihapus." in body and "Foto 1" in body
    assert db.session.scalars(select(Photo.id)).one() == photo.id and stored_photo(photo.id)
    response = field.client.post(url, data={"confirmed": "y"}, headers=htmx)
    assert response.status_code == 200 and "Foto 1" not in response.get_data(as_text=True)
    assert 'id="photos-A1"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalars(select(Photo)).all() == [] and stored_photo(photo.id) is None
    assert field.client.post(url, data={"csrf_token": field.token, "confirmed": "y"}).status_code == 404


def test_only_the_owner_removes_a_photo_and_without_javascript_it_goes_back_to_the_section(field, client, auth):
    assessment_id, _ = field.start()
    upload(field, assessment_id, "A1", jpeg(400, 300))
    photo = db.session.scalars(select(Photo)).one()
    url = f"/assessments/{assessment_id}/photos/{photo.id}/delete"
    auth.login("supervisor")
    assert client.post(url, data={"csrf_token": auth.token()}).status_code == 403
    auth.login("fas.diwek")
    token = auth.token("/assessments/")
    asked = client.post(url, data={"csrf_token": token, "A1": "yes"})  # the section form, sent to the button's URL
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "<h1>Hapus Foto 1?</h1>" in page and "Ya, hapus foto" in page
    assert f'<form method="post" action="{url}"' in page and '<input type="hidden" name="confirmed" value="y">' in page
    assert f'href="/assessments/{assessment_id}/sections/A">Batal</a>' in page
    assert f'/photos/{photo.id}/thumb.jpg' in page
    db.session.expire_all()
    assert db.session.scalars(select(Photo)).one().id == photo.id
    response = client.post(url, data={"csrf_token": token, "confirmed": "y"})
    assert response.status_code == 302 and response.location.endswith("/sections/A")
    db.session.expire_all()
    assert db.session.scalars(select(Photo)).all() == []
