"""Fuzzing: hypothesis sends arbitrary input to every form and answer endpoint over HTTP.

Never a 500. Every refusal is a 4xx whose message comes from our catalog (Indonesian by default).
A refused request changes nothing in the database; an accepted one changes exactly what it should
(the answer stored is the value parsed by an independent model of the rules below).

Runs on SQLite. The text fields (text answers, notes, review comments, names) run on PostgreSQL too,
with fewer examples: PostgreSQL refuses NUL characters in text, a classic source of 500s.
"""
import html
import io
import json
import math
import re
import shutil
import uuid
from datetime import date
from urllib.parse import quote

import pytest
from babel.messages.pofile import read_po
from hypothesis import HealthCheck, example, given, settings, strategies as st
from PIL import Image
from sqlalchemy import select, update

from app import ROOT
from app.assessments.models import Answer, Assessment, Event, Photo, SectionNote
from app.assessments.service import parse_answer, save_answer, start, transition
from app.auth.models import User
from app.bimtek.models import BimtekSession, bimtek_district
from app.cooperatives.models import Cooperative, Officer
from app.extensions import db
from app.i18n import today
from app.instruments.definition import load_text
from app.instruments.models import publish
from app.auth.models import user_district
from app.regions.models import District, Village
from tests.support import BEST, DIWEK, INSTRUMENT, PASSWORD, SOURCE, WONOSALAM, Auth, IsolatedClient, add_user, make_app

pytestmark = pytest.mark.slow

# --- What is sent ---------------------------------------------------------------------------------

SPECIAL = [
    "", " ", "\x00", "a\x00b", "NaN", "nan", "inf", "-Infinity", "1e309", "-1e309", "1e3", "0", "-0", "-1", "+5",
    "007", "1.5", "1,5", "0x1A", "1_000", "٣", "１２", "99999999999999999999", str(2 ** 63), str(-2 ** 63 - 1),
    "\u202eكوبرازي\u202c", "שלום", "<script>alert(1)</script>", "'; DROP TABLE app_user; --", "%(x)s %s {0} {{7*7}}",
    "\r\n", "\t", "\ufeff", "🙂", "yes", "no", "4", "2025-10-14", "2025-02-30", "0001-01-01", "20251014", "A1",
]
numbers = st.one_of(st.integers(), st.integers(-2 ** 70, 2 ** 70), st.floats()).map(str)
long_text = st.builds(lambda c, n: c * n, st.sampled_from(["x", "é", "\x00", "9", "🙂", " "]),
                      st.sampled_from([121, 201, 2001, 5001, 100_000]))
junk = st.one_of(st.sampled_from(SPECIAL), st.text(max_size=40), numbers, long_text)


def plausible(*good):
    """Mostly junk, sometimes a value the form accepts."""
    return st.one_of(st.sampled_from(good), junk) if good else junk


@st.composite
def form(draw, fields):
    """Form data: each field missing, sent once, or sent several times (duplicated)."""
    data = {}
    for name, strategy in fields.items():
        how = draw(st.sampled_from(("missing", "once", "once", "once", "twice")))
        if how == "once":
            data[name] = draw(strategy)
        elif how == "twice":
            data[name] = [draw(strategy), draw(strategy)]
    return data


def first(data, name):
    """The value a view reads with request.form.get: the first one sent."""
    value = data.get(name)
    return value[0] if isinstance(value, list) else value


def values(data, name):
    value = data.get(name, [])
    return value if isinstance(value, list) else [value]


def sent_nul(data):
    return any("\x00" in key + value for key in data for value in values(data, key))


# --- What comes back ------------------------------------------------------------------------------

def catalog_patterns():
    """A regex for each message of our catalog (placeholders match anything), matched at a text's start:
    searching anywhere in a 100,000-character text would take minutes."""
    with open(ROOT / "translations" / "messages.pot", "rb") as fh:
        catalog = read_po(fh)
    patterns = []
    for message in catalog:
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        if len(msgid) >= 10:
            parts = re.split(r"%\(\w+\)[sd]|%%", msgid)
            patterns.append(re.compile(".*?".join(re.escape(p) for p in parts), re.S))
    return patterns


CATALOG = catalog_patterns()


def from_catalog(text):
    """Whether a shown text starts with a message of our catalog (after a "code: " prefix, if any)."""
    head, _, tail = text.partition(": ")
    return any(pattern.match(text) or (len(head) <= 40 and pattern.match(tail)) for pattern in CATALOG)
SHOWN = re.compile(r'<(p|div)\b[^>]*(?:role="alert"|class="[^"]*\berror\b[^"]*")[^>]*>(.*?)</\1>', re.S)


def refusal_messages(response):
    """The refusal texts a response shows: alerts and field errors."""
    body = response.get_data(as_text=True)
    return [html.unescape(re.sub(r"<[^>]+>", "", text)).strip() for _tag, text in SHOWN.findall(body)]


def assert_refused(response):
    """A 4xx that says why, in words from our catalog."""
    assert 400 <= response.status_code < 500, (response.status_code, response.get_data(as_text=True)[:2000])
    shown = [text for text in refusal_messages(response) if text]
    assert shown, response.get_data(as_text=True)[:2000]
    for text in shown:
        assert from_catalog(text), text[:500]
    assert "This field" not in response.get_data(as_text=True)  # no English WTForms default


def never_500(response):
    assert response.status_code < 500, response.get_data(as_text=True)[:2000]
    if response.status_code >= 400:
        assert_refused(response)
    return response.status_code < 400


# --- The database, before and after ---------------------------------------------------------------

def rows(*tables):
    """Every row of `tables`, comparable (repr keeps NaN equal to itself)."""
    db.session.rollback()
    db.session.expire_all()
    return {table.name: sorted(repr(tuple(row)) for row in db.session.execute(select(table)))
            for table in tables}


RUN = {}  # fuzz cases run, per backend


def settings_for(world, examples):
    return settings(max_examples=world.examples(examples), deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.data_too_large])


# --- The world: one database per backend for the whole module -----------------------------------

ALL_TYPES_SOURCE = """
code: fuzz-all-types
title: {id: Semua jenis, en: All types}
levels: [{code: rendah, label: {id: Rendah, en: Low}, min: 0}]
sections:
  - code: S
    title: {id: Satu, en: One}
    weight: 100
    questions:
      - {code: yn, type: yesno, text: {id: Ya atau tidak, en: Yes or no}, not_applicable: true}
      - {code: sc, type: scale, text: {id: Skala, en: Scale},
         rubric: {0: {id: a, en: a}, 1: {id: b, en: b}, 2: {id: c, en: c}, 3: {id: d, en: d}, 4: {id: e, en: e}}}
      - {code: ct, type: count, target: 10, max: 500, text: {id: Jumlah, en: Count}}
      - {code: ch, type: choice, text: {id: Pilihan, en: Choice}, options: [
          {code: desa, label: {id: Desa, en: Village}, score: 1},
          {code: kota, label: {id: Kota, en: Town}, score: 0.5}]}
      - {code: dt, type: date, text: {id: Tanggal, en: Date}}
      - {code: tx, type: text, text: {id: Catatan, en: Note}, not_applicable: true}
"""
ALL_TYPES = load_text(ALL_TYPES_SOURCE)


class World:
    """The app on one database, with a logged-in client per role and the records the fuzzers hit."""

    def __init__(self, app, backend):
        self.app, self.backend = app, backend
        self.clients, self.tokens = {}, {}

    def examples(self, n):
        return n if self.backend == "sqlite" else max(4, n // 6)

    def login(self, role, username):
        client = self.app.test_client()
        Auth(client).login(username)
        self.clients[role] = client
        self.tokens[role] = Auth(client).token("/cooperatives/")

    def post(self, role, path, data=None, **kwargs):
        return self.clients[role].post(path, data=data, headers={"X-CSRFToken": self.tokens[role],
                                                                 **kwargs.pop("headers", {})}, **kwargs)


def _new_database(request, tmp_path_factory, backend):
    """A copy of Jombang's template on `backend`: (url, drop)."""
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("fuzz") / "fuzz.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_jombang"), path)
        return f"sqlite:///{path}", lambda: None
    server, template = request.getfixturevalue("postgres"), request.getfixturevalue("postgres_jombang")
    name = f"siapkop_fuzz_{uuid.uuid4().hex[:8]}"
    server.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    return f"{server.url}/{name}", lambda: server.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture(scope="module")
def world(request, tmp_path_factory):
    url, drop = _new_database(request, tmp_path_factory, request.param)
    app = make_app(url, PHOTO_FOLDER=str(tmp_path_factory.mktemp("photos")))
    app.test_client_class = IsolatedClient
    world = World(app, request.param)
    with app.app_context():
        add_user("fuzz.edit", "facilitator", (DIWEK,))
        version, _ = publish(db.session, INSTRUMENT, SOURCE)
        all_types, _ = publish(db.session, ALL_TYPES, ALL_TYPES_SOURCE, use=False)
        db.session.add(BimtekSession(title="Bimtek Diwek", held_on=date(2025, 10, 14), regency_code="35.17",
                                     districts=[db.session.get(District, DIWEK)]))
        db.session.commit()
        facilitator = db.session.scalar(select(User).where(User.username == "fas.diwek"))
        cooperatives = db.session.scalars(select(Cooperative).join(Cooperative.village)
                                          .where(Village.district_code == DIWEK).order_by(Cooperative.id)).all()
        world.cooperative, world.version = cooperatives[0].id, version.id
        world.draft = start(uuid.uuid4(), cooperatives[0], facilitator, version, visit_date=date(2025, 10, 14)).id
        world.all_types = start(uuid.uuid4(), cooperatives[1], facilitator, all_types,
                                visit_date=date(2025, 10, 14)).id
        submitted = start(uuid.uuid4(), cooperatives[2], facilitator, version, visit_date=date(2025, 10, 14))
        for question in INSTRUMENT.questions:
            save_answer(submitted, question, parse_answer(question, BEST[question.code], False))
        db.session.commit()
        transition(submitted, "submit", facilitator, submitted.version)
        world.submitted = submitted.id
        world.edited_user = db.session.scalar(select(User.id).where(User.username == "fuzz.edit"))
        world.session = db.session.scalar(select(BimtekSession.id))
        world.login("facilitator", "fas.diwek")
        world.login("supervisor", "supervisor")
        world.login("admin", "dinas")
        world.anonymous = app.test_client()
        yield world
        db.session.remove()
        db.engine.dispose()
    drop()
    print(f"\nfuzz cases run on {request.param}: {RUN.get(request.param, 0)}")


SQLITE = pytest.mark.parametrize("world", ["sqlite"], indirect=True)
BOTH = pytest.mark.parametrize("world", ["sqlite", "postgresql"], indirect=True)


def count_case(world):
    RUN[world.backend] = RUN.get(world.backend, 0) + 1


# --- Answers: an independent model of what each question type accepts -------------------------------

def expected_answer(question, raw, not_applicable):
    """(stored value, not applicable) for an accepted answer, or None when it must be refused."""
    if not_applicable:
        return (None, True) if question.not_applicable else None
    if raw is None or not raw.strip():
        return (None, False)
    if question.type == "yesno":
        return (raw, False) if raw in ("yes", "no") else None
    if question.type == "scale":
        return (raw, False) if raw in ("0", "1", "2", "3", "4") else None
    if question.type == "choice":
        return (raw, False) if raw in {o.code for o in question.options} else None
    if question.type == "count":
        if not re.fullmatch(r"[+-]?[0-9]{1,12}", raw.strip()):
            return None
        number = int(raw.strip())
        return (str(number), False) if 0 <= number <= (question.max or 1_000_000) else None
    if question.type == "date":
        try:
            day = date.fromisoformat(raw.strip())
        except ValueError:
            return None
        return (day.isoformat(), False) if 1945 <= day.year <= 2100 else None
    return (raw, False) if len(raw) <= 2000 else None


def stored_answer(assessment_id, code):
    answer = db.session.get(Answer, (assessment_id, code))
    return None if answer is None else (answer.value, answer.not_applicable)


def fresh_stamps(assessment_id):
    """Make every stored answer and note older than any change, so an accepted change is applied."""
    for model in (Answer, SectionNote):
        db.session.execute(update(model).where(model.assessment_id == assessment_id).values(client_ts=0, client_seq=0))
    db.session.commit()


ANSWER_VALUES = {
    "yesno": plausible("yes", "no"), "scale": plausible("0", "4", " 3"), "choice": plausible("desa", "kota"),
    "count": plausible("12", " 7 ", "+3", "500", "501", "-2", "1000000", "1000001"),
    "date": plausible("2025-10-14", " 1999-01-31 ", "1944-12-31", "2101-01-01", "2025-13-01"),
    "text": plausible("Rapat anggota tahunan sudah dilaksanakan.", "a" * 2000, "a" * 2001),
}
STAMPS = st.one_of(st.sampled_from(["1", "-5", "0", "abc", "1e309", "NaN", str(2 ** 53), str(2 ** 63),
                                               "9" * 40, "1700000000000"]), numbers)
OTHERS = (Answer.__table__, SectionNote.__table__, Photo.__table__, Event.__table__)


@pytest.mark.parametrize("kind", ["yesno", "scale", "count", "choice", "date", "text"])
@BOTH
def test_answer_autosave(world, kind):
    """POST /assessments/<id>/answers/<code>: the value, "Tidak berlaku", the phone's clock, junk."""
    question = next(q for q in ALL_TYPES.questions if q.type == kind)
    path = f"/assessments/{world.all_types}/answers/{question.code}"

    @settings_for(world, 40 if kind != "text" else 60)
    @given(data=form({question.code: ANSWER_VALUES[kind], "na": plausible(question.code, "x"), "ts": STAMPS,
                      "yn": junk}))
    @example(data={question.code: "a\x00b"})
    @example(data={question.code: "\x00", "na": question.code})
    @example(data={question.code: "5", "ts": "9" * 40})
    @example(data={question.code: "yes", "ts": str(2 ** 63)})
    def run(data):
        count_case(world)
        fresh_stamps(world.all_types)
        before, others = stored_answer(world.all_types, question.code), rows(*OTHERS)
        expected = expected_answer(question, first(data, question.code), question.code in values(data, "na"))
        response = world.post("facilitator", path, data, headers={"HX-Request": "true"})
        accepted = never_500(response)
        assert accepted == (expected is not None and not sent_nul(data)), data
        db.session.rollback()
        assert stored_answer(world.all_types, question.code) == (expected if accepted else before)
        others_after = rows(*OTHERS)
        if accepted:  # only this question's answer row may differ
            others_after["answer"] = [r for r in others_after["answer"] if f"'{question.code}'" not in r]
            others["answer"] = [r for r in others["answer"] if f"'{question.code}'" not in r]
        assert others_after == others
    run()


@SQLITE
def test_answer_autosave_of_the_default_instrument_and_unknown_codes(world):
    """Every question of the default instrument, and codes that are none of them."""
    codes = st.one_of(st.sampled_from([q.code for q in INSTRUMENT.questions]), st.sampled_from(["ZZ", "a1", "A 1"]))

    @settings_for(world, 60)
    @given(code=codes, raw=junk, na=st.booleans())
    def run(code, raw, na):
        count_case(world)
        question = INSTRUMENT.question(code)
        fresh_stamps(world.draft)
        before = rows(*OTHERS)
        data = {code: raw, **({"na": code} if na else {})}
        response = world.post("facilitator", f"/assessments/{world.draft}/answers/{code}", data,
                              headers={"HX-Request": "true"})
        accepted = never_500(response)
        expected = expected_answer(question, raw, na) if question else None
        assert accepted == (expected is not None and "\x00" not in raw)
        if accepted:
            assert stored_answer(world.draft, code) == expected
        else:
            assert rows(*OTHERS) == before
    run()


SECTIONS = [s.code for s in INSTRUMENT.sections]


@SQLITE
def test_whole_section_post(world):
    """POST /assessments/<id>/sections/<code> without JavaScript: all of a section's answers, or none."""
    @settings_for(world, 50)
    @given(section=st.sampled_from(SECTIONS), fields=st.data(), notes=st.one_of(st.none(), junk),
           go=plausible("next", "prev", "summary"))
    def run(section, fields, notes, go):
        count_case(world)
        questions = next(s for s in INSTRUMENT.sections if s.code == section).questions
        data = fields.draw(form({q.code: ANSWER_VALUES[q.type] for q in questions}))
        data.update({"go": go, "csrf_token": world.tokens["facilitator"],
                     **({"na": fields.draw(st.lists(st.sampled_from([q.code for q in questions]), max_size=2))}
                        if fields.draw(st.booleans()) else {})})
        if notes is not None:
            data["notes"] = notes
        fresh_stamps(world.draft)
        before = rows(*OTHERS)
        na = set(values(data, "na"))
        expected = {q.code: expected_answer(q, first(data, q.code), q.code in na)
                    for q in questions if q.code in data or q.code in na}
        response = world.post("facilitator", f"/assessments/{world.draft}/sections/{section}", data)
        accepted = never_500(response)
        assert accepted == (None not in expected.values() and not sent_nul(data))
        if not accepted:
            assert rows(*OTHERS) == before
            return
        assert response.status_code == 302
        for code, value in expected.items():
            assert stored_answer(world.draft, code) == value
        if notes is not None:
            assert db.session.get(SectionNote, (world.draft, section)).text == notes.strip()[:5000]
    run()


@BOTH
def test_section_note(world):
    """POST /assessments/<id>/notes/<code>: any text, any length."""
    @settings_for(world, 50)
    @given(data=form({"notes": plausible("Pengurus lengkap hadir."), "ts": STAMPS}),
           section=st.one_of(st.sampled_from(SECTIONS), st.sampled_from(["Z", "a", "A B"])))
    @example(data={"notes": "catatan\x00rahasia"}, section="A")
    def run(data, section):
        count_case(world)
        fresh_stamps(world.draft)
        before = rows(*OTHERS)
        response = world.post("facilitator", f"/assessments/{world.draft}/notes/{section}", data,
                              headers={"HX-Request": "true"})
        accepted = never_500(response)
        assert accepted == (section in SECTIONS and not sent_nul(data))
        if accepted:
            note = db.session.get(SectionNote, (world.draft, section))
            assert note.text == (first(data, "notes") or "").strip()[:5000]
        else:
            assert rows(*OTHERS) == before
    run()


# --- The offline outbox: POST /assessments/sync with any JSON -------------------------------------

JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(-2 ** 80, 2 ** 80), st.floats(),
                         st.text(max_size=20), st.sampled_from(SPECIAL), st.just("\ud800 lone surrogate"))
any_json = st.recursive(JSON_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                              st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                        max_leaves=12)
SEQS = st.one_of(st.integers(0, 50), st.integers(), st.sampled_from([2 ** 31 - 1, 2 ** 31, 2 ** 63, -1, True]), JSON_SCALARS)


def answer_ops(world):
    codes = [q.code for q in ALL_TYPES.questions]
    return st.fixed_dictionaries({
        "seq": SEQS, "type": st.just("answer"), "assessment": st.just(str(world.all_types)),
        "question": st.one_of(st.sampled_from(codes), JSON_SCALARS),
    }, optional={"value": st.one_of(st.sampled_from(["yes", "3", "12", "desa", "2025-10-14", "catatan"]), JSON_SCALARS,
                                    any_json),
                 "na": st.one_of(st.booleans(), JSON_SCALARS), "ts": st.one_of(st.integers(0, 2 ** 53), SEQS)})


def start_ops(world):
    return st.fixed_dictionaries({
        "seq": st.integers(1, 100), "type": st.just("start"), "assessment": st.uuids().map(str),
        "cooperative": st.one_of(st.just(world.cooperative), SEQS),
    }, optional={"version": st.one_of(st.just(world.version), SEQS), "visit_date": plausible("2025-10-14"),
                 "attendees": st.one_of(st.lists(junk, max_size=3), any_json),
                 "latitude": st.one_of(st.floats(), JSON_SCALARS), "longitude": st.one_of(st.floats(), JSON_SCALARS),
                 "accuracy_m": st.one_of(st.floats(-10, 200_000), JSON_SCALARS)})


def note_ops(world):
    return st.fixed_dictionaries({
        "seq": st.integers(1, 100), "type": st.just("note"), "assessment": st.just(str(world.all_types)),
        "section": st.one_of(st.just("S"), JSON_SCALARS), "text": st.one_of(junk, JSON_SCALARS)},
        optional={"ts": st.one_of(st.integers(0, 2 ** 53), SEQS)})


def well_formed_answer(op):
    """The outbox rules (merge.py), modelled: which answer operations can be read at all."""
    def whole(value, high):
        return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= high

    def storable(data):
        if isinstance(data, str):
            return "\x00" not in data and not re.search("[\ud800-\udfff]", data)
        if isinstance(data, dict):
            return all(storable(k) and storable(v) for k, v in data.items())
        return all(storable(v) for v in data) if isinstance(data, list) else True
    return (whole(op["seq"], 2 ** 31 - 1) and whole(op.get("ts", 0), 2 ** 53) and isinstance(op["question"], str)
            and storable(op))


def post_json(world, body):
    return world.clients["facilitator"].post("/assessments/sync", data=body, content_type="application/json",
                                             headers={"X-CSRFToken": world.tokens["facilitator"]})


def acknowledged(response, items):
    """Every operation comes back, applied or refused with a message from our catalog."""
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    results = response.get_json()["results"]
    expected = len(items) if isinstance(items, list) and len(items) <= 500 else 1
    assert len(results) == expected
    for result in results:
        if not result["ok"]:
            assert from_catalog(result["message"]), result
    return results


@BOTH
def test_sync_batches(world):
    """Arbitrary JSON, and answer, note and start operations with every field fuzzed."""
    all_tables = (*OTHERS, Assessment.__table__)

    @settings_for(world, 120)
    @given(payload=st.one_of(any_json, st.fixed_dictionaries({"ops": any_json}),
                             st.fixed_dictionaries({"ops": st.lists(st.one_of(answer_ops(world), note_ops(world),
                                                                              start_ops(world)), max_size=3)})))
    @example(payload={"ops": [{"seq": 1, "type": "answer", "assessment": "x", "question": "tx", "value": "a\x00b"}]})
    @example(payload={"ops": [{"seq": 2 ** 63, "type": "note", "assessment": "x", "section": "S", "text": "x"}]})
    @example(payload={"ops": [{"seq": 1, "type": "start", "assessment": str(uuid.UUID(int=1)), "cooperative": 2 ** 70,
                               "version": [1], "attendees": 5, "visit_date": 20251014, "latitude": float("nan")}]})
    def run(payload):
        count_case(world)
        fresh_stamps(world.all_types)
        before = rows(*all_tables)
        answered_before = {q.code: stored_answer(world.all_types, q.code) for q in ALL_TYPES.questions}
        body = json.dumps(payload, allow_nan=True)
        items = payload.get("ops") if isinstance(payload, dict) else None
        results = acknowledged(post_json(world, body), items)
        after = rows(*all_tables)
        if not any(result["ok"] for result in results):
            assert after == before
        ops = items if isinstance(items, list) else []
        if len(ops) == 1 and isinstance(ops[0], dict) and ops[0].get("type") == "answer" and "question" in ops[0]:
            op, (result,) = ops[0], results
            question = ALL_TYPES.question(op["question"]) if isinstance(op["question"], str) else None
            value = op.get("value")
            expected = None
            if well_formed_answer(op) and question is not None:
                expected = expected_answer(question, None if value is None else str(value), bool(op.get("na")))
            assert result["ok"] == (expected is not None), (op, result)
            if expected is not None:
                assert result["applied"] == (answered_before[question.code] is None
                                             or (op.get("ts", 0), op["seq"]) > (0, 0))
                if result["applied"]:
                    assert stored_answer(world.all_types, question.code) == expected
        for assessment in db.session.scalars(select(Assessment)):  # a start stores only sound values
            for value, limit in ((assessment.latitude, 90), (assessment.longitude, 180), (assessment.accuracy_m, 1e5)):
                assert value is None or (math.isfinite(value) and abs(value) <= limit)
            assert assessment.visit_date <= today()
    run()


# --- Review actions --------------------------------------------------------------------------------

ACTIONS = ("approve", "return", "reopen")


def resubmitted(world):
    """The reviewed assessment back in "submitted", as the facilitator sent it: its version now."""
    db.session.execute(update(Assessment).where(Assessment.id == world.submitted).values(status="submitted"))
    db.session.commit()
    return db.session.get(Assessment, world.submitted).version


@BOTH
def test_review_actions(world):
    """POST /reviews/<id>/<action>: the version seen, the comment, comments on questions (any keys)."""
    tables = (Assessment.__table__, Event.__table__)
    comment_keys = st.one_of(st.sampled_from(["comment-A1", "comment-B2", "comment-ZZ", "comment-"]),
                             junk.map(lambda k: "comment-" + k))

    @settings_for(world, 80)
    @given(action=plausible(*ACTIONS).filter(lambda a: a and "/" not in a and a not in (".", "..")), version=st.one_of(st.just("current"), plausible("0", "1", "-1")),
           fields=form({"comment": plausible("Lengkapi bukti RAT.", "a" * 5000, "a" * 5001),
                        "confirmed": plausible("y")}),
           comments=st.dictionaries(comment_keys, plausible("Foto akta kurang jelas."), max_size=3))
    @example(action="return", version="current", fields={"comment": "alasan\x00"}, comments={})
    @example(action="return", version="current", fields={"comment": "ok"}, comments={"comment-A1": "x\x00"})
    @example(action="approve", version="current", fields={}, comments={"comment-" + "Z" * 5000: "x"})
    def run(action, version, fields, comments):
        count_case(world)
        current = resubmitted(world)
        data = {**fields, **comments, "csrf_token": world.tokens["supervisor"],
                "version": str(current) if version == "current" else version}
        before = rows(*tables)
        response = world.post("supervisor", f"/reviews/{world.submitted}/{quote(action, safe='')}", data)
        accepted = never_500(response)
        comment = (first(data, "comment") or "").strip()
        should = (action in ("approve", "return") and version == "current" and not sent_nul(data)
                  and len(first(data, "comment") or "") <= 5000 and (action == "approve" or comment))
        assert accepted == bool(should), (response.status_code, data.keys())
        if not accepted:
            assert rows(*tables) == before
            return
        if action == "approve" and first(data, "confirmed") in (None, "", "false"):
            assert response.status_code == 200 and rows(*tables) == before  # asked first: nothing decided
            return
        event = db.session.scalars(select(Event).where(Event.assessment_id == world.submitted)
                                   .order_by(Event.id.desc())).first()
        assert (event.action, event.comment) == (action, comment or None)
        on_questions = {key[len("comment-"):]: value[:2000] for key, value in comments.items()
                        if INSTRUMENT.question(key[len("comment-"):]) and value.strip()}
        assert event.question_comments == (on_questions or None)
    run()


# --- Photo upload: the form's fields, not the image (see test_uploads.py) ----------------------------

def tiny_png():
    out = io.BytesIO()
    Image.new("RGB", (8, 6), "navy").save(out, "PNG")
    return out.getvalue()


@SQLITE
def test_photo_upload_form_fields(world):
    """POST /assessments/<id>/photos/<code>: wrong field names, no file, text instead of a file, two files."""
    tables = (Photo.__table__, Answer.__table__)
    png = tiny_png()
    files = st.sampled_from(["png", "text", "empty-name", "junk-bytes", "none"])
    # a browser escapes quotes and line breaks in a part's header; Werkzeug's test client writes them raw
    header_safe = lambda text: not {"\r", "\n", '"'} & set(text)  # noqa: E731

    @settings_for(world, 40)
    @given(code=plausible("A1", "A2", "ZZ"), field=plausible("photo-A1", "photo-A2", "photo", "photo-a1").filter(header_safe),
           file=files, second=files,
           name=plausible("foto.png", "", "../../etc/passwd", "a\x00.png", "x" * 300).filter(header_safe))
    @example(code="A1", field="photo-A1", file="png", second="none", name="a\x00.png")
    @example(code="A1", field="photo-A1", file="text", second="png", name="foto.png")
    def run(code, field, file, second, name):
        count_case(world)
        def part(kind):
            return {"png": (io.BytesIO(png), name, "image/png"), "text": "bukan berkas", "none": None,
                    "junk-bytes": (io.BytesIO(b"MZ\x90"), name, "image/jpeg"),
                    "empty-name": (io.BytesIO(png), "", "image/png")}[kind]
        sent = [p for p in (part(file), part(second)) if p is not None]
        data = {field: sent} if sent else {}
        before = rows(*tables)
        response = world.post("facilitator", f"/assessments/{world.draft}/photos/{code}", data,
                              content_type="multipart/form-data", headers={"HX-Request": "true"})
        accepted = never_500(response)
        # the file's name is never stored: only that there is one counts
        uploads = [kind for kind in (file, second) if kind in ("png", "junk-bytes", "empty-name")]
        should = code == "A1" and field == "photo-A1" and uploads[:1] == ["png"] and name != ""
        assert accepted == should, (code, field, file, name)
        after = rows(*tables)
        if accepted:
            assert len(after["photo"]) == len(before["photo"]) + 1 and after["answer"] == before["answer"]
        else:
            assert after == before
    run()


# --- Login and the admin's forms -------------------------------------------------------------------

@SQLITE
def test_login(world):
    """POST /auth/login: usernames, passwords and the remember box, with ?next= anything."""
    @settings_for(world, 40)
    @given(data=form({"username": plausible("fas.diwek", " FAS.DIWEK ", "tidak.ada"),
                      "password": plausible(PASSWORD, PASSWORD.upper(), ""), "remember": plausible("y", "1")}),
           next_page=st.one_of(st.none(), plausible("/cooperatives/", "//evil.example", "javascript:alert(1)")))
    @example(data={"username": "fas.diwek\x00", "password": PASSWORD}, next_page=None)
    def run(data, next_page):
        count_case(world)
        client = world.anonymous
        page = client.get("/auth/login")
        data = {**data, "csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))[1]}
        response = client.post("/auth/login", data=data, query_string={"next": next_page} if next_page else None)
        accepted = never_500(response)
        username = first(data, "username")
        should = (username is not None and username.strip().lower() == "fas.diwek"
                  and first(data, "password") == PASSWORD and not sent_nul(data) and not (next_page and "\x00" in next_page))
        assert accepted == should
        if accepted:
            assert response.status_code == 302 and response.location.startswith("/")
            assert not response.location.startswith("//")
            token = Auth(client).token("/cooperatives/")
            client.post("/auth/logout", data={"csrf_token": token})
    run()


def user_fields():
    return {"name": plausible("Siti Aminah", "  Budi  ", "x" * 120, "x" * 121), "role": plausible(
        "admin", "supervisor", "facilitator"), "districts": plausible(DIWEK, WONOSALAM, "35.17.99", "99.99.99"),
        "password": plausible("rahasia-baru-1", "pendek", "x" * 200, "x" * 201), "active": plausible("y", "")}


def user_state():
    return rows(User.__table__, user_district)


@BOTH
def test_user_forms(world):
    """POST /users/new and /users/<id>/edit as the Dinas admin."""
    @settings_for(world, 50)
    @given(new=st.booleans(), data=form({**user_fields(), "username": plausible("siti.aminah", "Ab", "fas.diwek",
                                                                                "nama pengguna", "x" * 65)}))
    @example(new=True, data={"username": "nul.name", "name": "Siti\x00", "role": "facilitator", "districts": DIWEK,
                             "password": "rahasia-baru-1"})
    @example(new=False, data={"name": "\x00", "role": "facilitator", "districts": DIWEK})
    def run(new, data):
        count_case(world)
        if not new:
            data.pop("username", None)
        before = user_state()
        edited = db.session.get(User, world.edited_user)
        previous = {"name": edited.name, "role": edited.role}
        path = "/users/new" if new else f"/users/{world.edited_user}/edit"
        response = world.post("admin", path, {**data, "csrf_token": world.tokens["admin"]})
        accepted = never_500(response)
        after = user_state()
        if not accepted:
            assert after == before
            return
        assert response.status_code == 302
        username = first(data, "username").strip().lower() if new else "fuzz.edit"
        user = db.session.scalar(select(User).where(User.username == username))
        # a field left out of an edit keeps its value
        assert user.name == (first(data, "name").strip() if "name" in data else previous["name"])
        assert user.role == (first(data, "role") if "role" in data else previous["role"])
        assert re.fullmatch(r"[a-z0-9._-]{3,64}", user.username) and 0 < len(user.name) <= 120
        assert {d.code for d in user.districts} == (set() if user.role == "admin" else set(values(data, "districts")))
        assert len(after["app_user"]) == len(before["app_user"]) + (1 if new else 0)
    run()


@BOTH
def test_cooperative_profile_form(world):
    """POST /cooperatives/<id>/edit: the profile and its pengurus/pengawas rows."""
    tables = (Cooperative.__table__, Officer.__table__)
    officer = {f"officers-{i}-{name}": strategy for i in (0, 1) for name, strategy in (
        ("role", plausible("pengurus:ketua", "pengawas:anggota", "raja")), ("name", plausible("Pak Slamet", "")),
        ("phone", plausible("+62 812-3456-7890", "12345", "0812 3456 7890")))}

    @settings_for(world, 50)
    @given(data=form({"name": plausible("KDMP Cukir", "ab", "x" * 201), "sk_ahu": plausible("AHU-0001.AH.01.29"),
                      "nib": plausible("1234567890123", "123"), "nik": plausible("350123456"),
                      "founded_on": plausible("2025-07-21", "2999-01-01"), "address": plausible("Jl. Raya Cukir 1"),
                      "phone": plausible("0321 123456"), "member_count": plausible("120", "-1", "1000001", "1e3"),
                      **officer}))
    @example(data={"name": "KDMP\x00", "officers-0-name": "Pak\x00Slamet"})
    def run(data):
        count_case(world)
        before = rows(*tables)
        db.session.expire_all()
        old = db.session.get(Cooperative, world.cooperative)
        previous = {"name": old.name, "officers": {o.name for o in old.officers}}
        response = world.post("admin", f"/cooperatives/{world.cooperative}/edit",
                              {**data, "csrf_token": world.tokens["admin"]})
        accepted = never_500(response)
        if not accepted:
            assert rows(*tables) == before
            return
        db.session.expire_all()
        cooperative = db.session.get(Cooperative, world.cooperative)
        # a field left out keeps its value
        assert cooperative.name == (first(data, "name").strip() if "name" in data else previous["name"])
        assert 3 <= len(cooperative.name) <= 200
        assert cooperative.member_count is None or 0 <= cooperative.member_count <= 1_000_000
        assert cooperative.founded_on is None or cooperative.founded_on <= today()
        sent = {(first(data, f"officers-{i}-name") or "").strip() for i in (0, 1)}
        assert all(o.name and len(o.name) <= 120 and o.name in sent | previous["officers"] for o in cooperative.officers)
    run()


@BOTH
def test_bimtek_session_form(world):
    """POST /bimtek/new and /bimtek/<id>/edit: title, date, venue, kecamatan, notes."""
    tables = (BimtekSession.__table__, bimtek_district)

    @settings_for(world, 40)
    @given(new=st.booleans(), data=form({"title": plausible("Bimtek tata kelola", "ab", "x" * 201),
                                         "held_on": plausible("2025-10-14", "2025-02-30"),
                                         "venue": plausible("Aula Kecamatan"), "districts": plausible(DIWEK, "99.99"),
                                         "notes": plausible("Bawa laptop.", "x" * 5001)}))
    @example(new=True, data={"title": "Bimtek\x00", "held_on": "2025-10-14", "districts": DIWEK})
    def run(new, data):
        count_case(world)
        before = rows(*tables)
        kept_title = db.session.get(BimtekSession, world.session).title
        path = "/bimtek/new" if new else f"/bimtek/{world.session}/edit"
        response = world.post("admin", path, {**data, "csrf_token": world.tokens["admin"]})
        accepted = never_500(response)
        after = rows(*tables)
        if not accepted:
            assert after == before
            return
        session_id = int(response.location.rsplit("/", 1)[1])
        session = db.session.get(BimtekSession, session_id)
        # an edit that leaves the title out keeps it
        assert session.title == (first(data, "title").strip() if "title" in data or new else kept_title)
        assert 3 <= len(session.title) <= 200
        assert set(session.district_codes) == set(values(data, "districts")) & {DIWEK, WONOSALAM} | (
            set(values(data, "districts")) & {d.code for d in db.session.scalars(select(District))})
        assert len(after["bimtek_session"]) == len(before["bimtek_session"]) + (1 if new else 0)
    run()


# --- Starting a visit ------------------------------------------------------------------------------

@SQLITE
def test_assessment_start(world):
    """POST /assessments/new/<cooperative>: the browser's id, the date, who was there, GPS."""
    tables = (Assessment.__table__, Event.__table__)

    @settings_for(world, 50)
    @given(data=form({"id": st.one_of(st.uuids().map(str), junk), "visit_date": plausible("2025-10-14", "2999-01-01"),
                      "present": junk, "others": plausible("Pak Slamet\nBu Sri"),
                      "latitude": plausible("-7.59", "91", "nan"), "longitude": plausible("112.23", "-181"),
                      "accuracy_m": plausible("20", "-1", "100001"), "another": plausible("y")}))
    @example(data={"id": str(uuid.uuid4()), "visit_date": "2025-10-14", "latitude": "NaN", "longitude": "inf",
                   "another": "y"})
    @example(data={"id": str(uuid.uuid4()), "visit_date": "2025-10-14", "others": "Bu\x00Sri", "another": "y"})
    def run(data):
        count_case(world)
        before = rows(*tables)
        response = world.post("facilitator", f"/assessments/new/{world.cooperative}",
                              {**data, "csrf_token": world.tokens["facilitator"]})
        accepted = never_500(response)
        if not accepted:
            assert rows(*tables) == before
            return
        assert response.status_code == 302
        if first(data, "id"):  # without an id (no JavaScript) the form's own is used
            assert db.session.get(Assessment, uuid.UUID(first(data, "id"))) is not None
        for assessment in db.session.scalars(select(Assessment)):
            assert assessment.visit_date <= today()
            for value, limit in ((assessment.latitude, 90), (assessment.longitude, 180), (assessment.accuracy_m, 1e5)):
                assert value is None or (math.isfinite(value) and abs(value) <= limit)
    run()


# --- Lists, queue, dashboard and exports: their query strings --------------------------------------

LISTS = {
    "supervisor": ["/reviews/", "/cooperatives/", "/dashboard/", f"/dashboard/{DIWEK}", "/exports/scores.csv",
                   "/exports/answers.csv", "/bimtek/", "/progress/"],
    "admin": ["/exports/scores.xlsx", "/dashboard/", "/users/", "/cooperatives/", "/progress/"],
}
QUERY_KEYS = ("q", "page", "per_page", "district", "status", "facilitator", "visited_from", "visited_to", "as_of",
              "submitted", "sort", "desc", "session")


@SQLITE
def test_filter_query_strings(world):
    """GET the lists, the review queue, the dashboard and the exports with any filters."""
    pages = st.one_of(*(st.tuples(st.just(role), st.sampled_from(paths)) for role, paths in LISTS.items()))

    @settings_for(world, 120)
    @given(page=pages, query=form({key: plausible("1", DIWEK, "submitted", "all", "2025-10-14", "score", "-1",
                                                  str(2 ** 64), "0") for key in QUERY_KEYS}))
    @example(page=("supervisor", "/exports/scores.csv"), query={"session": str(2 ** 64)})
    @example(page=("supervisor", "/exports/scores.csv"), query={"district": "35.17.99"})
    @example(page=("supervisor", "/reviews/"), query={"facilitator": "9" * 30, "visited_from": "0001-01-01"})
    @example(page=("admin", "/cooperatives/"), query={"q": "\x00", "page": "9" * 30})
    @example(page=("supervisor", f"/dashboard/{'9' * 30}"), query={})
    @example(page=("supervisor", "/reviews/"), query={"facilitator": " "})
    @example(page=("admin", "/cooperatives/"), query={"page": str(2 ** 64)})
    def run(page, query):
        count_case(world)
        role, path = page
        response = world.clients[role].get(path, query_string=query, buffered=True)
        never_500(response)
    run()


@SQLITE
def test_ids_in_urls(world):
    """Numbers and uuids in paths: past 64 bits, negative, zero, not numbers at all."""
    paths = ["/cooperatives/{}", "/cooperatives/{}/edit", "/users/{}/edit", "/bimtek/{}", "/sheet/{}",
             "/exports/scores.csv?session={}", "/instruments/{}", "/reviews/{}"]

    @settings_for(world, 40)
    @given(path=st.sampled_from(paths), number=st.one_of(st.integers(-2 ** 70, 2 ** 70), st.sampled_from(
        [0, 2 ** 63 - 1, 2 ** 63, 2 ** 64, "1e3", "00000000000000000000001", "ffffffff-ffff-ffff-ffff-ffffffffffff"])))
    def run(path, number):
        count_case(world)
        never_500(world.clients["admin"].get(path.format(number), buffered=True))
    run()
