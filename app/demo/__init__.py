"""`flask demo load`: Jombang's regions and cooperatives, the default instrument, a Bimtek session with some
participants, and one demo user per role."""
import secrets
from datetime import date

import click
from flask import Blueprint
from sqlalchemy import select

from app import ROOT
from app.auth.models import User
from app.bimtek.models import BimtekSession
from app.bimtek.people import NewPerson, register
from app.cooperatives.models import Cooperative, Officer
from app.cooperatives.seed import seed_cooperatives
from app.extensions import db
from app.instruments.definition import load_text
from app.instruments.models import publish, version_in_use
from app.regions.files import read_regions
from app.regions.models import District, Village
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
    session = _demo_bimtek()
    db.session.commit()
    click.echo(f"Jombang: {counts['village'][0]} villages added, {created} cooperatives created.")
    click.echo(f"Instrument: new assessments use {version_in_use(db.session, instrument.code).label}.")
    click.echo(f"Bimtek {session.held_on:%d-%m-%Y}: {len(session.participants)} participants.")
    click.echo("Demo logins (new passwords on every run):")
    for username, role, password in logins:
        click.echo(f"  {role:<12} {username:<12} {password}")


def _demo_bimtek():
    """The 14-15 October 2025 Bimtek for Diwek and Wonosalam, once, with its demo participants."""
    title = "Bimtek Tata Kelola Koperasi Desa/Kelurahan Merah Putih"
    session = db.session.scalar(select(BimtekSession).where(BimtekSession.title == title))
    if session is None:
        session = BimtekSession(
            title=title, held_on=date(2025, 10, 14), venue="Ruang Bung Tomo", regency_code=JOMBANG,
            districts=list(db.session.scalars(select(District).where(District.code.in_((DIWEK, WONOSALAM))))))
        db.session.add(session)
    session.ends_on = session.ends_on or date(2025, 10, 15)
    if not session.participants:  # once: what the Dinas changed since stays as it is
        _demo_participants(session)
    return session


# The pengurus the demo gives a cooperative that has none recorded: (role, first name, family name)
DEMO_OFFICERS = (("pengurus:ketua", "Slamet", "Riyadi"), ("pengurus:sekretaris", "Dewi", "Lestari"),
                 ("pengurus:bendahara", "Agus", "Santoso"), ("pengawas:ketua", "Sri", "Wahyuni"))
DEMO_COOPERATIVES = 3  # per kecamatan, the first by village name, send their ketua and sekretaris
# A manager who is not an officer, with a NIK issued in Diwek to a woman born 5 July 1985
DEMO_NEWCOMER = NewPerson("Siti Aminah", "Manajer Usaha", "0812 3000 1985", "3517084507850001")


def _demo_participants(session):
    """Two pengurus from each of a few Diwek and Wonosalam cooperatives (officers made where none are
    recorded), and one new person with a NIK."""
    first = None
    for district in (DIWEK, WONOSALAM):
        cooperatives = db.session.scalars(
            select(Cooperative).join(Cooperative.village).where(Village.district_code == district)
            .order_by(Village.name).limit(DEMO_COOPERATIVES)).all()
        for cooperative in cooperatives:
            if not cooperative.officers:
                cooperative.officers = [Officer(role=role, name=f"{name} {family}", phone=None)
                                        for role, name, family in DEMO_OFFICERS]
                db.session.flush()
            chosen = [o for o in cooperative.officers if o.role in ("pengurus:ketua", "pengurus:sekretaris")]
            register(session, cooperative, chosen[:2])
            first = first or cooperative
    if first is not None:
        register(session, first, [], DEMO_NEWCOMER)


def _demo_user(username, name, role, district_codes):
    user = db.session.scalar(select(User).where(User.username == username)) or User(username=username)
    user.name, user.role, user.active = name, role, True
    user.regency_code = JOMBANG if role == ADMIN else None
    user.districts = list(db.session.scalars(select(District).where(District.code.in_(district_codes))))
    password = secrets.token_urlsafe(8)
    user.set_password(password)
    db.session.add(user)
    return username, role, password
