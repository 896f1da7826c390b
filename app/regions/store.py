"""Write checked region rows to the database in one transaction: insert new, update changed."""
from sqlalchemy import insert, select, update

from app.regions.models import District, Province, Regency, Village

MODELS = (Province, Regency, District, Village)


def save_regions(session, regions):
    """Upsert every tier; return {table: (added, updated)}. The caller commits or rolls back."""
    counts = {}
    for model, rows in zip(MODELS, regions.tiers()):
        columns = [c.name for c in model.__table__.columns]
        existing = {r[0]: tuple(r) for r in session.execute(select(*[model.__table__.c[c] for c in columns]))}
        new, changed = [], []
        for row in rows:
            values = tuple(row[c] for c in columns)
            old = existing.get(row["code"])
            if old is None:
                new.append(dict(zip(columns, values)))
            elif old != values:
                changed.append(dict(zip(columns, values)))
        if new:
            session.execute(insert(model), new)
        if changed:
            session.execute(update(model), changed)
        counts[model.__tablename__] = (len(new), len(changed))
    return counts
