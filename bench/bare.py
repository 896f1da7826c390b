"""The load test's baseline: a bare Flask app whose one endpoint upserts one answer, on the same database.

No login, no CSRF, no templates: what an autosave would cost if it did nothing but write. Served by
gunicorn exactly like the real app: `gunicorn 'bench.bare:create_bare_app()'` with DATABASE_URL.
"""
import os
import uuid

from flask import Flask, request
from sqlalchemy import bindparam, create_engine

from app.assessments.models import Answer
from app.clock import utcnow
from app.extensions import upsert
from config import database_url


def baseline_id(username):
    """The assessment the bare app writes to for a loader user (made by the benchmark beforehand)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"siapkop-bench:{username}")


def create_bare_app():
    app = Flask(__name__)
    engine = create_engine(database_url(os.environ["DATABASE_URL"]))
    answer = Answer.__table__
    # Built once, as SiapKop's own autosave statements are: each request only runs it.
    statement = upsert(engine.dialect.name, answer, {
        name: bindparam(name, type_=answer.c[name].type)
        for name in ("assessment_id", "question_code", "value", "not_applicable", "updated_at")})
    statement = statement.on_conflict_do_update(
        index_elements=["assessment_id", "question_code"],
        set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at})

    @app.post("/upsert")
    def upsert_answer():
        with engine.begin() as connection:
            connection.execute(statement, {
                "assessment_id": baseline_id(request.form["user"]), "question_code": request.form["code"],
                "value": request.form["value"], "not_applicable": False, "updated_at": utcnow()})
        return "ok"

    return app
