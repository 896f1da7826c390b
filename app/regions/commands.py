"""`flask regions load DIR [--regency CODE]`."""
import click

from app.extensions import db
from app.regions import bp
from app.regions.files import RegionFileError, read_regions
from app.regions.store import save_regions


@bp.cli.command("load")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--regency", help="Load only this regency (Kemendagri code, e.g. 35.17).")
def load(directory, regency):
    """Load or update regions from DIR; all-or-nothing, and a rerun changes nothing."""
    try:
        regions = read_regions(directory, regency)
    except RegionFileError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        raise SystemExit("Nothing was written.")
    try:
        counts = save_regions(db.session, regions)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    for table, (added, updated) in counts.items():
        click.echo(f"{table}: {added} added, {updated} updated")
