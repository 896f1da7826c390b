"""`flask backup PATH`: a consistent copy of the SQLite database, taken while the app goes on writing."""
import os
import sqlite3
from pathlib import Path

import click
from flask.cli import with_appcontext

from app.extensions import db


class BackupError(Exception):
    pass


def copy_sqlite(source, target):
    """Copy the SQLite file `source` to `target` as one consistent snapshot; returns the copy's size.

    The backup API copies every page in one step, inside one read transaction: in WAL mode the
    app's writers go on meanwhile, and the copy is the database as it was when that step began.
    The copy is written beside `target` (mode 600: it holds personal data), checked, made a single
    self-contained file, and only then renamed over `target`, so `target` is never half-written.
    """
    source, target = Path(source).resolve(), Path(target)
    if not source.is_file():
        raise BackupError(f"{source} does not exist")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        # mode=rw: never create an empty database where the real one was expected.
        reader = sqlite3.connect(source.as_uri() + "?mode=rw", uri=True)
        copy = sqlite3.connect(partial)
        try:
            reader.execute("PRAGMA busy_timeout=5000")
            reader.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
            problems = [row[0] for row in copy.execute("PRAGMA integrity_check")]
        finally:
            copy.close()
            reader.close()
        if problems != ["ok"]:
            raise BackupError("the copy failed its integrity check: " + "; ".join(problems[:5]))
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target.stat().st_size


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
@with_appcontext
def command(path, force):
    """Copy the SQLite database to PATH, safely while the app runs (PostgreSQL: use pg_dump)."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(
            f"The database is {url.get_backend_name()}, not SQLite: back it up with pg_dump, "
            "e.g. pg_dump -Fc -f siapkop.dump DBNAME (see README, Backups).")
    if url.database in (None, "", ":memory:"):
        raise click.ClickException("The database is in memory: there is no file to back up.")
    if path.exists() and not force:
        raise click.ClickException(f"{path} already exists: give a new file name, or --force to replace it.")
    try:
        size = copy_sqlite(url.database, path)
    except (BackupError, OSError, sqlite3.Error) as exc:
        raise click.ClickException(f"No backup written: {exc}")
    click.echo(f"Backup written: {path} ({size:,} bytes, integrity check ok)")
