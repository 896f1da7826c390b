"""The benchmark's report: the machine, the figures against their targets, as a table, Markdown and JSON.
Plain Python: no Flask, no database."""
import json
import os
import platform
from pathlib import Path

# (label, how to read the figure from the results, target, unit); a target is an upper bound, except
# the autosave ratio, a lower one. The figures are those of the targets (SQLite, 2 cores).
TARGETS = (
    ("Jombang dashboard, HTTP", lambda r: r["rollups"]["jombang_dashboard_http"]["ms"], 30, "ms"),
    ("National dashboard, HTTP", lambda r: r["rollups"]["national_dashboard_http"]["ms"], 100, "ms"),
    ("National rollup per province", lambda r: r["rollups"]["national_per_province"]["ms"], 100, "ms"),
    ("Jawa Timur rollup per regency", lambda r: r["rollups"]["province_per_regency"]["ms"], 100, "ms"),
    ("Tallies differing from a recount", lambda r: r["tallies_after_seed"] + r["tallies_after_load"], 0, ""),
    ("CSV of all cooperatives: time", lambda r: r["exports"]["csv_all"]["seconds"], 10, "s"),
    ("CSV of all cooperatives: peak RSS", lambda r: r["exports"]["csv_all"]["peak_rss_mb"], 200, "MB"),
    ("Autosave throughput / bare upsert", lambda r: r["load"]["ratio"], 0.5, "×"),
    ("Autosave p95 under load", lambda r: r["load"]["app"]["autosave_ms"]["p95"], 100, "ms"),
    ("Errors under load", lambda r: r["load"]["app"]["errors"] + r["load"]["setup"]["errors"]
     + sum(x["errors"] for x in r["load"]["reviews"].values()), 0, ""),
    ("Assessment page first load, gzip", lambda r: r["pages"]["assessment_section"]["gzip"] / 1024, 60, "KB"),
)
AT_LEAST = {"Autosave throughput / bare upsert"}


def machine(database):
    """What the figures were measured on."""
    cpu = next((line.split(":", 1)[1].strip() for line in _lines("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor())
    memory = next((int(line.split()[1]) // 1024 for line in _lines("/proc/meminfo") if line.startswith("MemTotal")), None)
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_mb": memory, "os": platform.platform(),
            "python": platform.python_version(), "database": database}


def _lines(path):
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def checks(results):
    """[(label, figure, target, unit, met)] for every target the results hold a figure for."""
    rows = []
    for label, read, target, unit in TARGETS:
        try:
            value = read(results)
        except (KeyError, TypeError):
            continue
        if value is None:
            rows.append((label, None, target, unit, False))
            continue
        rows.append((label, round(value, 2), target, unit, value >= target if label in AT_LEAST else value <= target))
    return rows


def table(results):
    """The figures against their targets, as a Markdown table (also what the console shows)."""
    lines = ["| Measure | Figure | Target | Met |", "|---|---:|---:|:---:|"]
    for label, value, target, unit, met in checks(results):
        bound = "≥" if label in AT_LEAST else "≤"
        figure, limit = (f"{number} {unit}".strip() for number in (value, target))
        lines.append(f"| {label} | {figure} | {bound} {limit} | {'yes' if met else 'NO'} |")
    return "\n".join(lines)


def cluster_table(results):
    """One app server directly against nginx in front of two, side by side, as a Markdown table; "" without them."""
    cluster = results.get("cluster")
    if not cluster:
        return ""
    lines = ["| Served by | Autosaves/s | p50 ms | p95 ms | Errors | Worker CPU ms per autosave | Worker cores busy |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for label, x in (("One app server, directly", cluster["single"]),
                     (f"nginx, {cluster['servers']} app servers", cluster["cluster"])):
        lines.append(f"| {label} | {x['autosaves_per_s']} | {x['autosave_ms']['p50']} | {x['autosave_ms']['p95']} | "
                     f"{x['errors']} | {x.get('worker_cpu_ms', '')} | {x.get('worker_cores', '')} |")
    return "\n".join(lines)


def cluster_section(results):
    """The Markdown section of a `--cluster` run; "" without one."""
    cluster = results.get("cluster")
    if not cluster:
        return ""
    scale = _ratio(cluster["cluster"]["autosaves_per_s"], cluster["single"]["autosaves_per_s"])
    return f"""
## Load through nginx: {cluster['users']} simulated facilitators, {cluster['servers']} app servers on PostgreSQL

The same loader, users and windows drive one app server directly and nginx (round robin) in front of
{cluster['servers']} app servers (gunicorn, 2 workers each; login limits in one Redis), in turns:
{cluster['rounds']} windows of {cluster['window_seconds']} s for each. The server answering directly is one of
the {cluster['servers']}; all share the machine's cores with the loader and PostgreSQL.

{cluster_table(results)}

Worker cores busy count every app server's workers in nginx's windows. Through nginx the throughput is
{scale}× that of one server; round by round (one server / nginx), {_ratios(cluster['round_ratios'])}.
Set-up on both (log in, start a visit, open its sections): {cluster['setup']['requests']} requests,
{cluster['setup']['errors']} errors.
"""


def _ratio(a, b):
    return round(a / b, 2) if a is not None and b else None


def markdown(results):
    m, d, r, e, load = results["machine"], results["dataset"], results["rollups"], results["exports"], results["load"]
    pages = "\n".join(f"| {name} | `{p['path']}` | {p['files']} | {p['raw']:,} | {p['gzip']:,} |"
                      for name, p in results["pages"].items())
    runs = "\n".join(
        f"| {name} | {x['autosaves_per_s']} | {x['autosave_ms']['p50']} | "
        f"{x['autosave_ms']['p95']} | {x['autosave_ms']['p99']} | {x['errors']} | "
        f"{x.get('worker_cpu_ms', '')} | {x.get('worker_cores', '')} | {x.get('loader_cpu_ms', '')} |"
        for name, x in (("SiapKop autosave", load["app"]), ("Bare upsert", load["bare"])))
    return f"""# SiapKop benchmark, {results['date']}, {m['database']}

Machine: {m['cpu']}, {m['cores']} cores, {m['memory_mb']:,} MB RAM; {m['os']}; Python {m['python']}.
Dataset: {d['villages']:,} villages, {d['cooperatives']:,} cooperatives, {d['assessments']:,} assessments,
{d['answers']:,} answers, {d['events']:,} history events, {d['users']:,} users (seeded in {results.get('seed_seconds', '?')} s).

## Targets

{table(results)}

## Rollups (median of 5 runs after a warm-up; the recount of 3)

Each is read from the kept tallies, and recounted from the assessments as before them (the path that an
earlier date, or counting submitted ones, still takes); "Same" says whether the two gave the same rollups
(the same page, over HTTP).

| Rollup | Areas | Cooperatives | Assessed | Mean | Kept tallies | Recount | Ratio | Same |
|---|---:|---:|---:|---:|---:|---:|---:|:---:|
""" + "\n".join(f"| {name} | {x.get('areas', '')} | {_thousands(x.get('cooperatives'))} | "
                f"{_thousands(x.get('assessed'))} | {x.get('mean', '')} | {x['ms']} ms | {x['recount_ms']} ms | "
                f"{x['ratio']} | {'yes' if x['same'] else 'NO'} |" for name, x in r.items()) + f"""

A recount found {results['tallies_after_seed']} difference(s) in the kept tallies after the seed, and
{results['tallies_after_load']} after the load (its approvals and reopenings included).

## Exports (each in a fresh process)

| Export | Rows | Size | Time | RSS before | Peak RSS | RSS while streaming |
|---|---:|---:|---:|---:|---:|---|
""" + "\n".join(f"| {name} | {x['rows'] if x['rows'] is not None else ''} | {x['bytes']:,} B | {x['seconds']} s | "
                f"{x['rss_before_mb']} MB | {x['peak_rss_mb']} MB | {_samples(x['rss_samples_mb'])} |"
                for name, x in e.items()) + f"""

## Load: {load['users']} simulated facilitators, gunicorn with 2 workers

The same loader drives both servers in turns: {load['rounds']} windows of {load['window_seconds']} s each, \
{load['app']['seconds']} s in all for SiapKop and {load['bare']['seconds']} s for the bare upsert.

| Server | Autosaves/s | p50 ms | p95 ms | p99 ms | Errors | Worker CPU ms per autosave | Worker cores busy | Loader CPU ms per request |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
{runs}

Worker CPU is what each server's two workers used in its own windows (from /proc), out of 2 cores;
the loader's CPU is its own, in the same windows, on the same cores.

Autosave throughput is {load['ratio']} of the bare upsert's; round by round, {_ratios(load['round_ratios'])}.
Set-up (log in, start a visit, open each of its sections): {load['setup']['requests']} requests,
p50 {load['setup']['p50_ms']} ms, p95 {load['setup']['p95_ms']} ms, {load['setup']['errors']} errors.
{reviews_section(load)}{transitions_section(results)}

## Page weight: first load (page + CSS + scripts)

| Page | Path | Files | Raw bytes | Gzip bytes |
|---|---|---:|---:|---:|
{pages}{cluster_section(results)}"""


def reviews_section(load):
    """The reviewer's approvals and reopenings, made in SiapKop's windows beside the facilitators' autosaves."""
    if "reviews" not in load:
        return ""
    rows = "\n".join(f"| {action} | {x['actions']} | {x['p50_ms']} | {x['p95_ms']} | {x['errors']} |"
                     for action, x in load["reviews"].items())
    return f"""
In the same windows one reviewer approves (as the kecamatan's supervisor) and reopens (as the Dinas) in
turn, one action at a time, beside the facilitators (the POST of each action, from its review page):

| Action | Actions | p50 ms | p95 ms | Errors |
|---|---:|---:|---:|---:|
{rows}
"""


def transitions_section(results):
    """What keeping the tallies adds to a transition, measured in process without load."""
    if "transitions" not in results:
        return ""
    rows = "\n".join(f"| {action} | {x['count']} | {x['kept_50']} | {x['kept_95']} | {x['unkept_50']} | "
                     f"{x['unkept_95']} | {x['ratio']} |" for action, x in results["transitions"].items())
    return f"""
In process and without load, Jombang's counted assessments reopened and, once submitted again, approved:
half with the tallies kept, half with tallies.follow made a no-op, in turns (transition() alone):

| Action | Each way | p50 ms kept | p95 ms kept | p50 ms without | p95 ms without | Ratio of p50s |
|---|---:|---:|---:|---:|---:|---:|
{rows}
"""


def _thousands(value):
    return "" if value is None else f"{value:,}"


def _ratios(values):
    return ", ".join("–" if v is None else f"{v:g}" for v in values)


def _samples(values):
    if not values:
        return ""
    step = max(1, len(values) // 5)
    return " → ".join(f"{v:g}" for v in values[::step]) + " MB"


def write(results, folder):
    """bench/results/<date>-<database>.md and .json; returns their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"{results['date']}-{results['machine']['database']}"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    stem.with_suffix(".md").write_text(markdown(results))
    return stem.with_suffix(".md"), stem.with_suffix(".json")
