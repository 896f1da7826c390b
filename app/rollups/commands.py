"""`flask rollups rebuild`: recount the kept tallies from the assessments and say where they differed."""
import click
from flask.cli import with_appcontext

from app.extensions import db
from app.rollups.tallies import COOPERATIVES, rebuild


@click.group("rollups")
def command():
    """The tallies today's rollups read."""


@command.command("rebuild")
@click.option("--check", is_flag=True, help="Only compare: change nothing, and exit with status 1 on a difference.")
@with_appcontext
def rebuild_command(check):
    """Recount every area's tally and cooperative count from the assessments and cooperatives and replace the
    kept ones, reporting each difference found. Transitions wait meanwhile (PostgreSQL locks the tallies;
    SQLite has one writer)."""
    found = rebuild(db.session, keep=not check)
    for area, version, what, kept, recounted in found:
        counted = area if version is COOPERATIVES else f"{area} version {version}"
        click.echo(f"{counted} {what}: kept {kept}, recounted {recounted}")
    click.echo(f"{len(found)} difference(s) in {len({tuple(f[:2]) for f in found})} tally(ies) and count(s); "
               + ("nothing changed." if check else "all are recounted."))
    if check and found:
        raise SystemExit(1)
