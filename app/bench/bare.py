"""The load test's baseline: a bare Flask app whose one endpoint upserts one answer, on the same database.

No login, no CSRF, no templates: what an autosave would cost if it did nothing but write. Served by
gunicorn exactly like the real app: `gunicorn 'app.bench.bare:create_bare_app()'` with DATABASE_URL.
"""
import os
import uuid

from flask import Flask, request
from sqlalchemy import create_engine

from app.assessments.models import Answer
from app.cooperatives.models import utcnow
from app.extensions import upsert
from config import database_url


def baseline_id(username):
    """The assessment the bare app writes to for a loader user (made by the benchmark beforehand)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"siapkop-bench:{username}")


def create_bare_app():
    app = Flask(__name__)
    engine = create_engine(database_url(os.environ["DATABASE_URL"]))

    @app.post("/upsert")
    def upsert_answer():
        row = {"assessment_id": baseline_id(request.form["user"]), "question_code": request.form["code"],
               "value": request.form["value"], "not_applicable": False, "updated_at": utcnow()}
        statement = upsert(engine.dialect.name, Answer.__table__, row)
        with engine.begin() as connection:
            connection.execute(statement.on_conflict_do_update(
                index_elements=["assessment_id", "question_code"],
                set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at}))
        return "ok"

    return app
