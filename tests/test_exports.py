"""The exports as a spreadsheet opens them: every cell of user text inert, every answer once at every area level."""
import csv
import io
import uuid
from datetime import date

import openpyxl
import pytest
from sqlalchemy import func, select

from app.assessments.models import Answer, Assessment
from app.assessments.service import parse_answer, save_answer, start, transition
from app.assessments.workflow import APPROVED
from app.auth.models import ADMIN, FACILITATOR, SUPERVISOR, User
from app.cooperatives.models import Cooperative
from app.cooperatives.seed import seed_cooperatives
from app.extensions import db
from app.instruments.models import publish
from app.regions.files import read_regions
from app.regions.models import District, Regency, Village
from app.regions.store import save_regions
from tests.conftest import BEST, DIWEK, INSTRUMENT, REGIONS_DIR, SOURCE, WONOSALAM, add_user

MOJOKERTO, PACET = "35.16", "35.16.03"


def csv_rows(response):
    """The rows of a CSV download, as the bytes of each cell decoded: what a spreadsheet is given."""
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


# --- Each answer once, whatever the level of the area asked for -----------------------------------

def approve(cooperative, facilitator, supervisor, version):
    """An approved assessment of `cooperative` with every question answered."""
    visit = start(uuid.uuid4(), cooperative, facilitator, version, visit_date=date(2025, 10, 1))
    for question in visit.instrument.questions:
        save_answer(visit, question, parse_answer(question, BEST[question.code], False))
    db.session.commit()
    transition(visit, "submit", facilitator, visit.version)
    transition(visit, "approve", supervisor, visit.version)
    return visit.id


@pytest.fixture
def two_regencies(app, jombang, jombang_regions):
    """Jombang and Mojokerto (two regencies of Jawa Timur), approved assessments in Diwek, Wonosalam and Pacet,
    and a national admin."""
    save_regions(db.session, read_regions(REGIONS_DIR, MOJOKERTO))
    seed_cooperatives(db.session, MOJOKERTO)
    add_user("fas.pacet", FACILITATOR, (PACET,))
    add_user("sup.all", SUPERVISOR, (DIWEK, WONOSALAM, PACET))
    add_user("nasional", ADMIN)
    version = publish(db.session, INSTRUMENT, SOURCE)[0]
    db.session.commit()
    user = lambda name: db.session.scalar(select(User).where(User.username == name))  # noqa: E731
    for district, facilitator, n in ((DIWEK, "fas.diwek", 2), (WONOSALAM, "fas.wonosalam", 1), (PACET, "fas.pacet", 1)):
        cooperatives = db.session.scalars(select(Cooperative).join(Cooperative.village)
                                          .where(Village.district_code == district).order_by(Cooperative.id).limit(n))
        for cooperative in cooperatives.all():
            approve(cooperative, user(facilitator), user("sup.all"), version)


def answers_in(clause):
    """(assessment id, question code) of every answer of an approved assessment in the area `clause` selects."""
    return sorted(db.session.execute(
        select(Answer.assessment_id, Answer.question_code).join(Answer.assessment).join(Assessment.cooperative)
        .join(Cooperative.village).join(Village.district).join(District.regency)
        .where(Assessment.status == APPROVED, Answer.value.is_not(None) | Answer.not_applicable, clause)).all())


@pytest.mark.filterwarnings("error::sqlalchemy.exc.SAWarning")  # a cartesian product is a wrong query, not a slow one
def test_the_long_csv_holds_each_answer_once_at_every_area_level(two_regencies, client, auth):
    auth.login("nasional")
    assert db.session.scalar(select(func.count()).select_from(Regency).where(Regency.province_code == "35")) == 2
    for code, clause in ((DIWEK, District.code == DIWEK), ("35.17", District.regency_code == "35.17"),
                         ("35", Regency.province_code == "35"), (None, Regency.code.is_not(None))):
        rows = csv_rows(client.get("/exports/answers.csv" + (f"?area={code}" if code else ""), buffered=True))[1:]
        expected = answers_in(clause)
        assert len(rows) == len(expected), code
        assert sorted((uuid.UUID(r[3]), r[7]) for r in rows) == expected, code
    per_area = {code: len(answers_in(District.code == code)) for code in (DIWEK, WONOSALAM, PACET)}
    assert per_area[DIWEK] == 2 * per_area[PACET] > 0  # two assessments in Diwek, one each elsewhere
