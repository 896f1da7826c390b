"""The measurements of `flask bench run`, on the seeded dataset. Each returns plain data for the report.

Database work runs in the command's app context. HTTP requests go through the test client of a second
app built from the same config (`web_app`), so each request gets a context of its own, as under
gunicorn, instead of sharing the command's `g` and session. Rollups and pages are timed in this
process (the median of several runs, after one warm-up). Exports run in a fresh process each, so their
peak memory is their own. The load test serves the app with gunicorn and drives it from a separate
loader process (bench/load.py); with `--cluster`, the same load also drives one app server and nginx in
front of two, on PostgreSQL (bench/cluster.py).
"""
import gzip
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from contextlib import nullcontext
from functools import partial
from unittest.mock import patch

from flask import current_app
from sqlalchemy import func, insert, select, true

from app import ROOT, create_app
from app.assessments.models import Answer, Assessment, Event
from app.auth.models import User
from app.cooperatives.models import Cooperative
from app.extensions import db
from app.instruments.definition import NA
from app.instruments.models import current_version
from app.regions.models import District, Regency, Village
from app.assessments.service import transition
from app.rollups.asked import DISTRICTS, PROVINCES, REGENCIES, Asked, area_rollups, instrument
from app.rollups import routes
from app.rollups.queries import latest_counted
from app.rollups import tallies
from app.rollups.tallies import rebuild
from app.i18n import today
from bench import synthetic
from bench.bare import baseline_id
from bench.load import percentile
from bench.cluster import SERVERS, Cluster, served
from bench.seed import PASSWORD, admin_name, facilitator_name, supervisor_name
from config import Config

PROVINCE, REGENCY, DISTRICT = "35", "35.17", "35.17.08"  # Jawa Timur, Jombang, Diwek
TRANSITIONS = 40  # assessments reopened and approved again in process, each way (with and without tallies)
REVIEWS = 150  # approvals, and reopenings, the load's reviewer may make: more than its windows leave time for
ASSET = re.compile(r'(?:href|src)="(/static/[^"]+\.(?:css|js)(?:\?v=\w+)?)"')


def median_ms(call, runs=5):
    """The median wall time of `call()` over `runs` runs, after one warm-up run, in milliseconds."""
    call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return round(1000 * statistics.median(times), 1)


def web_app():
    """The app as a server runs it: from the environment's config, apart from the command's app."""
    return create_app(Config)


def dataset():
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    return {"villages": count(Village), "cooperatives": count(Cooperative), "assessments": count(Assessment),
            "answers": count(Answer), "events": count(Event), "users": count(User)}


def rollups(web):
    """Rollups national per province, one province per regency, Jombang per kecamatan, and the Jombang and
    national dashboards over HTTP: each read from the kept tallies, and recounted from the assessments as
    before them (the path an earlier date still takes), with the ratio of the two and whether they agree."""
    asked, current = Asked(today(), False), instrument()

    def timed(tier, where):
        areas = db.session.scalars(tier.areas(where)).all()
        rows, total = area_rollups(areas, tier, where, asked, current)
        recounted = area_rollups(areas, tier, where, asked, current, recount=True)
        return with_ratio(median_ms(lambda: area_rollups(areas, tier, where, asked, current)),
                          median_ms(lambda: area_rollups(areas, tier, where, asked, current, recount=True), runs=3)) | {
            "same": recounted == (rows, total), "areas": len(rows), "cooperatives": total.cooperatives,
            "assessed": total.assessed, "mean": None if total.mean is None else round(total.mean, 1)}

    def page(username, runs):
        client, table = logged_in(web, username), {"HX-Request": "true"}  # the table alone: no nonce in it
        kept = ok(client.get("/dashboard/", headers=table)).data
        with patch.object(routes, "area_rollups", partial(area_rollups, recount=True)):
            recounted = ok(client.get("/dashboard/", headers=table)).data
            recount_ms = median_ms(lambda: ok(client.get("/dashboard/")), runs=3)
        return with_ratio(median_ms(lambda: ok(client.get("/dashboard/")), runs=runs), recount_ms) | {
            "same": kept == recounted}

    return {
        "national_per_province": timed(PROVINCES, [true()]),
        "province_per_regency": timed(REGENCIES, [Regency.province_code == PROVINCE]),
        "jombang_per_kecamatan": timed(DISTRICTS, [District.regency_code == REGENCY]),
        "jombang_dashboard_http": page(admin_name(REGENCY), 5),
        "national_dashboard_http": page(admin_name(None), 5),
    }


def with_ratio(ms, recount_ms):
    return {"ms": ms, "recount_ms": recount_ms, "ratio": round(ms / recount_ms, 3) if recount_ms else None}


def tallies_checked():
    """How many differences a recount finds in the kept tallies (nothing is changed)."""
    return len(rebuild(db.session, keep=False))


def exports():
    """The CSV of every cooperative and the XLSX of one province, each in a process of its own."""
    return {"csv_all": export_probe(admin_name(None), "/exports/scores.csv"),
            "xlsx_province": export_probe(admin_name(None), f"/exports/scores.xlsx?area={PROVINCE}")}


def export_probe(username, path):
    """Run `flask bench export` in a fresh process and return what it measured."""
    done = subprocess.run([sys.executable, "-m", "flask", "bench", "export", username, path], cwd=ROOT,
                          env=os.environ | {"FLASK_APP": "bench.cli"}, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def export_in_this_process(web, username, path):
    """Download `path` as `username` through the app, reading the body as it streams; RSS sampled as it goes."""
    client = logged_in(web, username)  # hashing the password (scrypt) alone takes tens of MB: not the export's
    reset_peak_rss()
    before = rss_mb()
    started, size, lines, samples = time.perf_counter(), 0, 0, []
    response = client.get(path)
    for chunk in response.response:
        size += len(chunk)
        lines += chunk.count(b"\n")
        if len(samples) < lines // 10_000:
            samples.append(rss_mb())
    response.close()
    seconds = time.perf_counter() - started
    return {"status": response.status_code, "seconds": round(seconds, 2), "bytes": size,
            "rows": lines - 1 if ".csv" in path else None,  # less the header
            "rss_before_mb": before, "rss_samples_mb": samples, "peak_rss_mb": max([peak_rss_mb(), *samples])}


def rss_mb():
    """This process's resident memory now (Linux)."""
    with open("/proc/self/statm") as fh:
        return round(int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def reset_peak_rss():
    """Start this process's peak resident memory (VmHWM) again from now (Linux)."""
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")


def peak_rss_mb():
    """This process's peak resident memory since the last reset_peak_rss."""
    with open("/proc/self/status") as fh:
        return next(round(int(line.split()[1]) / 1024, 1) for line in fh if line.startswith("VmHWM:"))


def pages(web):
    """Each key page's first load: the page and the CSS and scripts it links, raw and gzip -9."""
    facilitator = facilitator_name(DISTRICT)
    cooperative = db.session.scalar(select(Cooperative.id).join(Cooperative.village)
                                    .where(Village.district_code == DISTRICT).order_by(Cooperative.id))
    client, started = logged_in(web, facilitator), str(uuid.uuid4())
    client.post(f"/assessments/new/{cooperative}", data={
        "csrf_token": page_token(client, f"/assessments/new/{cooperative}"), "id": started,
        "visit_date": date.today().isoformat(), "another": "y"})  # a run on a kept database finds its draft
    plan = [(None, "login", "/auth/login"),
            (facilitator, "facilitator_home", "/assessments/"),
            (facilitator, "cooperatives", "/cooperatives/"),
            (facilitator, "assessment_section", f"/assessments/{started}/sections/A"),
            (supervisor_name(DISTRICT), "review_queue", "/reviews/"),
            (admin_name(REGENCY), "dashboard", "/dashboard/"),
            (admin_name(REGENCY), "kecamatan", f"/dashboard/{DISTRICT}")]
    weights = {}
    for username, name, path in plan:
        client = logged_in(web, username)
        page = ok(client.get(path))
        bodies = [page.data, *(ok(client.get(asset)).data for asset in ASSET.findall(page.get_data(as_text=True)))]
        weights[name] = {"path": path, "files": len(bodies), "raw": sum(map(len, bodies)),
                         "gzip": sum(len(gzip.compress(body, 9)) for body in bodies)}
    return weights


def load(users, seconds, rounds=4):
    """The real app and the bare upsert app, each under gunicorn with 2 workers, driven in turns by the
    same loader: `seconds` of autosaves for each, in `rounds` windows each."""
    spec = loader_spec(users) | {"reviews": review_plan()}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(spec, fh)
    try:
        with served("wsgi:app") as (app_url, app), served("bench.bare:create_bare_app()") as (bare_url, bare):
            done = run_loader(app_url, bare_url, fh.name, seconds, rounds, [app.pid], [bare.pid])
    finally:
        os.unlink(fh.name)
    return {"users": users, **done}


def cluster_load(users, seconds, rounds, database_url):
    """The same load, users and windows against one app server directly ("single") and against nginx in front
    of two ("cluster"), in turns: the two app servers (2 workers each) share the PostgreSQL database at
    `database_url` and a Redis for login limits, as bench/cluster.py starts them; "single" is the first of them."""
    spec = loader_spec(users)
    with tempfile.TemporaryDirectory(prefix="siapkop-cluster-") as folder:
        spec_path = os.path.join(folder, "spec.json")
        with open(spec_path, "w") as fh:
            json.dump(spec, fh)
        with Cluster(os.path.join(folder, "servers"), database_url) as running:
            single = running.servers[SERVERS[0]]
            done = run_loader(single.url, running.url, spec_path, seconds, rounds, [single.process.pid],
                              [server.process.pid for server in running.servers.values()], "--cluster")
    return {"users": users, "servers": len(SERVERS), **done}


def run_loader(first_url, second_url, spec_path, seconds, rounds, first_masters, second_masters, *options):
    """bench/load.py in a process of its own against the two URLs; what it printed."""
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "load.py"), first_url, second_url, spec_path,
                           "--seconds", str(seconds), "--rounds", str(rounds), "--masters",
                           ",".join(map(str, first_masters)), ",".join(map(str, second_masters)), *options],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def loader_spec(users):
    """What bench/load.py reads: `users` loader users, the sections and each question's answers."""
    current = instrument()
    return {"users": loader_users(users), "sections": current.section_codes,
            "questions": [[q.code, answer_choices(q)] for q in current.questions]}


def review_plan(count=REVIEWS):
    """What the loader's reviewer does under load (see bench/load.py): approve and reopen in turn, `count`
    of each at most. Jombang's cooperatives' latest approved assessments, taken in turn: one is reopened
    by the Dinas and submitted again by its facilitator now, through the app's own transitions, for its
    kecamatan's supervisor to approve under load; the next is left for the Dinas to reopen under load."""
    admin = bench_user(admin_name(REGENCY))
    actions, accounts = [], {admin.username: PASSWORD}
    for i, (assessment_id, district) in enumerate(counted_in_jombang(2 * count, lambda c: c)):
        if i % 2:
            actions.append([admin.username, "reopen", str(assessment_id)])
            continue
        assessment = db.session.get(Assessment, assessment_id)
        transition(assessment, "reopen", admin, assessment.version, "Disiapkan untuk benchmark.")
        transition(assessment, "submit", assessment.facilitator, assessment.version)
        accounts[supervisor_name(district)] = PASSWORD
        actions.append([supervisor_name(district), "approve", str(assessment_id)])
    return {"accounts": accounts, "actions": actions}


def counted_in_jombang(limit, order):
    """[(assessment id, kecamatan code)]: the assessments that count for `limit` of Jombang's cooperatives, in
    the `order` (a function of the cooperative id column) of their cooperatives."""
    latest = latest_counted([District.regency_code == REGENCY], today(), current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return db.session.execute(select(latest.c.assessment_id, latest.c.area).order_by(order(latest.c.cooperative_id))
                              .limit(limit)).all()


def bench_user(username):
    return db.session.scalar(select(User).where(User.username == username))


def transitions(count=TRANSITIONS):
    """What keeping the tallies adds to a transition, in this process and without load: `count` of Jombang's
    counted assessments are reopened and, once submitted again, approved with the tallies kept, and as many
    with tallies.follow made a no-op, taking turns assessment by assessment (a reopening and the approval
    after it leave the tallies as they were, so a recount still agrees). Each transition() is timed alone:
    p50 and p95 in ms, and the ratio of the p50s."""
    admin, times = bench_user(admin_name(REGENCY)), {}
    for i, (assessment_id, district) in enumerate(counted_in_jombang(2 * count, lambda c: c.desc())):
        kept, supervisor = i % 2 == 0, bench_user(supervisor_name(district))
        with nullcontext() if kept else patch.object(tallies, "follow", lambda *args: None):
            assessment = db.session.get(Assessment, assessment_id)
            for action, actor, comment in (("reopen", admin, "Diukur oleh benchmark."), ("submit", None, None),
                                           ("approve", supervisor, None)):
                started = time.perf_counter()
                transition(assessment, action, actor or assessment.facilitator, assessment.version, comment)
                times.setdefault((action, kept), []).append(time.perf_counter() - started)
    result = {}
    for action in ("reopen", "approve"):
        kept, unkept = (times.get((action, flag), []) for flag in (True, False))
        result[action] = {"count": len(kept), **{f"{name}_{share}": percentile(values, share / 100)
                                                 for name, values in (("kept", kept), ("unkept", unkept))
                                                 for share in (50, 95)},
                          "ratio": round(statistics.median(kept) / statistics.median(unkept), 2) if kept else None}
    return result


def answer_choices(question):
    """The answers the loader picks from for `question`, as form text: what the seed's cooperatives give
    it (synthetic.answer, any question type) from the least ready to the most, "Tidak berlaku" aside."""
    rng = synthetic.rng_for("loader", question.code)
    given = (synthetic.answer(rng, question, step / 8) for step in range(9) for _ in range(4))
    return sorted({question.encode(value) for value in given if value is not NA})


def loader_users(users):
    """`users` loader users: Jombang's facilitators, each with a cooperative of their kecamatan, and each
    with the assessment the bare app writes to."""
    spec = []
    for district in db.session.scalars(select(District.code).where(District.regency_code == REGENCY)
                                       .order_by(District.code).limit(users)):
        cooperative = db.session.scalar(select(Cooperative.id).join(Cooperative.village)
                                        .where(Village.district_code == district).order_by(Cooperative.id.desc()))
        spec.append({"username": facilitator_name(district), "password": PASSWORD, "cooperative_id": cooperative})
    while len(spec) < users:  # more loader users than kecamatan: share facilitators, each on their own visit
        spec.append(dict(spec[len(spec) % len(spec)]))
    version = current_version()
    for user in spec:
        assessment_id = baseline_id(user["username"])
        if db.session.get(Assessment, assessment_id) is None:
            facilitator = db.session.scalar(select(User.id).where(User.username == user["username"]))
            db.session.execute(insert(Assessment).values(
                id=assessment_id, cooperative_id=user["cooperative_id"], instrument_version_id=version.id,
                facilitator_id=facilitator, visit_date=date.today(), attendees=[]))
    db.session.commit()
    return spec


def logged_in(web, username):
    """A test client of `web`, logged in as `username` (a benchmark user), or anonymous for None."""
    client = web.test_client()
    if username is not None:
        response = client.post("/auth/login", data={"username": username, "password": PASSWORD,
                                                    "csrf_token": page_token(client, "/auth/login")})
        if response.status_code != 302:
            raise RuntimeError(f"cannot log in as {username}: HTTP {response.status_code}")
    return client


def page_token(client, path):
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"',
                     client.get(path).get_data(as_text=True)).group(1)


def ok(response):
    if response.status_code != 200:
        raise RuntimeError(f"HTTP {response.status_code} for {response.request.path}")
    return response
