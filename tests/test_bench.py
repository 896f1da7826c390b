"""The benchmark's own code, on a tiny dataset (Jombang only): `flask bench seed` and `flask bench run`.

The national figures come from `make bench`, never from tests; these check that what it measures is
real: the seeded answers score to the stored results, the exports hold every cooperative, the load
test's autosaves reach the database.
"""
import json
import os
import subprocess
import sys
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from statistics import mean

import pytest
from sqlalchemy import func, select

from app import ROOT
from app.assessments.models import Answer, Assessment, Event
from app.assessments.service import result_of
from app.assessments.workflow import APPROVED, DRAFT, RETURNED, SUBMITTED
from app.auth.models import User
from app.cooperatives.models import Cooperative
from app.extensions import db
from app.regions.models import Village
from app.roles import ADMIN
from bench.bare import baseline_id
from bench.cli import bench
from tests.support import make_app

pytestmark = pytest.mark.slow

JOMBANG = "35.17"


def seed(app, seed_text="siapkop"):
    result = app.test_cli_runner().invoke(bench, ["seed", "--regency", JOMBANG, "--seed", seed_text])
    assert result.exit_code == 0, result.output
    return result.output


def fingerprint():
    """Every assessment's cooperative, visit and stored score: what the seed decided."""
    return sorted(db.session.execute(select(Village.code, Assessment.visit_date, Assessment.score)
                                     .join(Assessment.cooperative).join(Cooperative.village)).all())


def test_seed_builds_two_approved_rounds_scored_from_their_answers(app, tmp_path):
    assert "1 regencies; 612 assessments added." in seed(app)
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    assert (count(Cooperative), count(Assessment)) == (306, 612)
    assert count(User) == 21 * 2 + 2  # a facilitator and a supervisor per kecamatan, Jombang's Dinas, national
    assert set(db.session.scalars(select(Assessment.status))) == {APPROVED}
    assert db.session.scalar(select(func.count(func.distinct(Assessment.cooperative_id)))) == 306
    # the stored results are what the scoring module makes of the stored answers
    for assessment in db.session.scalars(select(Assessment).limit(40)):
        result = result_of(assessment)
        assert result.complete and (round(result.total, 6), result.level) == (round(assessment.score, 6),
                                                                               assessment.level)
        assert assessment.status_at == max(e.at for e in assessment.events)
    assert count(Answer) >= 612 * 40
    # readiness differs by kecamatan, and the second round is better on average
    by_district = {}
    for district, score in db.session.execute(select(Village.district_code, Assessment.score)
                                              .join(Assessment.cooperative).join(Cooperative.village)):
        by_district.setdefault(district, []).append(score)
    means = [mean(scores) for scores in by_district.values()]
    assert max(means) - min(means) > 5
    rounds = sorted(db.session.execute(select(Assessment.cooperative_id, Assessment.visit_date, Assessment.score)).all())
    assert mean(b[2] - a[2] for a, b in zip(rounds[::2], rounds[1::2])) > 2
    # a rerun adds nothing; the same seed elsewhere gives the same data, another seed other data
    first = fingerprint()
    assert "0 assessments added" in seed(app)
    other = make_app(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    with other.app_context():
        from flask_migrate import upgrade
        upgrade()
        seed(other)
        assert fingerprint() == first
        db.session.remove()
    third = make_app(f"sqlite:///{tmp_path / 'third.sqlite3'}")
    with third.app_context():
        upgrade()
        seed(third, "another")
        assert fingerprint() != first
        db.session.remove()


def every_row():
    """Every table's rows: what a command wrote, or did not."""
    db.session.expire_all()
    rows = {table.name: db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
            for table in db.metadata.sorted_tables}
    db.session.rollback()
    return rows


def test_seed_refuses_a_database_holding_users_it_did_not_create(app, runner):
    """The seed adds admins whose password is in the repository: on a database with a demo (or any real) user
    it stops, says why, and writes nothing."""
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    before = every_row()
    assert {u.username for u in before[User.__tablename__]} == {"dinas", "supervisor", "pendamping"}
    assert before["village"] and before["instrument_version"]
    result = runner.invoke(bench, ["seed", "--regency", JOMBANG])
    assert result.exit_code == 1, result.output
    assert "Refusing to seed" in result.output and "3 user(s) the benchmark did not create (dinas, pendamping, " \
        "supervisor)" in result.output and "Nothing was written." in result.output
    assert every_row() == before
    # one of its own names with another password is someone's too
    for user in db.session.scalars(select(User)):
        db.session.delete(user)
    national = User(username="nasional", name="Admin Nasional", role=ADMIN)
    national.set_password("kata-sandi-nasional")
    db.session.add(national)
    db.session.commit()
    before = every_row()
    result = runner.invoke(bench, ["seed", "--regency", JOMBANG])
    assert result.exit_code == 1 and "(nasional)" in result.output
    assert every_row() == before
    # once it holds only the benchmark's own users it seeds, and a rerun goes on
    db.session.delete(db.session.scalars(select(User)).one())
    db.session.commit()
    assert "612 assessments added" in seed(app)
    assert "0 assessments added" in seed(app)


def test_bench_run_measures_everything_on_a_tiny_dataset(app, database_url, tmp_path):
    seed(app)
    db.session.remove()
    env = os.environ | {"DATABASE_URL": database_url, "FLASK_APP": "bench.cli", "SESSION_COOKIE_SECURE": "0",
                        "SIAPKOP_INSTANCE": str(tmp_path / "instance")}
    done = subprocess.run([sys.executable, "-m", "flask", "bench", "run", "--users", "4", "--seconds", "2", "--rounds", "2",
                           "--results", str(tmp_path)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    database = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    [report] = tmp_path.glob(f"*-{database}.json")
    results = json.loads(report.read_text())
    assert results["machine"]["database"] == database and results["machine"]["cores"] >= 1
    assert results["dataset"]["cooperatives"] == 306 and results["dataset"]["assessments"] == 612
    rollups = results["rollups"]
    assert (rollups["national_per_province"]["areas"], rollups["national_per_province"]["cooperatives"]) == (1, 306)
    assert (rollups["province_per_regency"]["areas"], rollups["jombang_per_kecamatan"]["areas"]) == (1, 21)
    assert rollups["jombang_per_kecamatan"]["assessed"] == 306 and rollups["jombang_dashboard_http"]["ms"] > 0
    # each rollup and dashboard read from the kept tallies is the one the recount gives, and the seed and the
    # load (approvals and reopenings through the review pages) left the tallies as a recount finds them
    assert all(x["same"] and x["recount_ms"] > 0 for x in rollups.values()), rollups
    assert results["tallies_after_seed"] == results["tallies_after_load"] == 0
    # approvals and reopenings timed in process with the tallies kept and without, as many each way
    assert all(x["count"] == 40 and 0 < x["kept_50"] <= x["kept_95"] and x["unkept_50"] > 0 and x["ratio"] > 0
               for x in results["transitions"].values()), results["transitions"]
    csv_all, xlsx = results["exports"]["csv_all"], results["exports"]["xlsx_province"]
    assert (csv_all["status"], csv_all["rows"], xlsx["status"]) == (200, 306, 200)
    assert csv_all["peak_rss_mb"] >= csv_all["rss_before_mb"] > 0 and xlsx["bytes"] > 10_000
    load = results["load"]
    assert load["app"]["errors"] == load["bare"]["errors"] == load["setup"]["errors"] == 0, load
    assert load["app"]["autosaves"] > 0 and load["bare"]["autosaves"] > 0 and load["ratio"] > 0
    assert load["rounds"] == 2 and len(load["round_ratios"]) == 2 and all(r > 0 for r in load["round_ratios"])
    assert load["app"]["seconds"] >= 2 and load["bare"]["seconds"] >= 2
    assert load["app"]["autosave_ms"]["p50"] <= load["app"]["autosave_ms"]["p95"] <= load["app"]["autosave_ms"]["p99"]
    # each server's workers' CPU in its own windows: some, and no more than its 2 workers could use
    assert all(0 < load[target]["worker_cpu_ms"] and 0 < load[target]["worker_cores"] <= 2.2 for target in ("app", "bare"))
    assert all(load[target]["loader_cpu_ms"] > 0 for target in ("app", "bare"))
    # beside the autosaves, a reviewer approved and reopened, each through its review page, without an error
    reviews = load["reviews"]
    assert all(reviews[action]["actions"] > 0 and reviews[action]["errors"] == 0 for action in ("approve", "reopen")), reviews
    assert "| approve |" in report.with_suffix(".md").read_text()
    prepared = db.session.scalar(select(func.count()).where(Event.comment == "Disiapkan untuk benchmark."))
    statuses = dict(db.session.execute(select(Assessment.status, func.count()).group_by(Assessment.status)).all())
    assert statuses.get(SUBMITTED, 0) + reviews["approve"]["actions"] == prepared > 0
    assert statuses.get(RETURNED, 0) == reviews["reopen"]["actions"]
    assert results["pages"]["assessment_section"]["gzip"] <= 60 * 1024
    assert all(page["files"] >= 2 and page["raw"] > page["gzip"] for page in results["pages"].values())
    markdown = report.with_suffix(".md").read_text()
    assert "| National rollup per province |" in markdown and "Bare upsert" in markdown
    assert "| National rollup per province |" in done.stdout
    # the load test's visits and autosaves are in the database: a draft with answers per loader user (and
    # the one the page weights opened, without), and the bare app's upserts in the assessment set aside for each
    drafts = db.session.scalars(select(Assessment).where(Assessment.status == DRAFT)).all()
    baseline = [a for a in drafts if a.id == baseline_id(a.facilitator.username)]
    visits = [a for a in drafts if a not in baseline]
    assert len(visits) == 5 and sum(1 for a in visits if a.answers) == 4
    assert len(baseline) == 4 and all(a.answers for a in baseline)


def test_the_benchmark_imports_nothing_of_the_tests():
    """The benchmark stands beside the app and its tests: what both start (bench/cluster.py) lives in bench/,
    and no module of bench/ imports tests/."""
    import ast
    for path in (ROOT / "bench").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(name == "tests" or name.startswith("tests.") for name in names), (path, node.lineno)


@pytest.mark.parametrize("share, expected", [(0.5, 20.0), (0.95, 40.0), (0.99, 40.0)])
def test_percentiles_are_nearest_rank(share, expected):
    from bench.load import percentile
    assert percentile([0.01, 0.02, 0.03, 0.04], share) == expected


@contextmanager
def serving(handler):
    """A local HTTP server answering with `handler` in a thread: its URL, while the block runs."""
    handler.log_message = lambda *args: None  # quiet
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def test_the_loader_keeps_a_connection_the_server_keeps_and_sends_back_its_cookies():
    """Over HTTP/1.1 the loader's browser reuses its connection until the server says "close", and
    sends each cookie the server set; a closed connection is opened again for the next request."""
    from bench.load import Session

    seen = []  # (client port, path, Cookie header, body) of each request

    class KeepAlive(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            seen.append((self.client_address[1], self.path, self.headers.get("Cookie"), body))
            reply = f"hello {len(seen)}".encode()
            self.send_response(200)
            self.send_header("Set-Cookie", f"session=s{len(seen)}; HttpOnly; Path=/")
            if self.path == "/last":
                self.send_header("Connection", "close")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

    with serving(KeepAlive) as url:
        browser = Session(url)
        replies = [browser.request("POST", path, {"a": "b c"}, {"X-Test": "1"}) for path in ("/one", "/last", "/again")]
        browser.close()
    assert replies == [(200, "hello 1"), (200, "hello 2"), (200, "hello 3")]
    assert [cookie for _, _, cookie, _ in seen] == [None, "session=s1", "session=s2"]
    assert {body for *_, body in seen} == {"a=b+c"}
    first, second, third = (port for port, *_ in seen)
    assert first == second != third  # kept open, then opened again after "Connection: close"


def test_a_failed_set_up_is_an_error_and_keeps_no_one_waiting():
    """A server whose section pages carry no CSRF token: each loader thread's set-up fails, is counted
    as an error, and the windows still open and close for the others (the loader does not hang)."""
    from bench.load import run

    class NoToken(BaseHTTPRequestHandler):
        """Logs in and starts a visit, but its section pages carry no token for the autosaves."""
        def do_GET(self):
            with_token = self.path.startswith(("/auth/login", "/assessments/new/"))
            self.reply(200, b'<input name="csrf_token" value="t">' if with_token else b"ok")

        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            self.reply(302, b"")

        def reply(self, status, body):
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    results = []
    spec = {"users": [{"username": f"u{i}", "password": "x", "cooperative_id": 1} for i in range(3)],
            "sections": ["A"], "questions": [["A1", ["yes"]]]}
    with serving(NoToken) as url:
        loader = threading.Thread(target=lambda: results.append(run((url, url), spec, 0.2, 2)), daemon=True)
        loader.start()
        loader.join(timeout=30)
    assert not loader.is_alive() and len(results) == 1
    [result] = results
    assert result["setup"]["error_kinds"] == {"no CSRF token on the page": 3}
    assert result["app"]["autosaves"] == result["bare"]["autosaves"] == 0 and result["rounds"] == 2


def bench_run(database_url, tmp_path, *options):
    env = os.environ | {"DATABASE_URL": database_url, "FLASK_APP": "bench.cli", "SESSION_COOKIE_SECURE": "0",
                        "SIAPKOP_INSTANCE": str(tmp_path / "instance")}
    return subprocess.run([sys.executable, "-m", "flask", "bench", "run", "--results", str(tmp_path), *options],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def test_bench_run_through_nginx_gives_one_server_and_two_side_by_side(app, database_url, tmp_path):
    """`flask bench run --cluster`: in the same run, the autosave load against one app server directly and
    against nginx in front of two, both on the bench's PostgreSQL; their figures side by side in the printed
    table and the report. On SQLite it refuses, saying why, before measuring anything."""
    if database_url.startswith("sqlite"):
        done = bench_run(database_url, tmp_path, "--cluster")
        assert done.returncode == 1 and "--cluster needs PostgreSQL, not sqlite" in done.stderr, done.stderr
        assert "Nothing was measured." in done.stderr and not list(tmp_path.glob("*.json"))
        return
    from bench.cluster import missing
    if missing():
        if os.environ.get("SIAPKOP_REQUIRE_CLUSTER") == "1":
            pytest.fail(f"not found: {', '.join(missing())} (apt-get install -y nginx redis-server)")
        pytest.skip(f"not found: {', '.join(missing())}")
    seed(app)
    db.session.remove()
    done = bench_run(database_url, tmp_path, "--cluster", "--users", "3", "--seconds", "2", "--rounds", "2")
    assert done.returncode == 0, done.stderr[-3000:]
    [report] = tmp_path.glob("*-postgresql.json")
    cluster = json.loads(report.read_text())["cluster"]
    assert (cluster["users"], cluster["servers"], cluster["rounds"], cluster["window_seconds"]) == (3, 2, 2, 1.0)
    assert cluster["setup"]["errors"] == 0 and cluster["setup"]["requests"] > 0, cluster["setup"]
    for served in ("single", "cluster"):
        figures = cluster[served]
        assert figures["errors"] == 0, (served, figures["error_kinds"])
        assert figures["autosaves"] > 0 and figures["seconds"] >= 2
        assert all(isinstance(figures[name], float) and figures[name] > 0
                   for name in ("autosaves_per_s", "worker_cpu_ms", "worker_cores"))
        assert 0 < figures["autosave_ms"]["p50"] <= figures["autosave_ms"]["p95"]
    # both rows, with the same figures, in the console and in the Markdown report
    markdown = report.with_suffix(".md").read_text()
    for label, served in (("One app server, directly", "single"), ("nginx, 2 app servers", "cluster")):
        figures = cluster[served]
        row = (f"| {label} | {figures['autosaves_per_s']} | {figures['autosave_ms']['p50']} | "
               f"{figures['autosave_ms']['p95']} | 0 |")
        assert row in markdown and row in done.stdout, (row, done.stdout[-2000:])
    assert "## Load through nginx" in markdown
    # the autosaves reached the database through both: two visits with answers per loader user, one started on
    # the single server and one through nginx (each loader thread draws its visits' ids from a generator seeded
    # by its number, so the single server's visit is the plain load's, started again as a retried start is)
    visits = [a for a in db.session.scalars(select(Assessment).where(Assessment.status == DRAFT))
              if a.id != baseline_id(a.facilitator.username) and a.answers]
    assert len(visits) == 2 * 3
