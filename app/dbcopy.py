"""`flask db copy --to URL`: every table of the configured database into an empty, migrated one, then verified.

The way from SQLite to PostgreSQL (or back, or between two servers). Generic over the tables of the
models' metadata, so a table another feature adds (photos kept as rows, say) is copied with no change here.
"""
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import click
from flask.cli import with_appcontext
from sqlalchemy import Integer, LargeBinary, String, create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db

BATCH = 1000  # rows read and written at a time
BLOB_SHARE = 100  # a table with a binary column (photos) goes in batches this many times smaller
SAY_EVERY = 100_000  # rows between two progress lines of a long table


class CopyError(Exception):
    pass


@dataclass(frozen=True)
class TableSum:
    """One table's row count and the SHA-256 of its rows, in primary-key order."""
    table: str
    rows: int
    checksum: str


def ordered(table, dialect):
    """All rows of `table` in primary-key order; text keys in byte order on both databases
    (PostgreSQL's collation could otherwise sort them differently from SQLite)."""
    keys = list(table.primary_key.columns) or list(table.columns)
    return select(table).order_by(*(
        key.collate("C") if dialect == "postgresql" and isinstance(key.type, String) else key for key in keys))


def batch_of(table, batch):
    """Rows per batch for `table`: fewer where rows carry files (a thousand photos would be hundreds of MB)."""
    if any(isinstance(column.type, LargeBinary) for column in table.columns):
        return max(1, batch // BLOB_SHARE)
    return batch


def as_utc(value):
    """A time of a timezone-aware column as an aware UTC datetime: SQLite keeps UTC without the zone."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def canonical(value, column):
    """`value` of `column` in a form that is equal on every database for equal data."""
    if value is None or isinstance(value, (bool, int, str, dict, list)):
        return value
    if isinstance(value, datetime):
        return (as_utc(value) if getattr(column.type, "timezone", False) else value).isoformat()
    if isinstance(value, (date, uuid.UUID)):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, (bytes, memoryview)):
        return "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
    raise CopyError(f"{column.table.name}.{column.name}: no canonical form for {type(value).__name__}")


def table_sum(connection, table, batch=BATCH):
    """Count and hash the rows of `table`, read in primary-key order, the same way on any database."""
    digest, rows = hashlib.sha256(), 0
    result = connection.execution_options(yield_per=batch_of(table, batch)).execute(
        ordered(table, connection.dialect.name))
    for part in result.partitions():
        for row in part:
            values = [canonical(value, column) for value, column in zip(row, table.columns)]
            digest.update(json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode())
            digest.update(b"\n")
            rows += 1
    return TableSum(table.name, rows, digest.hexdigest())


def sums(engine, metadata, batch=BATCH):
    """Every table's TableSum, in one read transaction."""
    with engine.connect() as connection:
        return [table_sum(connection, table, batch) for table in metadata.sorted_tables]


def revision(engine):
    """The migration the database is at, or None if it has never been migrated."""
    with engine.connect() as connection:
        try:
            return connection.scalar(text("SELECT version_num FROM alembic_version"))
        except SQLAlchemyError:
            return None


def target_problems(metadata, source, target):
    """Why `target` cannot receive a copy of `source`: not migrated to the same revision, or not empty."""
    have, want = revision(target), revision(source)
    if have is None:
        return ["the target has no tables yet: run `flask db upgrade` with DATABASE_URL set to it first"]
    if have != want:
        return [f"the target is at migration {have}, the source at {want}: bring both to the same one "
                "(`flask db upgrade`)"]
    with target.connect() as connection:
        full = [table.name for table in metadata.sorted_tables
                if connection.scalar(select(func.count()).select_from(table))]
    if full:
        return [f"the target is not empty ({', '.join(full)}): copy only into a freshly migrated database"]
    return []


def prepared(row, table):
    """A row read from one database as values for the other: times of aware columns in explicit UTC."""
    values = dict(row._mapping)
    for column in table.columns:
        if getattr(column.type, "timezone", False) and values[column.name] is not None:
            values[column.name] = as_utc(values[column.name])
    return values


def copy_tables(metadata, source, target, batch=BATCH, progress=lambda table, rows, done: None):
    """Copy every table of `metadata`, parents before children, in batches, in ONE target transaction:
    if anything fails, the target stays empty and the copy can simply be run again. `progress` hears of
    each table when done, and every SAY_EVERY rows of a long one."""
    with source.connect() as reader, target.begin() as writer:
        for table in metadata.sorted_tables:
            copied = 0
            result = reader.execution_options(yield_per=batch_of(table, batch)).execute(
                ordered(table, reader.dialect.name))
            for part in result.partitions():
                writer.execute(table.insert(), [prepared(row, table) for row in part])
                if (copied + len(part)) // SAY_EVERY > copied // SAY_EVERY:
                    progress(table.name, copied + len(part), False)
                copied += len(part)
            progress(table.name, copied, True)
        if writer.dialect.name == "postgresql":
            restart_sequences(writer, metadata)


def restart_sequences(connection, metadata):
    """Let PostgreSQL's id sequences go on after the copied ids, or the next new row would collide."""
    for table in metadata.sorted_tables:
        keys = list(table.primary_key.columns)
        if len(keys) == 1 and isinstance(keys[0].type, Integer):
            connection.execute(
                text(f'SELECT setval(pg_get_serial_sequence(:table, :column), '
                     f'COALESCE(MAX("{keys[0].name}"), 0) + 1, false) FROM "{table.name}"'),
                {"table": f'"{table.name}"', "column": keys[0].name})


def compare(metadata, source, target, batch=BATCH):
    """The source's and the target's TableSum per table, and the names of the tables that differ."""
    pairs = list(zip(sums(source, metadata, batch), sums(target, metadata, batch)))
    return pairs, [mine.table for mine, theirs in pairs if mine != theirs]


def report(pairs):
    """The lines `flask db copy` prints: per table, rows on both sides, the checksum, and the verdict."""
    width = max((len(mine.table) for mine, _ in pairs), default=5)
    lines = [f"{'table':<{width}}  {'source':>9}  {'target':>9}  checksum (sha256)"]
    for mine, theirs in pairs:
        verdict = "ok" if mine == theirs else f"MISMATCH (target {theirs.checksum[:16]})"
        lines.append(f"{mine.table:<{width}}  {mine.rows:>9,}  {theirs.rows:>9,}  {mine.checksum[:16]}  {verdict}")
    return lines


def copy_into(metadata, source, target, batch, shown):
    """The copying half of the command: refuse a target that is not ready, else copy, saying how far it got."""
    try:
        problems = target_problems(metadata, source, target)
        if problems:
            raise click.ClickException("Nothing copied: " + "; ".join(problems) + ".")
        click.echo(f"Copying {source.url.render_as_string(hide_password=True)} to {shown} ...")
        copy_tables(metadata, source, target, batch,
                    progress=lambda table, rows, done: click.echo(f"  {table}: {rows:,} rows{'' if done else ' ...'}"))
    except (SQLAlchemyError, CopyError) as exc:
        raise click.ClickException(f"Copy failed, nothing was kept in the target: {exc}")


@click.command("copy")
@click.option("--to", "to", required=True, metavar="URL",
              help="The target database, e.g. postgresql://siapkop:...@db:5432/siapkop (migrated, empty).")
@click.option("--check", is_flag=True, help="Copy nothing: only compare row counts and checksums.")
@click.option("--batch", default=BATCH, show_default=True, type=click.IntRange(1), help="Rows per batch.")
@with_appcontext
def command(to, check, batch):
    """Copy every table of this app's database to an empty, migrated database, then verify each table."""
    from config import database_url
    source, metadata = db.engine, db.metadata
    try:
        target = create_engine(database_url(to))
    except (SQLAlchemyError, ValueError) as exc:
        raise click.ClickException(f"Cannot use {to!r} as a database URL: {exc}")
    if make_url(target.url) == make_url(source.url):
        raise click.ClickException("The target is the database this app uses: name another one.")
    shown = target.url.render_as_string(hide_password=True)
    try:
        if not check:
            copy_into(metadata, source, target, batch, shown)
        try:
            pairs, differing = compare(metadata, source, target, batch)
        except (SQLAlchemyError, CopyError) as exc:
            raise click.ClickException(f"Could not compare the databases: {exc}")
    finally:
        target.dispose()
    for line in report(pairs):
        click.echo(line)
    if differing:
        raise click.ClickException(
            f"{len(differing)} table(s) differ: {', '.join(differing)}. If an app server was still running, "
            "stop them all, copy again into a freshly migrated database, then start them on it.")
    click.echo(f"All {len(pairs)} tables equal: {sum(mine.rows for mine, _ in pairs):,} rows.")
