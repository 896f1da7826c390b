"""`flask backup PATH`: a consistent copy of the SQLite database, taken while answers are being saved."""
import os
import sqlite3
import stat
import threading
import time
import uuid

import pytest

from app.backup import copy_sqlite
from tests.support import BEST, INSTRUMENT

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def held_answers(path):
    """The answers in a SQLite file, after checking the file's integrity."""
    with sqlite3.connect(path) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert copy.execute("PRAGMA foreign_key_check").fetchall() == []
        rows = copy.execute("SELECT assessment_id, question_code, value FROM answer").fetchall()
    copy.close()
    return {(uuid.UUID(assessment), code): value for assessment, code, value in rows}


@SQLITE_ONLY
def test_backup_is_consistent_while_answers_are_saved(field, runner, tmp_path):
    assessments = [field.start(another="y")[0] for _ in range(3)]  # three visits of one cooperative, confirmed
    planned = {(uuid.UUID(a), q.code): BEST[q.code] for a in assessments for q in INSTRUMENT.questions}
    acknowledged = {}  # (assessment, question) -> value, once the server said "saved"
    errors = []

    def facilitator():
        try:
            for question in INSTRUMENT.questions:
                for assessment in assessments:
                    value = BEST[question.code]
                    response = field.save(assessment, question.code, value)
                    if response.status_code != 200:
                        errors.append((question.code, response.status_code))
                    acknowledged[(uuid.UUID(assessment), question.code)] = value
        except Exception as exc:  # surfaced below: a failed thread must fail the test
            errors.append(exc)

    out = tmp_path / "backups"
    out.mkdir()
    writer = threading.Thread(target=facilitator)
    writer.start()
    backups = during = 0
    while writer.is_alive() or backups == during:
        before = dict(acknowledged)
        writing = writer.is_alive()
        path = out / f"copy-{backups}.sqlite3"
        result = runner.invoke(args=["backup", str(path)])
        assert result.exit_code == 0, result.output
        assert f"Backup written: {path}" in result.output and "integrity check ok" in result.output
        held = held_answers(path)
        # Everything acknowledged before the copy began is in it, and nothing in it was never sent.
        assert before.items() <= held.items()
        assert held.items() <= planned.items()
        during += writing and len(acknowledged) > len(before)
        backups += 1
        time.sleep(0.02)
    writer.join()
    assert errors == [] and acknowledged == planned
    print(f"{backups} backups, {during} taken while answers were being saved")
    assert during >= 2, "no backup overlapped the writes"
    final = out / "final.sqlite3"
    assert runner.invoke(args=["backup", str(final)]).exit_code == 0
    assert held_answers(final) == acknowledged
    # A self-contained file, readable by its owner only: it holds names and phone numbers.
    assert stat.S_IMODE(final.stat().st_mode) == 0o600
    with sqlite3.connect(final) as copy:
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    copy.close()
    assert sorted(p.name for p in out.iterdir()) == sorted([f"copy-{n}.sqlite3" for n in range(backups)]
                                                           + ["final.sqlite3"])


@SQLITE_ONLY
def test_backup_refuses_to_overwrite_unless_forced(field, runner, tmp_path):
    assessment, _ = field.start()
    field.save(assessment, "A1", "yes")
    path = tmp_path / "siapkop-backup.sqlite3"
    path.write_text("an older backup")
    refused = runner.invoke(args=["backup", str(path)])
    assert refused.exit_code == 1 and "already exists" in refused.output and "--force" in refused.output
    assert path.read_text() == "an older backup"
    forced = runner.invoke(args=["backup", "--force", str(path)])
    assert forced.exit_code == 0, forced.output
    assert held_answers(path) == {(uuid.UUID(assessment), "A1"): "yes"}


def test_backup_of_postgresql_points_to_pg_dump(app, runner, tmp_path):
    path = tmp_path / "copy.sqlite3"
    result = runner.invoke(args=["backup", str(path)])
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        assert result.exit_code == 1
        assert "not SQLite" in result.output and "pg_dump -Fc" in result.output
        assert not path.exists()
    else:
        assert result.exit_code == 0 and held_answers(path) == {}


def test_a_missing_source_writes_nothing(tmp_path):
    with pytest.raises(Exception, match="does not exist"):
        copy_sqlite(tmp_path / "missing.sqlite3", tmp_path / "copy.sqlite3")
    assert os.listdir(tmp_path) == []


@SQLITE_ONLY
def test_the_backup_holds_the_photos(field, runner, tmp_path):
    """Photos are rows (app.storage): the one backup file holds them, with nothing else to copy."""
    from tests.test_assessments import jpeg, upload
    assessment_id, _ = field.start()
    assert upload(field, assessment_id, "A1", jpeg(400, 300)).status_code == 200
    assert runner.invoke(args=["backup", str(tmp_path / "copy.sqlite3")]).exit_code == 0
    with sqlite3.connect(tmp_path / "copy.sqlite3") as copy:
        photo_id, kept = copy.execute("SELECT id, jpeg FROM photo_bytes").fetchone()
    copy.close()
    served = field.client.get(f"/assessments/{assessment_id}/photos/{uuid.UUID(photo_id)}.jpg")
    assert served.status_code == 200 and kept == served.data
