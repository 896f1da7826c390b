"""Crash safety: SIGKILL gunicorn workers while facilitators autosave; no acknowledged answer is lost.

gunicorn (2 sync workers) serves a SQLite file holding Jombang, four facilitators and draft
assessments of theirs. One thread per facilitator autosaves answers one after another, each to a
question not answered before, and records each one the server acknowledged (200). Meanwhile a worker
is killed with SIGKILL, again and again; the master starts a new one. A request the killed worker was
serving may fail: it was never acknowledged. At the end the database must pass `PRAGMA
integrity_check` and hold every acknowledged answer with its value.
"""
import os
import shutil
import signal
import threading
import time
import uuid
from datetime import date
from pathlib import Path

import pytest
import requests
from sqlalchemy import select, text

from app.assessments.models import Answer
from app.assessments.service import start
from app.auth.models import User
from app.cooperatives.models import Cooperative
from app.extensions import db
from app.instruments.models import publish
from app.regions.models import Village
from app.roles import FACILITATOR
from tests.serving import served
from tests.support import (DIWEK, INSTRUMENT, SOURCE, WONOSALAM, add_user, logged_in_session, make_app, value_for,
                           wait_for)

pytestmark = pytest.mark.slow

FACILITATORS = {"fas.diwek": DIWEK, "fas.wonosalam": WONOSALAM, "fas.diwek2": DIWEK, "fas.wonosalam2": WONOSALAM}
ASSESSMENTS = 25  # per facilitator: more questions (1,100) than a saver can answer in the time
KILLS = 4
KILL_EVERY = 1.5  # seconds between kills; the savers keep going meanwhile and for a while after


def prepare(path):
    """The instrument and draft assessments, beside Jombang: {username: [assessment id]}."""
    app = make_app(f"sqlite:///{path}")
    with app.app_context():
        add_user("fas.diwek2", FACILITATOR, (DIWEK,))
        add_user("fas.wonosalam2", FACILITATOR, (WONOSALAM,))
        version, _ = publish(db.session, INSTRUMENT, SOURCE)
        db.session.commit()
        assessments = {}
        for username, district in FACILITATORS.items():
            user = db.session.scalar(select(User).where(User.username == username))
            cooperative = db.session.scalar(select(Cooperative).join(Cooperative.village)
                                            .where(Village.district_code == district).order_by(Cooperative.id))
            assessments[username] = [start(uuid.uuid4(), cooperative, user, version, visit_date=date(2025, 10, 14)).id
                                     for _ in range(ASSESSMENTS)]
        db.engine.dispose()
    return assessments


def children(pid):
    """The pids whose parent is `pid` (gunicorn's workers, for its master)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


@pytest.fixture
def gunicorn(tmp_path, sqlite_jombang):
    path = tmp_path / "crash.sqlite3"
    shutil.copy(sqlite_jombang, path)
    assessments = prepare(path)
    env = {**os.environ, "SIAPKOP_INSTANCE": str(tmp_path), "DATABASE_URL": f"sqlite:///{path}"}
    with served("wsgi:app", env) as (url, server):
        wait_for(lambda: len(children(server.pid)) == 2)
        yield server, url, path, assessments


class Saver(threading.Thread):
    """Answers the questions of its facilitator's assessments one by one, until told to stop."""

    def __init__(self, session, url, assessment_ids, stop):
        super().__init__(daemon=True)
        self.session, self.url, self.stop = session, url, stop
        self.todo = [(a, q) for a in assessment_ids for q in INSTRUMENT.questions]
        self.acknowledged = {}  # (assessment id, question code): value
        self.failures = 0

    def run(self):
        for n, (assessment_id, question) in enumerate(self.todo):
            if self.stop.is_set():
                return
            value = value_for(question, n)
            try:
                response = self.session.post(f"{self.url}/assessments/{assessment_id}/answers/{question.code}",
                                             data={question.code: value}, timeout=10)
                ok = response.status_code == 200 and "Tersimpan" in response.text
            except requests.RequestException:  # the worker died with the request: not acknowledged
                ok = False
            if ok:
                self.acknowledged[assessment_id, question.code] = value
            else:
                self.failures += 1


def test_killed_workers_lose_no_acknowledged_answer(gunicorn):
    server, url, path, assessments = gunicorn
    stop = threading.Event()
    savers = [Saver(logged_in_session(url, username), url, ids, stop) for username, ids in assessments.items()]
    for saver in savers:
        saver.start()
    killed = []
    for _ in range(KILLS):
        time.sleep(KILL_EVERY)
        workers = children(server.pid)
        assert len(workers) == 2
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        killed.append(victim)
        # the master notices and starts a new worker; the savers go on meanwhile
        wait_for(lambda: len(children(server.pid) - {victim}) == 2)
    time.sleep(KILL_EVERY)  # saves go on with the respawned workers
    stop.set()
    for saver in savers:
        saver.join(timeout=15)
    assert server.poll() is None and not children(server.pid) & set(killed)
    server.terminate()
    server.wait(timeout=15)

    app = make_app(f"sqlite:///{path}")
    with app.app_context():
        assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        stored = {(a.assessment_id, a.question_code): a.value for a in db.session.scalars(select(Answer))}
        db.engine.dispose()
    acknowledged = {key: value for saver in savers for key, value in saver.acknowledged.items()}
    assert {key: stored.get(key) for key in acknowledged} == acknowledged
    failures = sum(s.failures for s in savers)
    assert len(killed) == KILLS and len(acknowledged) > 100
    assert all(len(s.acknowledged) + s.failures < len(s.todo) for s in savers)  # busy until the end
    print(f"worker kills survived: {len(killed)}; acknowledged answers checked: {len(acknowledged)}; "
          f"saves without a reply: {failures}")
