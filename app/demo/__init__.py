"""`flask demo load`: Jombang's regions and cooperatives, the default instrument, a Bimtek session, and one
demo user per role."""
import secrets
from datetime import date

import click
from flask import Blueprint
from sqlalchemy import select

from app import ROOT
from app.auth.models import User
from app.bimtek.models import BimtekSession
from app.cooperatives.seed import seed_cooperatives
from app.extensions import db
from app.instruments.definition import load_text
from app.instruments.models import publish, version_in_use
from app.regions.files import read_regions
from app.regions.models import District
from app.regions.store import save_regions
from app.roles import ADMIN, FACILITATOR, SUPERVISOR

bp = Blueprint("demo", __name__, cli_group="demo")

JOMBANG = "35.17"
DIWEK, WONOSALAM = "35.17.08", "35.17.05"
INSTRUMENT_FILE = ROOT / "instruments" / "kdmp-tata-kelola-v1.yaml"
# username, name, role, kecamatan covered
DEMO_USERS = (
    ("dinas", "Dinas Koperasi dan Usaha Mikro Jombang", ADMIN, ()),
    ("supervisor", "Supervisor Diwek dan Wonosalam", SUPERVISOR, (DIWEK, WONOSALAM)),
    ("pendamping", "Pendamping Diwek", FACILITATOR, (DIWEK,)),
)


@bp.cli.command("load")
def load():
    """Load Jombang, seed its cooperatives, publish the default instrument, and (re)set the demo
    users' passwords; print the logins."""
    counts = save_regions(db.session, read_regions(ROOT / "data" / "regions", JOMBANG))
    created = seed_cooperatives(db.session, JOMBANG)
    source = INSTRUMENT_FILE.read_text(encoding="utf-8")
    instrument = load_text(source)
    publish(db.session, instrument, source, use=version_in_use(db.session, instrument.code) is None)
    logins = [_demo_user(*spec) for spec in DEMO_USERS]
    _demo_bimtek()
    db.session.commit()
    click.echo(f"Jombang: {counts['village'][0]} villages added, {created} cooperatives created.")
    click.echo(f"Instrument: new assessments use {version_in_use(db.session, instrument.code).label}.")
    click.echo("Demo logins (new passwords on every run):")
    for username, role, password in logins:
        click.echo(f"  {role:<12} {username:<12} {password}")


def _demo_bimtek():
    """The 14 October 2025 Bimtek for Diwek and Wonosalam, once."""
    title = "Bimtek Tata Kelola Koperasi Desa/Kelurahan Merah Putih"
    if db.session.scalar(select(BimtekSession).where(BimtekSession.title == title)) is None:
        db.session.add(BimtekSession(
            title=title, held_on=date(2025, 10, 14), venue="Ruang Bung Tomo", regency_code=JOMBANG,
            districts=list(db.session.scalars(select(District).where(District.code.in_((DIWEK, WONOSALAM)))))))


def _demo_user(username, name, role, district_codes):
    user = db.session.scalar(select(User).where(User.username == username)) or User(username=username)
    user.name, user.role, user.active = name, role, True
    user.regency_code = JOMBANG if role == ADMIN else None
    user.districts = list(db.session.scalars(select(District).where(District.code.in_(district_codes))))
    password = secrets.token_urlsafe(8)
    user.set_password(password)
    db.session.add(user)
    return username, role, password
