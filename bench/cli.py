"""The benchmark's entry, `FLASK_APP=bench.cli`: the app as `make bench` serves it, with `flask bench seed`,
`flask bench run`, and `flask bench export` (one export, measured in its own process)."""
import json
import time
from datetime import date

import click
from flask.cli import AppGroup

from app import ROOT
from app import create_app as siapkop
from app.extensions import db
from bench import measure, report
from bench.cluster import missing
from bench.seed import NotABenchDatabase, seed
from config import Config

bench = AppGroup("bench", help="The national-scale benchmark.")


def create_app():
    """SiapKop from the environment's config, as a server runs it, with the `bench` commands added."""
    app = siapkop(Config)
    app.cli.add_command(bench)
    return app


@bench.command("seed")
@click.option("--seed", "seed_text", default="siapkop", show_default=True, help="The same seed gives the same data.")
@click.option("--regency", "regencies", multiple=True, help="Only this regency (e.g. 35.17); repeatable. Default: all.")
def seed_command(seed_text, regencies):
    """Build the synthetic national dataset (resumes an interrupted run; a rerun adds nothing)."""
    started = time.perf_counter()
    try:
        seed(db.session, seed_text, regencies, echo=click.echo)
    except NotABenchDatabase as refused:
        users = refused.args[0]
        raise click.ClickException(
            f"Refusing to seed {db.engine.url.render_as_string(hide_password=True)}: it holds "
            f"{len(users)} user(s) the benchmark did not create ({', '.join(users[:5])}"
            f"{', ...' if len(users) > 5 else ''}). The benchmark adds admins whose password is in the "
            "repository: seed an empty database (make bench uses a fresh SQLite file). Nothing was written.") from None
    click.echo(f"Seeded in {time.perf_counter() - started:.0f} s.")


@bench.command("run")
@click.option("--users", default=20, show_default=True, help="Simulated facilitators in the load test.")
@click.option("--seconds", default=20.0, show_default=True, help="Measured load time for each server, in all.")
@click.option("--rounds", default=4, show_default=True, help="Turns each server takes in the load test.")
@click.option("--results", "folder", default=str(ROOT / "bench" / "results"), show_default=True)
@click.option("--seed-seconds", type=float, help="How long the seed took, for the report.")
@click.option("--cluster", is_flag=True, envvar="BENCH_CLUSTER",
              help="Also run the load against one app server and nginx in front of two (PostgreSQL only; "
                   "needs nginx and redis-server).")
def run_command(users, seconds, rounds, folder, seed_seconds, cluster):
    """Measure rollups, exports, load and page weight; print the table and write the report."""
    if cluster:
        refuse_cluster_here()
    web = measure.web_app()
    results = {"date": date.today().isoformat(), "machine": report.machine(db.engine.dialect.name),
               "seed_seconds": seed_seconds, "dataset": measure.dataset()}
    steps = [("tallies_after_seed", measure.tallies_checked), ("rollups", lambda: measure.rollups(web)),
             ("exports", measure.exports), ("pages", lambda: measure.pages(web)), ("transitions", measure.transitions),
             ("load", lambda: measure.load(users, seconds, rounds)), ("tallies_after_load", measure.tallies_checked)]
    if cluster:
        database_url = db.engine.url.render_as_string(hide_password=False)
        steps.append(("cluster", lambda: measure.cluster_load(users, seconds, rounds, database_url)))
    for name, step in steps:
        click.echo(f"Measuring {name}…")
        results[name] = step()
    md, js = report.write(results, folder)
    click.echo(report.table(results))
    if "cluster" in results:
        click.echo("\n" + report.cluster_table(results))
    click.echo(f"Written: {md} and {js}")


def refuse_cluster_here():
    """Stop with a clear message unless a cluster can run here: on PostgreSQL, with nginx and redis-server."""
    if db.engine.dialect.name != "postgresql":
        raise click.ClickException(
            f"--cluster needs PostgreSQL, not {db.engine.dialect.name}: several app servers share one database, "
            "which SQLite (a file on one machine) cannot be. Set BENCH_DATABASE_URL=postgresql://... "
            "(make bench) or DATABASE_URL (flask bench run). Nothing was measured.")
    if missing():
        raise click.ClickException(f"--cluster needs {' and '.join(missing())} (apt-get install -y nginx "
                                   "redis-server). Nothing was measured.")


@bench.command("export", hidden=True)
@click.argument("username")
@click.argument("path")
def export_command(username, path):
    """Download one export as USERNAME and print its time and memory as JSON (run by `bench run`)."""
    click.echo(json.dumps(measure.export_in_this_process(measure.web_app(), username, path)))
