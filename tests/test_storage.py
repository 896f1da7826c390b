"""Photos kept in the database (app.storage): `flask photos migrate` moves the files of older versions in,
resumably, and `/healthz` says whether this app server can serve."""
import io
from pathlib import Path

from flask_migrate import upgrade
from PIL import Image
from sqlalchemy import delete, func, select, text

from app.assessments.models import Assessment, Photo
from app.assessments.photos import process_photo
from app.assessments.service import store_photo
from app.extensions import db
from app.followup.models import FollowupAction
from app.followup.service import store_action_photo
from app.storage.models import PhotoBytes
from tests.support import make_app, stored_photo
from tests.test_assessments import jpeg
from tests.test_followup import generate, plan  # noqa: F401 (plan: a fixture)


def kept_as_files(folder):
    """Turn every stored photo back into files laid out as older versions kept them (thumbnails beside
    the assessments' photos but the first's, made before thumbnails were), and empty the table."""
    names = {photo.id: (photo.filename, photo.thumb_filename) for photo in db.session.scalars(select(Photo))}
    names.update({a.photo_id: (f"actions/{a.photo_id}.jpg", None)
                  for a in db.session.scalars(select(FollowupAction).where(FollowupAction.photo_id.is_not(None)))})
    files = {}
    for index, row in enumerate(db.session.scalars(select(PhotoBytes).order_by(PhotoBytes.created_at))):
        name, thumb_name = names[row.id]
        Path(folder, name).parent.mkdir(parents=True, exist_ok=True)
        Path(folder, name).write_bytes(row.jpeg)
        if thumb_name and index:
            Path(folder, thumb_name).write_bytes(row.thumb)
        files[row.id] = (name, row.jpeg)
    db.session.execute(delete(PhotoBytes))
    db.session.commit()
    return files


def migrate(app, *args):
    return app.test_cli_runner().invoke(args=["photos", "migrate", *args])


def test_photo_files_move_into_the_database_resumably_and_are_served_from_it(app, plan, client, tmp_path):
    folder = tmp_path / "photos"
    visits = db.session.scalars(select(Assessment).order_by(Assessment.id)).all()
    for visit, size in zip(visits, ((1600, 1200), (900, 1200))):
        store_photo(visit, "A1", process_photo(jpeg(*size)))
        store_photo(visit, "A2", process_photo(jpeg(400, 300)))
    db.session.commit()
    assert generate(client, plan).status_code == 302  # logged in as the Dinas
    action = db.session.scalars(select(FollowupAction).order_by(FollowupAction.id)).first()
    store_action_photo(action, process_photo(jpeg(1200, 900)))
    db.session.commit()
    action_id, action_photo = action.id, action.photo_id
    files = kept_as_files(folder)
    assert len(files) == 5 and not db.session.scalar(select(func.count()).select_from(PhotoBytes))
    (lost, (lost_name, lost_bytes)), (cut, (cut_name, cut_bytes)) = list(files.items())[1:3]
    Path(folder, lost_name).unlink()
    Path(folder, cut_name).write_bytes(cut_bytes[:-10])  # a copy cut short: its size is not the row's

    first = migrate(app)
    assert first.exit_code == 1, first.output
    assert "Photos moved: 3, already in the database: 0, missing: 1, damaged: 1; files kept" in first.output
    assert f"missing: {folder / lost_name}" in first.output and f"damaged: {folder / cut_name}" in first.output
    assert stored_photo(lost) is None and stored_photo(cut) is None
    Path(folder, lost_name).write_bytes(lost_bytes)
    Path(folder, cut_name).write_bytes(cut_bytes)
    again = migrate(app)  # resumes: what is in the database is not read again
    assert again.exit_code == 0, again.output
    assert "Photos moved: 2, already in the database: 3, missing: 0, damaged: 0; files kept" in again.output
    assert {photo_id: stored_photo(photo_id) for photo_id in files} == {k: v[1] for k, v in files.items()}
    assert all(Path(folder, name).exists() for name, _ in files.values())

    for photo in db.session.scalars(select(Photo)):
        served = client.get(f"/assessments/{photo.assessment_id}/photos/{photo.id}.jpg")
        assert (served.status_code, served.data) == (200, files[photo.id][1])
        thumb = client.get(f"/assessments/{photo.assessment_id}/photos/{photo.id}/thumb.jpg")
        assert max(Image.open(io.BytesIO(thumb.data)).size) == 240  # made by migrate where it was never kept
    assert client.get(f"/followup/actions/{action_id}/photo.jpg").data == files[action_photo][1]

    removed = migrate(app, "--remove")
    assert removed.exit_code == 0 and "already in the database: 5" in removed.output
    assert "files removed: 5" in removed.output
    assert [p for p in folder.rglob("*") if p.is_file()] == []
    assert "files removed: 0" in migrate(app, "--remove").output


def test_healthz_is_200_when_the_database_is_at_head_and_writable(app, client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert response.json == {"status": "ok", "database": True, "migrations": True, "storage": True}
    assert db.session.scalar(select(func.count()).select_from(PhotoBytes)) == 0  # its write was rolled back


def test_healthz_is_503_naming_what_fails(tmp_path):
    behind = make_app(f"sqlite:///{tmp_path / 'behind.sqlite3'}")
    with behind.app_context():
        upgrade(revision="0008_training_loop")
        assert health(behind) == (503, {"status": "unavailable", "database": True, "migrations": False,
                                        "storage": False})
        upgrade()
        assert health(behind)[0] == 200
        db.session.execute(text("DROP TABLE photo_bytes"))  # at head, but no photo can be written
        db.session.commit()
        assert health(behind) == (503, {"status": "unavailable", "database": True, "migrations": True,
                                        "storage": False})
        db.engine.dispose()
    gone = make_app(f"sqlite:///{tmp_path / 'no-such-folder' / 'siapkop.sqlite3'}")
    with gone.app_context():
        assert health(gone) == (503, {"status": "unavailable", "database": False, "migrations": False,
                                      "storage": False})


def health(app):
    response = app.test_client().get("/healthz")
    return response.status_code, response.json
