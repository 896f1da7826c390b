"""`flask cooperatives seed --regency CODE`."""
import click

from app.cooperatives import bp
from app.cooperatives.seed import seed_cooperatives
from app.extensions import db
from app.regions.models import Regency


@bp.cli.command("seed")
@click.option("--regency", required=True, help="Kemendagri code of the regency, e.g. 35.17.")
def seed(regency):
    """Create one cooperative for each village of REGENCY that has none (idempotent)."""
    if db.session.get(Regency, regency) is None:
        raise SystemExit(f"Regency {regency} is not loaded; run `flask regions load` first.")
    created = seed_cooperatives(db.session, regency)
    db.session.commit()
    click.echo(f"cooperatives: {created} created")
