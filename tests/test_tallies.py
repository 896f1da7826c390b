"""The kept tallies that today's rollups read (app/rollups/tallies.py): every kind of transition, and any
sequence of them, leaves them as a recount from the assessments finds them; the dashboard reads from them
what a recount gives, for every kind of user; `flask rollups rebuild` reports and mends a difference; the
migration that made them counts what a database already holds."""
import re
import threading
import uuid
from collections import Counter
from datetime import date, timedelta
from functools import partial
from statistics import median
from unittest.mock import patch

import pytest
from flask_migrate import downgrade, upgrade
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import delete, func, select, true, update

from app import ROOT
from app.assessments.models import Assessment
from app.assessments.service import Incomplete, parse_answer, save_answer, start, transition
from app.assessments.workflow import APPROVED, RETURNED, SUBMITTED
from app.auth.models import User
from app.cooperatives.models import Cooperative
from app.extensions import db
from app.i18n import today
from app.instruments.definition import load_text
from app.instruments.models import InstrumentVersion, publish
from app.regions.models import District, Village
from app.roles import ADMIN
from app.rollups import routes
from app.rollups.asked import DISTRICTS, PROVINCES, REGENCIES, Asked, area_rollups, instrument
from app.rollups.models import AreaCooperatives, AreaTally
from app.rollups.stats import UNIT, Scored, Tally
from app.rollups.tallies import rebuild, result_tally
from tests.support import (BEST, DIWEK, INSTRUMENT, JOMBANG, SOURCE, WONOSALAM, Auth, add_user, assessment,
                           csrf_token, value_for)

JAWA_TIMUR = "35"
WEAK = {q.code: {"yesno": "no", "scale": "1", "count": "0"}[q.type] for q in INSTRUMENT.questions}
# A second version of the instrument: the same sections, a higher bar for its top level.
STRICTER_SOURCE = SOURCE.replace("    min: 76\n", "    min: 80\n")


def recount():
    """The differences a recount finds in the kept tallies and counts (it changes nothing)."""
    db.session.expire_all()
    return rebuild(db.session, keep=False)


def kept():
    """{(area code, instrument version id): Tally} of the kept rows that count some cooperative."""
    db.session.expire_all()
    return {(row.area_code, row.instrument_version_id): row.tally()
            for row in db.session.scalars(select(AreaTally)) if row.assessed}


def tally_of(*assessment_ids):
    """The Tally of these assessments, from what the database holds of each."""
    tally = Tally()
    for assessment_id in assessment_ids:
        stored = assessment(assessment_id)
        tally.add(result_tally(stored.score, stored.level, stored.result))
    return tally


def logged_in(app, username):
    client = app.test_client()
    Auth(client).login(username)
    return client


def review(client, assessment_id, action, **data):
    """Approve (confirmed), return or reopen from the review page, with the version and token it shows."""
    page = client.get(f"/reviews/{assessment_id}").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    confirmed = {"confirmed": "y"} if action == "approve" else {}
    return client.post(f"/reviews/{assessment_id}/{action}",
                       data={"csrf_token": csrf_token(page), "version": version, **confirmed, **data})


def submitted(field, answers, **data):
    """A visit of the field's first Diwek cooperative with `answers`, submitted over HTTP."""
    assessment_id, response = field.start(another="y", **data)
    assert response.status_code == 302
    for code, value in answers.items():
        field.save(assessment_id, code, value)
    submit = field.client.post(f"/assessments/{assessment_id}/submit", data={"csrf_token": field.token})
    assert submit.status_code == 302
    return assessment_id


def test_each_kind_of_transition_keeps_the_tallies_as_a_recount_finds_them(app, field):
    """Submit, approve, return, submit again, approve a newer round, reopen it, reopen the round before:
    after each, the Diwek cooperative counts by its latest approved round in Diwek, Jombang and Jawa Timur,
    under its instrument version, and a recount finds nothing different."""
    version = db.session.scalar(select(InstrumentVersion.id))
    supervisor, dinas = logged_in(app, "supervisor"), logged_in(app, "dinas")

    def counts(*assessment_ids):
        expected = tally_of(*assessment_ids)
        areas = (DIWEK, JOMBANG, JAWA_TIMUR) if assessment_ids else ()
        assert kept() == {(area, version): expected for area in areas}
        assert recount() == []

    first = submitted(field, BEST)
    counts()  # submitted: not approved yet
    assert review(supervisor, first, "approve").status_code == 302
    counts(first)
    second = submitted(field, WEAK, visit_date="2025-11-20")
    assert review(supervisor, second, "return", comment="Lengkapi bukti rapat anggota.").status_code == 302
    counts(first)  # returned: the approved round still counts
    assert field.client.post(f"/assessments/{second}/submit", data={"csrf_token": field.token}).status_code == 302
    counts(first)
    assert review(supervisor, second, "approve").status_code == 302
    counts(second)  # the newer round counts instead
    assert kept()[DIWEK, version].assessed == 1 and tally_of(second).mean < tally_of(first).mean
    assert review(dinas, second, "reopen", comment="Skor salah input.").status_code == 302
    counts(first)  # reopened: the round before counts again
    assert review(dinas, first, "reopen", comment="Diperiksa ulang.").status_code == 302
    counts()  # neither counts: the kept rows are there, empty
    assert db.session.scalar(select(func.count()).select_from(AreaTally)) == 3


# --- The arithmetic, without a database ----------------------------------------------------------

SCORES = st.floats(0, 100, allow_nan=False)
ROWS = st.lists(st.tuples(SCORES, st.sampled_from(("belum-siap", "siap")),
                          st.dictionaries(st.sampled_from("ABC"), st.none() | SCORES)), max_size=30)


@settings(max_examples=200, deadline=None, database=None)
@given(one=ROWS, other=ROWS)
def test_tallies_add_up_and_take_away_exactly(one, other):
    """The tally of two sets is the sum of theirs, and taking a set away leaves the other exactly; the mean
    is the totals' mean, the median that of the totals as shown (to 0.1), at any count."""
    tally = lambda rows: Tally.of(Scored(None, None, None, None, *row) for row in rows)  # noqa: E731
    both = tally(one + other)
    assert both == tally(one).add(tally(other)) and tally(one).add(tally(other)).add(tally(other), -1) == tally(one)
    if both.assessed:
        totals = [score for score, _, _ in one + other]
        assert both.mean == pytest.approx(sum(totals) / len(totals), abs=1e-6)
        assert both.median == pytest.approx(median(round(score, 1) for score in totals), abs=1e-9)
    else:
        assert (both.mean, both.median, both.sections) == (None, None, {})


def test_a_change_that_counts_a_section_out_and_in_keeps_the_sum_it_moves():
    """Taking one assessment out and another in leaves a section counted as often, but its sum changed."""
    change = Tally().count(80, "siap", {"A": 90}, -1).add(Tally().count(40, "belum-siap", {"A": 30}))
    assert change == Tally(0, -40 * UNIT, {"siap": -1, "belum-siap": 1}, {"A": (0, -60 * UNIT)}, {800: -1, 400: 1})
    assert Tally().count(80, "siap", {"A": 90}).add(change) == Tally().count(40, "belum-siap", {"A": 30})


# --- Any sequence of transitions ------------------------------------------------------------------

@pytest.fixture
def people(app, jombang):
    """Two instrument versions (the second in use), two Diwek cooperatives and one of Wonosalam, each with
    its kecamatan's facilitator; the supervisor of both kecamatan, the Dinas, and a national admin."""
    publish(db.session, INSTRUMENT, SOURCE)
    publish(db.session, load_text(STRICTER_SOURCE), STRICTER_SOURCE)
    add_user("nasional", ADMIN)
    db.session.commit()
    user = lambda name: db.session.scalar(select(User).where(User.username == name))  # noqa: E731
    cooperatives = [cooperative for district, n in ((DIWEK, 2), (WONOSALAM, 1))
                    for cooperative in db.session.scalars(select(Cooperative).join(Cooperative.village)
                                                          .where(Village.district_code == district)
                                                          .order_by(Cooperative.id).limit(n))]
    owners = {DIWEK: user("fas.diwek"), WONOSALAM: user("fas.wonosalam")}
    return {"versions": db.session.scalars(select(InstrumentVersion).order_by(InstrumentVersion.number)).all(),
            "cooperatives": [(c.id, owners[c.village.district_code]) for c in cooperatives],
            "supervisor": user("supervisor"), "dinas": user("dinas")}


def visit(people, which, n):
    """A visit of cooperative `which` with the n-th answers and version, submitted (left a draft if it
    cannot be); its id."""
    cooperative_id, owner = people["cooperatives"][which]
    version = people["versions"][n % 2]
    made = start(uuid.uuid4(), db.session.get(Cooperative, cooperative_id), owner, version,
                 visit_date=date(2025, 9, 1) + timedelta(days=n))
    for question in made.instrument.questions:
        save_answer(made, question, parse_answer(question, value_for(question, n + len(question.code)), False))
    db.session.commit()
    try:
        transition(made, "submit", owner, made.version)
    except Incomplete:
        db.session.rollback()
    return made.id


def move(people, action, n):
    """`action` on the n-th (in a fixed order) assessment it can move, by whoever may; False if none can."""
    source = {"approve": SUBMITTED, "return": SUBMITTED, "resubmit": RETURNED, "reopen": APPROVED}[action]
    candidates = db.session.scalars(select(Assessment).where(Assessment.status == source).order_by(Assessment.id)).all()
    if not candidates:
        return False
    chosen = candidates[n % len(candidates)]
    actor = {"approve": people["supervisor"], "return": people["supervisor"], "reopen": people["dinas"],
             "resubmit": chosen.facilitator}[action]
    comment = None if action in ("approve", "resubmit") else f"Alasan {n}"
    transition(chosen, "submit" if action == "resubmit" else action, actor, chosen.version, comment)
    return True


STEPS = st.lists(st.tuples(st.sampled_from(("visit", "approve", "return", "resubmit", "reopen")),
                           st.integers(0, 2), st.integers(0, 40)), min_size=1, max_size=12)


def test_any_sequence_of_transitions_keeps_the_tallies_as_a_recount_finds_them(people):
    """Hypothesis makes visits (of two instrument versions, with varied answers and visit dates) and moves
    them at random; after every step the kept tallies are what a recount finds, and today's rollups read
    from them equal the rollups recounted from the assessments, at every tier."""
    current, made = instrument(), Counter()

    @settings(max_examples=25, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(steps=STEPS)
    def run(steps):
        for action, which, n in steps:
            if action == "visit":
                made["submit"] += assessment(str(visit(people, which, n))).status == SUBMITTED
            else:
                made[action] += move(people, action, n)
            assert recount() == []
        asked = Asked(today(), False)
        for tier, where in ((PROVINCES, [true()]), (REGENCIES, [true()]),
                            (DISTRICTS, [District.regency_code == JOMBANG])):
            areas = db.session.scalars(tier.areas(where)).all()
            assert area_rollups(areas, tier, where, asked, current) == \
                area_rollups(areas, tier, where, asked, current, recount=True)

    run()
    assert all(made[action] for action in ("submit", "approve", "return", "resubmit", "reopen")), made


def test_approvals_at_once_across_a_regency_keep_the_tallies(app, people):
    """Three approvals at the same moment, each in a session of its own, two in one kecamatan and one in
    another of the same regency: each waits its turn for the rows they share, none is lost, and no deadlock."""
    ids = [visit(people, which, 7) for which in range(3)]
    assert [assessment(str(i)).status for i in ids] == [SUBMITTED] * 3
    barrier, failures = threading.Barrier(3, timeout=60), []

    def approve(assessment_id):
        with app.app_context():
            try:
                chosen = db.session.get(Assessment, assessment_id)
                supervisor = db.session.get(User, people["supervisor"].id)
                barrier.wait()
                transition(chosen, "approve", supervisor, chosen.version)
            except Exception as error:  # reported below: a thread's exception would otherwise vanish
                failures.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=approve, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == [] and recount() == []
    version = people["versions"][7 % 2].id
    tallies = kept()
    assert (tallies[DIWEK, version].assessed, tallies[WONOSALAM, version].assessed) == (2, 1)
    assert tallies[JOMBANG, version].assessed == tallies[JAWA_TIMUR, version].assessed == 3


# --- What the pages read --------------------------------------------------------------------------

@pytest.mark.parametrize("username, query", [
    ("nasional", ""), ("nasional", f"?area={JAWA_TIMUR}"), ("nasional", f"?area={JOMBANG}"), ("dinas", ""),
    ("dinas", f"?area={JAWA_TIMUR}"), ("supervisor", ""), ("supervisor", f"?area={JAWA_TIMUR}"),
    ("supervisor", f"?area={JOMBANG}")])
def test_the_dashboard_reads_from_the_tallies_what_a_recount_gives(app, people, client, username, query):
    """Every kind of user and area: the table the dashboard draws from the kept tallies is the one it drew
    from the assessments. A supervisor asking for the province sees a Jombang made of their two kecamatan
    alone (the sum of those kecamatan's rows, not the regency's own)."""
    for which, n in ((0, 3), (1, 4), (2, 5)):
        visit(people, which, n)
    while move(people, "approve", 0):
        pass
    assert recount() == []
    Auth(client).login(username)
    table = {"HX-Request": "true"}
    shown = client.get(f"/dashboard/{query}", headers=table)
    with patch.object(routes, "area_rollups", partial(area_rollups, recount=True)):
        recounted = client.get(f"/dashboard/{query}", headers=table)
    assert shown.status_code == recounted.status_code == 200
    assert shown.get_data(as_text=True) == recounted.get_data(as_text=True)
    total = re.search(r'id="row-total".*?data-label="Dinilai">(\d+)<', shown.get_data(as_text=True), re.S)
    assert total.group(1) == "3"  # the three approved, wherever they are listed


def test_the_rebuild_command_reports_and_mends_a_difference(app, people, runner):
    visit(people, 0, 3)
    move(people, "approve", 0)
    assert runner.invoke(args=["rollups", "rebuild", "--check"]).output.startswith("0 difference(s)")
    version = people["versions"][3 % 2].id
    db.session.execute(update(AreaTally).where(AreaTally.area_code == DIWEK).values(assessed=AreaTally.assessed + 1))
    db.session.execute(delete(AreaCooperatives).where(AreaCooperatives.area_code == WONOSALAM))
    db.session.commit()
    cooperatives = db.session.scalar(select(func.count()).select_from(Cooperative).join(Cooperative.village)
                                     .where(Village.district_code == WONOSALAM))

    checked = runner.invoke(args=["rollups", "rebuild", "--check"])
    assert checked.exit_code == 1
    assert f"{DIWEK} version {version} assessed: kept 2, recounted 1" in checked.output
    assert f"{WONOSALAM} cooperatives: kept 0, recounted {cooperatives}" in checked.output
    assert "2 difference(s)" in checked.output and "nothing changed" in checked.output
    assert db.session.scalar(select(AreaTally.assessed).where(AreaTally.area_code == DIWEK)) == 2  # unchanged

    mended = runner.invoke(args=["rollups", "rebuild"])
    assert mended.exit_code == 0 and "2 difference(s)" in mended.output
    assert recount() == [] and kept()[DIWEK, version].assessed == 1
    assert runner.invoke(args=["rollups", "rebuild", "--check"]).exit_code == 0


def test_the_migration_counts_what_the_database_holds(app, people):
    """A database upgraded with approved assessments and cooperatives in it gets its tallies then."""
    for which, n in ((0, 3), (2, 5)):
        visit(people, which, n)
    while move(people, "approve", 0):
        pass
    before = kept()
    db.session.rollback()  # PostgreSQL: the read above must not hold the table the downgrade drops
    migrations = str(ROOT / "migrations")
    downgrade(directory=migrations, revision="0009_photo_bytes")
    upgrade(directory=migrations)
    assert kept() == before and len(before) == 4  # Diwek, Wonosalam, Jombang, Jawa Timur: each version used once
    assert recount() == []
    assert db.session.scalar(select(AreaCooperatives.cooperatives).where(AreaCooperatives.area_code == JOMBANG)) == \
        db.session.scalar(select(func.count()).select_from(Cooperative))
