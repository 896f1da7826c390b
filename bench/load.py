"""The load generator: N simulated facilitators against two running servers, in a process of its own.

Standard library only (no Flask), so it measures the servers, not itself:

    python -m bench.load http://127.0.0.1:8000 http://127.0.0.1:8001 spec.json --seconds 20 --rounds 4

The first URL serves SiapKop, the second the bare upsert app (bench/bare.py). spec.json is
{"users": [{"username", "password", "cooperative_id"}], "sections": [code], "questions": [[code,
[answers]]]}: one thread per user. Each logs in to SiapKop, starts a visit to its cooperative and opens
each of its sections (the set-up, timed apart). When all are set up, the measured windows follow,
SiapKop's and the bare app's in turn, `rounds` of each, `seconds` in all for each app. In SiapKop's
windows every thread autosaves answers as a facilitator fills the form: question after question, one
of its answers picked at random, and from the first question again once all are answered. In the bare
app's windows it posts the same answers to /upsert. Taking turns, rather than one app after the other,
gives both the same share of whatever else the machine is doing. Prints one JSON object: for each app
the autosaves, their rate and latency percentiles in milliseconds, and the errors; the set-up's
latencies; the ratio of the two rates, and the ratio of each round; and the loader's own CPU per
request in each app's windows. With `--masters APP_PID BARE_PID` (the gunicorn masters; several
pids joined by commas for a target served by several), also the CPU time each server's workers spent in
its own windows, read from /proc: per autosave, and in cores (2.0: both workers of one server busy
throughout).

With "reviews" in spec.json ({"accounts": {username: password}, "actions": [[username, "approve" or
"reopen", assessment id]]}), one more thread reviews in SiapKop's windows, as supervisors and a Dinas
admin do beside the facilitators: it logs each account in during the set-up, then takes the actions in
order: it opens the review page and approves (confirmed) or reopens (with a reason) from it, pausing
`REVIEW_PAUSE` between actions. Each action's POST is timed apart, under the facilitators' load.

With `--cluster`, the second URL serves SiapKop too (nginx in front of two app servers, `flask bench run
--cluster`): the same threads log in to both, start a visit on each, and autosave to the first URL ("single")
and the second ("cluster") in turns, as they do to SiapKop and the bare app otherwise.
"""
import argparse
import json
import os
import random
import re
import socket
import sys
import threading
import time
import uuid
from datetime import date
from urllib.parse import urlencode, urlsplit

VERSION = re.compile(r'name="version" value="(\d+)"')
REVIEW_PAUSE = 0.1  # seconds between a reviewer's actions: one person at a time, not a flood
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


class Session:
    """One browser: its connection to one server, and its cookies.

    HTTP/1.1 over a plain socket, with only what these requests need (a body of known length), rather
    than http.client: the loader shares the servers' cores, so it should spend little CPU of its own,
    and a sync gunicorn worker waits for the client to close each connection before it takes the next."""

    def __init__(self, base):
        parts = urlsplit(base)
        self.address = (parts.hostname, parts.port)
        self.host = f"{parts.hostname}:{parts.port}"
        self.socket = None
        self.cookies = {}

    def request(self, method, path, form=None, headers=()):
        """(status, body text) of one request; cookies kept, redirects not followed."""
        body = b"" if form is None else urlencode(form).encode("ascii")
        head = {"Host": self.host, **dict(headers), "Content-Length": len(body)}
        if form is not None:
            head["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            head["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        message = "".join(f"{name}: {value}\r\n" for name, value in head.items())
        try:
            if self.socket is None:
                self.socket = socket.create_connection(self.address, timeout=30)
            self.socket.sendall(f"{method} {path} HTTP/1.1\r\n{message}\r\n".encode("latin-1") + body)
            status, keep_open, text = self.response()
        except OSError:  # ConnectionError included
            self.close()  # reconnects on the next request
            raise
        if not keep_open:
            self.close()
        return status, text

    def response(self):
        """(status, whether the server keeps the connection open, body text) of the response on the
        socket; its cookies are kept."""
        data = self.receive(b"")
        while b"\r\n\r\n" not in data:
            data = self.receive(data)
        head, _, body = data.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        version, status = status_line.split(" ", 2)[:2]
        fields = {}
        for line in lines:
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
            fields[name] = value
        if "content-length" not in fields:
            raise ConnectionError(f"a response without Content-Length ({status_line})")
        while len(body) < int(fields["content-length"]):
            body = self.receive(body)
        connection = fields.get("connection", "").lower()
        keep_open = connection == "keep-alive" if version == "HTTP/1.0" else connection != "close"
        return int(status), keep_open, body.decode("utf-8", "replace")

    def receive(self, data):
        chunk = self.socket.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection before its response ended")
        return data + chunk

    def close(self):
        if self.socket is not None:
            self.socket.close()
            self.socket = None


def token(text):
    found = TOKEN.search(text)
    if not found:
        raise RuntimeError("no CSRF token on the page")
    return found.group(1) or found.group(2)


TARGETS = ("app", "bare")  # SiapKop and the bare upsert app
CLUSTER_TARGETS = ("single", "cluster")  # SiapKop on one app server, and behind nginx on two
BARE = "bare"  # the one target that is not SiapKop


REVIEW_ACTIONS = ("approve", "reopen")


class Recorder:
    """Latencies and errors from every thread."""

    def __init__(self, targets=TARGETS):
        self.lock = threading.Lock()
        self.times = {kind: [] for kind in ("setup", *targets, *REVIEW_ACTIONS)}
        self.errors = {kind: {} for kind in ("setup", *targets, *REVIEW_ACTIONS)}

    def timed(self, kind, call, ok=(200,)):
        started = time.perf_counter()
        try:
            status, text = call()
        except Exception as error:  # a refused or reset connection is an error to report, not a crash
            self.error(kind, type(error).__name__)
            return None
        elapsed = time.perf_counter() - started
        with self.lock:
            self.times[kind].append(elapsed)
        if status not in ok:
            self.error(kind, f"HTTP {status}")
            return None
        return text

    def error(self, kind, what):
        with self.lock:
            self.errors[kind][what] = self.errors[kind].get(what, 0) + 1


def facilitator(urls, user, spec, windows, recorder, rng):
    """Log in, start a visit and open its sections on each SiapKop target; then, in each window, autosave to
    SiapKop or upsert to the bare app until it closes. A thread whose set-up failed sits the windows out."""
    browsers = dict(zip(windows.targets, (Session(url) for url in urls)))
    ready = {}
    for target, browser in browsers.items():
        if target == BARE:
            ready[target] = True
            continue
        try:
            ready[target] = setup(browser, user, spec["sections"], recorder, rng)
        except RuntimeError as error:  # a page without its CSRF token; the others must not wait for this thread
            recorder.error("setup", str(error))
            ready[target] = None
    if not all(ready.values()):
        ready = {}
    questions = spec["questions"]
    asked = dict.fromkeys(windows.targets, 0)  # questions answered so far, on each target
    for target in windows.plan:
        windows.wait()  # every thread is done with what came before: the window opens
        browser = browsers[target]
        while ready and time.monotonic() < windows.deadline:
            code, choices = questions[asked[target] % len(questions)]
            asked[target] += 1
            if target != BARE:
                assessment, headers = ready[target]
                form = {code: rng.choice(choices), "ts": str(int(time.time() * 1000))}
                recorder.timed(target, lambda: browser.request(
                    "POST", f"/assessments/{assessment}/answers/{code}", form, headers))
            else:
                form = {"user": user["username"], "code": code, "value": rng.choice(choices)}
                recorder.timed(BARE, lambda: browser.request("POST", "/upsert", form))
    windows.wait()  # the last window closes


def setup(browser, user, sections, recorder, rng):
    """Log in, start a visit and open its sections: (assessment id, autosave headers), or None on an error."""
    page = recorder.timed("setup", lambda: browser.request("GET", "/auth/login"))
    if page is None or recorder.timed("setup", lambda: browser.request("POST", "/auth/login", {
            "username": user["username"], "password": user["password"], "csrf_token": token(page)}),
            ok=(302, 303)) is None:
        return None
    new = f"/assessments/new/{user['cooperative_id']}"
    page = recorder.timed("setup", lambda: browser.request("GET", new))
    assessment = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    # A run on a database kept from an earlier one finds that run's draft: start another, as the page asks.
    if page is None or recorder.timed("setup", lambda: browser.request("POST", new, {
            "csrf_token": token(page), "id": assessment, "visit_date": date.today().isoformat(), "another": "y"}),
            ok=(302, 303)) is None:
        return None
    for section in sections:
        page = recorder.timed("setup", lambda: browser.request("GET", f"/assessments/{assessment}/sections/{section}"))
        if page is None:
            return None
    return assessment, {"HX-Request": "true", "X-CSRFToken": token(page)}


def reviewer(url, reviews, windows, recorder):
    """Log each review account in, then in SiapKop's windows take the actions in order (one at a time,
    REVIEW_PAUSE apart) until each window closes or none is left."""
    browsers = {}
    for username, password in reviews["accounts"].items():
        browser = Session(url)
        page = recorder.timed("setup", lambda: browser.request("GET", "/auth/login"))
        if page is not None and recorder.timed("setup", lambda: browser.request("POST", "/auth/login", {
                "username": username, "password": password, "csrf_token": token(page)}), ok=(302, 303)) is not None:
            browsers[username] = browser
    pending = [action for action in reviews["actions"] if action[0] in browsers]
    for target in windows.plan:
        windows.wait()
        while target == windows.targets[0] and pending and time.monotonic() < windows.deadline:
            username, action, assessment = pending.pop(0)
            review(browsers[username], action, assessment, recorder)
            time.sleep(REVIEW_PAUSE)
    windows.wait()


def review(browser, action, assessment, recorder):
    """Open the review page of `assessment`, then `action` it from there: only the action is timed."""
    status, page = browser.request("GET", f"/reviews/{assessment}")
    found = VERSION.search(page) if status == 200 else None
    if found is None:
        recorder.error(action, f"review page HTTP {status}")
        return
    form = {"csrf_token": token(page), "version": found.group(1)}
    form |= {"confirmed": "y"} if action == "approve" else {"comment": "Dibuka kembali oleh benchmark."}
    recorder.timed(action, lambda: browser.request("POST", f"/reviews/{assessment}/{action}", form), ok=(302, 303))


class Windows:
    """The measured windows, SiapKop's and the bare app's in turn. Each opens when every thread has
    finished what came before, and lasts `seconds`; how long each really lasted, and how many requests
    were answered in it, are kept as it closes."""

    def __init__(self, threads, seconds, rounds, recorder, masters=None, targets=TARGETS):
        self.targets = targets
        self.plan = list(targets) * rounds
        self.seconds, self.recorder, self.masters = seconds, recorder, masters or {}
        self.opened = self.answered = self.deadline = self.cpu = None
        self.closed = []  # (seconds, requests answered) of each window
        self.cpu_used = dict.fromkeys(targets, 0.0)  # each server's workers' CPU seconds in its own windows
        self.loader_used = dict.fromkeys(targets, 0.0)  # this process's CPU seconds in each server's windows
        self.loader = None
        self.barrier = threading.Barrier(threads, action=self.turn)

    def wait(self):
        self.barrier.wait()

    def turn(self):
        cpu = {target: sum(map(workers_cpu, pids)) for target, pids in self.masters.items()}
        loader = time.process_time()
        now, answered = time.monotonic(), sum(len(self.recorder.times[target]) for target in self.targets)
        if self.opened is not None:
            target = self.plan[len(self.closed)]
            self.closed.append((now - self.opened, answered - self.answered))
            self.loader_used[target] += loader - self.loader
            if target in cpu:
                self.cpu_used[target] += cpu[target] - self.cpu[target]
        self.opened, self.answered, self.deadline, self.cpu, self.loader = now, answered, now + self.seconds, cpu, loader


def workers_cpu(master):
    """CPU seconds (user and system) used so far by the processes whose parent is `master`."""
    used = 0
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
        except (OSError, IndexError):
            continue  # not a process, or one that has just ended
        if int(fields[1]) == master:
            used += int(fields[11]) + int(fields[12])
    return used / os.sysconf("SC_CLK_TCK")


def percentile(values, share):
    """The nearest-rank percentile, in milliseconds."""
    if not values:
        return None
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))], 1)


def rates(recorder, windows):
    """Each app's autosaves over its windows, and the ratio of the two rates, overall and per round."""
    result, (first, second) = {}, windows.targets
    for target, closed in ((first, windows.closed[0::2]), (second, windows.closed[1::2])):
        saves, seconds = recorder.times[target], sum(span for span, _ in closed)
        result[target] = {
            "seconds": round(seconds, 2), "autosaves": len(saves), "autosaves_per_s": round(len(saves) / seconds, 1),
            "autosave_ms": {"p50": percentile(saves, 0.5), "p95": percentile(saves, 0.95),
                            "p99": percentile(saves, 0.99)},
            "errors": sum(recorder.errors[target].values()), "error_kinds": recorder.errors[target],
            "loader_cpu_ms": round(1000 * windows.loader_used[target] / len(saves), 3) if saves else None}
        if target in windows.masters:
            used = windows.cpu_used[target]
            result[target] |= {"worker_cpu_ms": round(1000 * used / len(saves), 2) if saves else None,
                               "worker_cores": round(used / seconds, 2)}
    per_second = [answered / span for span, answered in windows.closed]
    setup, bare = recorder.times["setup"], result[second]["autosaves_per_s"]
    reviews = {action: {"actions": len(recorder.times[action]), "p50_ms": percentile(recorder.times[action], 0.5),
                        "p95_ms": percentile(recorder.times[action], 0.95),
                        "errors": sum(recorder.errors[action].values()), "error_kinds": recorder.errors[action]}
               for action in REVIEW_ACTIONS}
    return result | {"reviews": reviews} | {
        "setup": {"requests": len(setup), "p50_ms": percentile(setup, 0.5), "p95_ms": percentile(setup, 0.95),
                  "errors": sum(recorder.errors["setup"].values()), "error_kinds": recorder.errors["setup"]},
        "rounds": len(windows.plan) // 2, "window_seconds": windows.seconds,
        "round_ratios": [round(a / b, 2) if b else None for a, b in zip(per_second[0::2], per_second[1::2])],
        "ratio": round(result[first]["autosaves_per_s"] / bare, 2) if bare else None}


def run(urls, spec, seconds, rounds, masters=None, targets=TARGETS):
    """Drive both targets (`targets` names them: TARGETS or CLUSTER_TARGETS) with one thread per user:
    `seconds` of windows for each, in `rounds` turns; `masters` maps each target to its gunicorn masters'
    pids, to read their workers' CPU."""
    recorder, reviews = Recorder(targets), spec.get("reviews")
    windows = Windows(len(spec["users"]) + bool(reviews), seconds / rounds, rounds, recorder, masters, targets)
    threads = [threading.Thread(target=facilitator, args=(urls, user, spec, windows, recorder, random.Random(i)))
               for i, user in enumerate(spec["users"])]
    if reviews:
        threads.append(threading.Thread(target=reviewer, args=(urls[0], reviews, windows, recorder)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return rates(recorder, windows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("app")
    parser.add_argument("bare")
    parser.add_argument("spec")
    parser.add_argument("--seconds", type=float, default=20, help="measured time for each app, in all")
    parser.add_argument("--rounds", type=int, default=4, help="turns each app takes")
    parser.add_argument("--masters", type=pids, nargs=2, metavar=("APP_PID", "BARE_PID"),
                        help="the gunicorn masters (pids joined by commas), to read their workers' CPU time (Linux)")
    parser.add_argument("--cluster", action="store_true", help="the second URL serves SiapKop too")
    args = parser.parse_args(argv)
    with open(args.spec, encoding="utf-8") as fh:
        spec = json.load(fh)
    targets = CLUSTER_TARGETS if args.cluster else TARGETS
    masters = dict(zip(targets, args.masters)) if args.masters else None
    json.dump(run((args.app, args.bare), spec, args.seconds, args.rounds, masters, targets), sys.stdout)


def pids(text):
    return [int(pid) for pid in text.split(",")]


if __name__ == "__main__":
    main()
