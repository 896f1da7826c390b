"""`flask db copy --to URL`: SQLite to PostgreSQL, every table, verified by row counts and checksums."""
import itertools
import os
import shutil
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.assessments.models import Answer, Assessment, Photo
from app.auth.models import User
from app import dbcopy
from app.dbcopy import compare, copy_tables, target_problems
from app.extensions import db
from tests.serving import free_port
from tests.support import Auth, add_user, make_app
from tests.world import HOME, build

_numbers = itertools.count()


@pytest.fixture
def target(postgres):
    """A fresh, migrated, empty PostgreSQL database for the copy."""
    name = f"siapkop_copy_{os.getpid()}_{next(_numbers)}"
    postgres.execute(f"CREATE DATABASE {name} TEMPLATE siapkop_template")
    yield f"{postgres.url}/{name}"
    postgres.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def source(tmp_path, sqlite_jombang):
    """The app on a SQLite copy of Jombang holding tests/world.py's areas: assessments in every state, notes,
    a photo, comments, Bimtek sessions, participants, attendance, tests and follow-up actions."""
    path, photos = tmp_path / "source.sqlite3", tmp_path / "photos"
    shutil.copy(sqlite_jombang, path)
    app = make_app(f"sqlite:///{path}", PHOTO_FOLDER=str(photos))
    with app.app_context():
        app.areas = build(photos)
        db.session.remove()
        yield app
        db.session.remove()
        db.engine.dispose()


def counts(engine):
    """Rows per table, counted plainly."""
    with engine.connect() as connection:
        return {table.name: connection.scalar(sa.select(sa.func.count()).select_from(table))
                for table in db.metadata.sorted_tables}


def held(engine, model, *columns):
    """Some columns of every row of a model, ordered by the first two; times as aware UTC (SQLite gives back
    UTC without its zone, PostgreSQL the same instant with it)."""
    aware = lambda v: v.replace(tzinfo=UTC) if isinstance(v, datetime) and v.tzinfo is None else v  # noqa: E731
    with engine.connect() as connection:
        rows = connection.execute(sa.select(*(getattr(model, c) for c in columns))).all()
    return sorted((tuple(aware(v) for v in row) for row in rows), key=lambda row: str(row[:2]))


def test_copy_sqlite_to_postgresql_keeps_every_row(source, target, tmp_path):
    before = counts(db.engine)
    assert all(before.values()), f"tables the world leaves empty: {[t for t, n in before.items() if not n]}"
    result = source.test_cli_runner().invoke(args=["db", "copy", "--to", target, "--batch", "7"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for table, rows in before.items():  # printed: rows on both sides, the checksum, ok
        assert any(line.split()[:3] == [table, f"{rows:,}", f"{rows:,}"] and line.endswith("  ok") for line in lines)
    assert f"All {len(before)} tables equal: {sum(before.values()):,} rows." in result.output

    copy = sa.create_engine(target)
    try:
        assert counts(copy) == before
        for model, columns in ((Answer, ("assessment_id", "question_code", "value", "updated_at")),
                               (Assessment, ("id", "status", "result", "created_at", "submitted_at")),
                               (Photo, ("id", "assessment_id", "question_code", "created_at"))):
            assert held(db.engine, model, *columns) == held(copy, model, *columns)
    finally:
        copy.dispose()

    # The app runs on the copy: the facilitator sees her visit and its photo; new rows get new ids.
    area = source.areas[HOME]
    moved = make_app(target, PHOTO_FOLDER=source.config["PHOTO_FOLDER"])
    with moved.app_context():
        client = moved.test_client()
        assert Auth(client).login("fas.diwek").status_code == 302
        draft = area.assessments["draft"]
        assert "ZQDIWEK" in client.get(f"/assessments/{draft}").get_data(as_text=True)
        photo = client.get(f"/assessments/{draft}/photos/{area.photo}.jpg")
        assert photo.status_code == 200 and photo.data[:2] == b"\xff\xd8"
        last = db.session.scalar(sa.select(sa.func.max(User.id)))
        newcomer = add_user("pendamping.baru", "facilitator")
        db.session.commit()  # PostgreSQL's sequence goes on after the copied ids
        assert newcomer.id == last + 1
        db.session.remove()
        db.engine.dispose()


def test_copy_refuses_a_target_that_is_not_empty_or_not_migrated(source, target, postgres):
    runner = source.test_cli_runner()
    assert runner.invoke(args=["db", "copy", "--to", target]).exit_code == 0
    again = runner.invoke(args=["db", "copy", "--to", target])
    assert again.exit_code == 1
    assert "Nothing copied: the target is not empty (" in again.output and "app_user" in again.output
    copy = sa.create_engine(target)
    try:
        assert counts(copy) == counts(db.engine)  # the first copy, untouched
    finally:
        copy.dispose()

    bare = f"siapkop_bare_{os.getpid()}"
    postgres.execute(f"CREATE DATABASE {bare}")
    try:
        refused = runner.invoke(args=["db", "copy", "--to", f"{postgres.url}/{bare}"])
        assert refused.exit_code == 1 and "run `flask db upgrade`" in refused.output
    finally:
        postgres.execute(f"DROP DATABASE {bare} WITH (FORCE)")
    itself = runner.invoke(args=["db", "copy", "--to", source.config["SQLALCHEMY_DATABASE_URI"]])
    assert itself.exit_code == 1 and "the database this app uses" in itself.output
    nonsense = runner.invoke(args=["db", "copy", "--to", "nonsense"])
    assert nonsense.exit_code == 1 and "Cannot use 'nonsense' as a database URL" in nonsense.output
    unreachable = runner.invoke(args=["db", "copy", "--to", f"postgresql://siapkop:SECRET@127.0.0.1:{free_port()}/x"])
    assert unreachable.exit_code == 1 and "Copy failed, nothing was kept in the target" in unreachable.output
    assert "SECRET" not in unreachable.output


def test_check_finds_a_changed_row_and_names_its_table(source, target):
    runner = source.test_cli_runner()
    assert runner.invoke(args=["db", "copy", "--to", target]).exit_code == 0
    assert runner.invoke(args=["db", "copy", "--to", target, "--check"]).exit_code == 0
    copy = sa.create_engine(target)
    try:
        with copy.begin() as connection:  # one answer changed behind the app's back: counts still agree
            connection.execute(sa.text(
                "UPDATE answer SET value = 'no' WHERE question_code = 'A1' AND assessment_id = "
                "(SELECT assessment_id FROM answer WHERE question_code = 'A1' LIMIT 1)"))
    finally:
        copy.dispose()
    checked = runner.invoke(args=["db", "copy", "--to", target, "--check"])
    assert checked.exit_code == 1
    mismatched = [line.split()[0] for line in checked.output.splitlines() if "MISMATCH" in line]
    assert mismatched == ["answer"]
    assert "1 table(s) differ: answer." in checked.output


def test_any_table_of_the_metadata_is_copied_with_its_bytes_and_times(tmp_path, target, monkeypatch):
    """A table the models will gain (photos as rows, say) needs no change to the copy: bytes, aware times,
    text keys PostgreSQL would sort otherwise, JSON and NULLs come across equal."""
    metadata = sa.MetaData()
    blobs = sa.Table("blob_copy_test", metadata,
                     sa.Column("key", sa.String(20), primary_key=True),
                     sa.Column("id", sa.Uuid, nullable=False),
                     sa.Column("data", sa.LargeBinary),
                     sa.Column("at", sa.DateTime(timezone=True)),
                     sa.Column("extra", sa.JSON),
                     sa.Column("size", sa.Float))
    rows = [{"key": key, "id": uuid.uuid4(), "data": os.urandom(n * 1000) if n % 3 else None,
             "at": datetime(2025, 10, 14, n, tzinfo=UTC), "extra": {"n": n, "kata": "Koperasi Ñ"}, "size": n / 3}
            for n, key in enumerate(["b", "B", "a-1", "a_1", "Z", "é", "10", "9", "ab", "a"])]
    source = sa.create_engine(f"sqlite:///{tmp_path / 'blobs.sqlite3'}")
    copy = sa.create_engine(target)
    try:
        for engine in (source, copy):
            metadata.create_all(engine)
        with source.begin() as connection:
            connection.execute(blobs.insert(), rows)
        assert target_problems(metadata, source, copy)  # neither is migrated: refused, with the reason
        monkeypatch.setattr(dbcopy, "SAY_EVERY", 4)
        heard = []
        copy_tables(metadata, source, copy, batch=300, progress=lambda *said: heard.append(said))
        # rows with files go 3 at a time (300 / BLOB_SHARE), and a long table is reported on the way
        assert heard == [("blob_copy_test", 6, False), ("blob_copy_test", 9, False), ("blob_copy_test", 10, True)]
        pairs, differing = compare(metadata, source, copy, batch=4)
        assert differing == [] and pairs[0][1].rows == len(rows)
        with copy.connect() as connection:
            assert {row.key: (row.data, row.at, row.extra) for row in connection.execute(sa.select(blobs))} == {
                row["key"]: (row["data"], row["at"], row["extra"]) for row in rows}
    finally:
        source.dispose()
        copy.dispose()


def test_copy_back_from_postgresql_to_sqlite_gives_the_same_tables(source, target, sqlite_template, tmp_path):
    """The way back (or a SQLite copy of a PostgreSQL database to look at): the same checksums."""
    assert source.test_cli_runner().invoke(args=["db", "copy", "--to", target]).exit_code == 0
    back = tmp_path / "back.sqlite3"
    shutil.copy(sqlite_template, back)
    moved = make_app(target)
    with moved.app_context():
        result = moved.test_cli_runner().invoke(args=["db", "copy", "--to", f"sqlite:///{back}"])
        assert result.exit_code == 0, result.output
        db.engine.dispose()
    original, returned = db.engine, sa.create_engine(f"sqlite:///{back}")
    try:
        pairs, differing = compare(db.metadata, original, returned)
        assert differing == [] and sum(mine.rows for mine, _ in pairs) == sum(counts(original).values())
        assert held(original, Answer, "assessment_id", "question_code", "value", "updated_at") == held(
            returned, Answer, "assessment_id", "question_code", "value", "updated_at")
    finally:
        returned.dispose()
