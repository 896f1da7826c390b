"""Hostile uploads over HTTP: refused with a clear message and nothing kept, or kept as a clean JPEG."""
import io
import subprocess
import sys
import threading
import uuid

from PIL import ExifTags, Image
from sqlalchemy import func, select

from app import ROOT
from app.assessments import photo_routes, photos
from app.assessments.models import Photo
from app.auth.models import User
from app.extensions import db
from app.storage.models import PhotoBytes
from tests.support import Auth, answers, stored_photo
from tests.test_photos import (LEAKS, PAYLOADS, SCRIPT, encode, jpeg_claiming, png_header, quartered,
                               red_corners, tagged_phone_jpeg, tagged_png, zip_of)

NOT_AN_IMAGE = "Berkas ini bukan foto. Pilih gambar JPEG atau PNG."
TOO_MANY_PIXELS = "Ukuran gambar terlalu besar untuk diproses."
TOO_LARGE = "Foto terlalu besar: paling besar 10 MB."
QUESTION_FULL = "Paling banyak 5 foto untuk satu pertanyaan. Hapus foto yang tidak perlu untuk menambah yang baru."
ASSESSMENT_FULL = "Paling banyak 7 foto untuk satu penilaian. Hapus foto yang tidak perlu untuk menambah yang baru."
BUSY = "Foto lain masih diproses. Tunggu sampai selesai, lalu kirim foto ini lagi."
JPEG = encode(quartered((64, 48)), "JPEG")


def bad_uploads():
    """(file name, content, message): every one must be refused."""
    jpeg, png = tagged_phone_jpeg(6, (600, 400)), encode(Image.effect_noise((300, 200), 60), "PNG")
    return [
        ("surat.pdf", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n", NOT_AN_IMAGE),
        ("catatan.txt", "Laporan RAT Koperasi Desa Merah Putih\n".encode(), NOT_AN_IMAGE),
        ("halaman.html", b"<!DOCTYPE html><html><body>" + SCRIPT + b"</body></html>", NOT_AN_IMAGE),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9">' + SCRIPT + b"</svg>",
         NOT_AN_IMAGE),
        ("setup.exe", b"MZ\x90\x00\x03" + bytes(55) + b"\x80\x00\x00\x00This program cannot be run in DOS mode.",
         NOT_AN_IMAGE),
        ("foto.jpg", b"\x7fELF\x02\x01\x01" + bytes(9) + b"\x02\x00\x3e\x00" + bytes(200), NOT_AN_IMAGE),
        ("kosong.jpg", b"", NOT_AN_IMAGE),
        ("foto.jpg", b"<html><body>" + SCRIPT, NOT_AN_IMAGE),
        ("foto.png", zip_of({"payload.js": "alert(1)"}), NOT_AN_IMAGE),
        ("foto.jpg", jpeg[: len(jpeg) // 2], NOT_AN_IMAGE),
        ("foto.png", png[: len(png) // 2], NOT_AN_IMAGE),
        ("foto.tif", encode(Image.new("RGB", (64, 48)), "TIFF"), NOT_AN_IMAGE),
        ("foto.ico", encode(Image.new("RGB", (64, 48)), "ICO"), NOT_AN_IMAGE),
        ("bom.png", png_header(30000, 30000), TOO_MANY_PIXELS),
        ("bom.jpg", jpeg_claiming(65000, 65000), TOO_MANY_PIXELS),
        ("bom.jpg", jpeg_claiming(8000, 8000), TOO_MANY_PIXELS),
        ("besar.jpg", jpeg + bytes(10 * 1024 * 1024 + 1 - len(jpeg)), TOO_LARGE),
        # under the bomb limit, but a PNG is decoded whole: the reviewer's cheap upload that stalled a worker
        ("layar.png", encode(Image.new("L", (7000, 7000)), "PNG"), TOO_MANY_PIXELS),
    ]


def post_photo(field, assessment_id, data, name, code="A1"):
    return field.client.post(f"/assessments/{assessment_id}/photos/{code}",
                             data={f"photo-{code}": (io.BytesIO(data), name)},
                             headers={"HX-Request": "true", "X-CSRFToken": field.token},
                             content_type="multipart/form-data")


def stored_files(app):
    """The photos' bytes kept anywhere: in the database (app.storage) or as files on this app server."""
    folder = ROOT.joinpath(app.config["PHOTO_FOLDER"])
    files = sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []
    return sorted(map(str, db.session.scalars(select(PhotoBytes.id)))) + files


def thumbnails():
    return db.session.scalar(select(func.count()).select_from(PhotoBytes).where(PhotoBytes.thumb.is_not(None)))


def photo_rows():
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Photo))


def test_hostile_uploads_are_refused_and_nothing_is_kept(field, app):
    assessment_id, _ = field.start()
    uploads = bad_uploads()
    for name, data, message in uploads:
        response = post_photo(field, assessment_id, data, name)
        body = response.get_data(as_text=True)
        assert (response.status_code, message in body) == (422, True), name
        assert photo_rows() == 0 and stored_files(app) == [], name
    # the same files with a whole-section post: the answer sent with them is not saved either
    for name, data, message in uploads[:3] + uploads[-4:]:
        response = field.client.post(f"/assessments/{assessment_id}/sections/A", data={
            "csrf_token": field.token, "A1": "yes", "notes": "catatan", "photo-A1": (io.BytesIO(data), name),
            "go": "next"}, content_type="multipart/form-data")
        body = response.get_data(as_text=True)
        assert response.status_code == 422 and message in body, name
        assert 'value="yes" checked' in body  # what was typed is shown again, to send once more
        assert photo_rows() == 0 and stored_files(app) == [], name
        assert field.client.get(f"/assessments/{assessment_id}/sections/A").get_data(as_text=True).count(
            " checked") == 0


def test_polyglots_are_stored_as_their_picture_only(field, app):
    assessment_id, _ = field.start()
    jpeg = encode(quartered((64, 48)), "JPEG")
    polyglots = [jpeg + zip_of({"payload.js": "alert(1)"}), jpeg + b"<html>" + SCRIPT,
                 encode(quartered((64, 48)), "GIF") + zip_of({"META-INF/MANIFEST.MF": "Main-Class: x\n"}),
                 encode(quartered((64, 48)), "JPEG", comment=SCRIPT)]
    for number, data in enumerate(polyglots, 1):
        assert post_photo(field, assessment_id, data, "foto.jpg").status_code == 200
        assert photo_rows() == number
    for photo in db.session.scalars(select(Photo)):
        stored = stored_photo(photo.id)
        assert not [payload for payload in PAYLOADS if payload in stored]
        assert red_corners(Image.open(io.BytesIO(stored))) == {"top-left"}


def test_stored_photo_has_no_metadata_is_upright_and_served_as_jpeg_not_sniffed(field, app):
    assessment_id, _ = field.start()
    for data, corner in ((tagged_phone_jpeg(6), "top-right"), (tagged_png(8), "bottom-left")):
        assert post_photo(field, assessment_id, data, "foto.jpg").status_code == 200
        photo = db.session.scalars(select(Photo).order_by(Photo.created_at.desc(), Photo.id)).first()
        stored = stored_photo(photo.id)
        image = Image.open(io.BytesIO(stored))
        assert (image.format, image.size, red_corners(image)) == ("JPEG", (300, 400), {corner})
        assert not image.getexif() and not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert not {"exif", "xmp", "comment", "icc_profile"} & image.info.keys()
        assert not [leak for leak in LEAKS if leak in stored]
        served = field.client.get(f"/assessments/{assessment_id}/photos/{photo.id}.jpg")
        assert served.status_code == 200 and served.data == stored
        assert served.headers["Content-Type"] == "image/jpeg"
        assert served.headers["X-Content-Type-Options"] == "nosniff"


def fragment_says(response, status, message, code="A1"):
    """The reply is the question's photo list, with `message`, and `status`."""
    body = response.get_data(as_text=True)
    return (response.status_code, message in body, body.startswith(f'<div class="photos" id="photos-{code}">')) == (
        status, True, True)


def test_photos_are_capped_per_question_and_per_assessment(field, app, monkeypatch):
    assessment_id, _ = field.start()
    for _ in range(photos.MAX_PER_QUESTION):
        assert post_photo(field, assessment_id, JPEG, "foto.jpg").status_code == 200
    assert fragment_says(post_photo(field, assessment_id, JPEG, "foto.jpg"), 422, QUESTION_FULL)
    assert photo_rows() == 5 and len(stored_files(app)) == 5 and thumbnails() == 5
    # the whole-section post without JavaScript: refused, and nothing of the section saved
    refused = field.client.post(f"/assessments/{assessment_id}/sections/A", data={
        "csrf_token": field.token, "A1": "yes", "photo-A1": (io.BytesIO(JPEG), "foto.jpg"), "go": "next"},
        content_type="multipart/form-data")
    assert refused.status_code == 422 and QUESTION_FULL in refused.get_data(as_text=True)
    assert photo_rows() == 5 and answers(assessment_id) == {}
    # removing one makes room again
    first = db.session.scalars(select(Photo).order_by(Photo.created_at, Photo.id)).first()
    field.client.post(f"/assessments/{assessment_id}/photos/{first.id}/delete", data={"confirmed": "y"},
                      headers={"HX-Request": "true", "X-CSRFToken": field.token})
    assert post_photo(field, assessment_id, JPEG, "foto.jpg").status_code == 200 and photo_rows() == 5
    # the assessment's cap counts the photos of every question
    monkeypatch.setattr(photos, "MAX_PER_ASSESSMENT", 7)
    for _ in range(2):
        assert post_photo(field, assessment_id, JPEG, "foto.jpg", code="B1").status_code == 200
    assert fragment_says(post_photo(field, assessment_id, JPEG, "foto.jpg", code="C2"), 422, ASSESSMENT_FULL, "C2")
    assert photo_rows() == 7 and len(stored_files(app)) == 7 and thumbnails() == 7


HOLD = """import fcntl, os, sys
descriptor = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(descriptor, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()
"""


def test_an_upload_while_another_process_uploads_for_the_user_is_told_to_wait(field, app):
    """Another gunicorn worker holding the user's upload: a 429 with the message in the photo list. The lock
    dies with its holder, even killed, so nothing is left to block the user."""
    assessment_id, _ = field.start()
    path = photo_routes.upload_lock_path(db.session.scalar(select(User.id).where(User.username == "fas.diwek")))
    path.parent.mkdir(exist_ok=True)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline() == b"held\n"
        assert fragment_says(post_photo(field, assessment_id, JPEG, "foto.jpg"), 429, BUSY)
        assert photo_rows() == 0 and stored_files(app) == []
    finally:
        holder.kill()
        holder.wait()
    assert post_photo(field, assessment_id, JPEG, "foto.jpg").status_code == 200 and photo_rows() == 1


def test_a_second_upload_while_the_first_is_processed_is_told_to_wait(field, app, monkeypatch):
    assessment_id, _ = field.start()
    phone = app.test_client()  # the same facilitator's second request, on its own connection
    Auth(phone).login("fas.diwek")
    second = type(field)(phone, Auth(phone))
    processing, release, replies = threading.Event(), threading.Event(), []
    process = photo_routes.process_photo

    def slow(data):
        processing.set()
        release.wait(30)
        return process(data)
    monkeypatch.setattr(photo_routes, "process_photo", slow)
    first = threading.Thread(target=lambda: replies.append(post_photo(field, assessment_id, JPEG, "foto.jpg")))
    first.start()
    try:
        assert processing.wait(30)
        assert fragment_says(post_photo(second, assessment_id, JPEG, "foto.jpg", code="B1"), 429, BUSY, "B1")
    finally:
        release.set()
        first.join(30)
    assert replies[0].status_code == 200 and photo_rows() == 1
    assert post_photo(second, assessment_id, JPEG, "foto.jpg", code="B1").status_code == 200 and photo_rows() == 2


def test_a_photo_sent_again_from_the_outbox_is_kept_once(field, app):
    """app.js names each photo it queues; a second send of it (its first reply was lost) adds nothing."""
    assessment_id, _ = field.start()
    other_id, _ = field.start(another="y")
    photo_id = "5d7c4c62-0f5e-4a8e-9a43-3f1b2c7d9e10"
    jpeg = tagged_phone_jpeg(1, (800, 600))

    def send(to=assessment_id, given=photo_id):
        return field.client.post(f"/assessments/{to}/photos/A1", content_type="multipart/form-data",
                                 data={"photo-A1": (io.BytesIO(jpeg), "foto.jpg"), "photo_id": given},
                                 headers={"HX-Request": "true", "X-CSRFToken": field.token})
    first, again = send(), send()
    assert first.status_code == again.status_code == 200 and "Foto 1" in again.get_data(as_text=True)
    assert photo_rows() == 1 and str(db.session.scalar(select(Photo.id))) == photo_id
    # an id taken by another assessment, or the nil id, is not the phone's to give: a new one is used
    assert send(to=other_id).status_code == 200 and send(given=str(uuid.UUID(int=0))).status_code == 200
    ids = set(db.session.scalars(select(Photo.id)))
    assert len(ids) == 3 and uuid.UUID(int=0) not in ids
