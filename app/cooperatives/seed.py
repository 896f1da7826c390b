"""Create the missing cooperative of each village, with the programme's default name."""
from collections import Counter

from sqlalchemy import insert, select

from app.clock import utcnow
from app.cooperatives.models import Cooperative, default_name
from app.regions.models import District, Village
from app.rollups.tallies import count_cooperatives


def seed_cooperatives(session, regency_code):
    """Insert one cooperative per village of the regency that has none; return how many."""
    villages = session.scalars(
        select(Village)
        .join(Village.district)
        .outerjoin(Cooperative, Cooperative.village_code == Village.code)
        .where(District.regency_code == regency_code, Cooperative.id.is_(None))
        .order_by(Village.code)
    ).all()
    now = utcnow()
    rows = [{"village_code": v.code, "name": default_name(v), "updated_at": now} for v in villages]
    if rows:
        session.execute(insert(Cooperative), rows)
        count_cooperatives(session, Counter(v.district_code for v in villages))
    return len(rows)
