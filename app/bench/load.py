"""The load generator: N simulated facilitators against a running server, in a process of its own.

Standard library only (no Flask), so it measures the server, not itself:

    python -m app.bench.load http://127.0.0.1:8000 users.json --seconds 20 [--bare]

users.json is [{"username", "password", "cooperative_id"}]: one thread per entry. Each logs in, starts
a visit to its cooperative and opens each of its sections (the set-up, timed apart); when all are set
up, each autosaves answers as the phone does for `seconds`.
With --bare each thread only posts to /upsert on the bare app (app/bench/bare.py) instead. Prints
one JSON object: counts, requests per second and latency percentiles in milliseconds over the
measured window, for the autosaves and for every request, and the set-up's latencies apart.
"""
import argparse
import http.client
import json
import random
import re
import sys
import threading
import time
import uuid
from datetime import date
from urllib.parse import urlencode, urlsplit

TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"|"X-CSRFToken": "([^"]+)"')
# Autosaves the loader makes: (question code, answers it picks from); all valid in the default instrument.
ANSWERS = [(f"A{i}", ("yes", "no")) for i in range(1, 7)] + [
    ("B3", "01234"), ("C1", [str(n) for n in range(0, 300, 7)]), ("C2", "01234"), ("D1", "012345")]
SECTIONS = "ABCDEFGH"


class Session:
    """One browser: a keep-alive connection and its cookies."""

    def __init__(self, base):
        parts = urlsplit(base)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        self.cookies = {}

    def request(self, method, path, form=None, headers=()):
        """(status, body text) of one request; cookies kept, redirects not followed."""
        head = dict(headers)
        if self.cookies:
            head["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            head["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=head)
            response = self.connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            self.connection.close()  # reconnects on the next request
            raise
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return response.status, text


def token(text):
    found = TOKEN.search(text)
    if not found:
        raise RuntimeError("no CSRF token on the page")
    return found.group(1) or found.group(2)


class Recorder:
    """Latencies and errors from every thread."""

    def __init__(self):
        self.lock = threading.Lock()
        self.times = {"setup": [], "autosave": []}
        self.errors = {}

    def timed(self, kind, call, ok=(200,)):
        started = time.perf_counter()
        try:
            status, text = call()
        except Exception as error:  # a refused or reset connection is an error to report, not a crash
            self.error(f"{kind}: {type(error).__name__}")
            return None
        elapsed = time.perf_counter() - started
        with self.lock:
            self.times[kind].append(elapsed)
        if status not in ok:
            self.error(f"{kind}: HTTP {status}")
            return None
        return text

    def error(self, what):
        with self.lock:
            self.errors[what] = self.errors.get(what, 0) + 1


def facilitator(base, user, window, recorder, rng):
    """Log in, start a visit and open its sections; then autosave until the window closes."""
    browser = Session(base)
    with window:
        page = recorder.timed("setup", lambda: browser.request("GET", "/auth/login"))
        if page is None or recorder.timed("setup", lambda: browser.request("POST", "/auth/login", {
                "username": user["username"], "password": user["password"], "csrf_token": token(page)}),
                ok=(302, 303)) is None:
            return
        new = f"/assessments/new/{user['cooperative_id']}"
        page = recorder.timed("setup", lambda: browser.request("GET", new))
        assessment = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if page is None or recorder.timed("setup", lambda: browser.request("POST", new, {
                "csrf_token": token(page), "id": assessment, "visit_date": date.today().isoformat()}),
                ok=(302, 303)) is None:
            return
        for section in SECTIONS:
            page = recorder.timed("setup", lambda: browser.request("GET", f"/assessments/{assessment}/sections/{section}"))
            if page is None:
                return
    headers = {"HX-Request": "true", "X-CSRFToken": token(page)}
    while time.monotonic() < window.deadline:
        code, choices = rng.choice(ANSWERS)
        form = {code: rng.choice(choices), "ts": str(int(time.time() * 1000))}
        recorder.timed("autosave", lambda: browser.request("POST", f"/assessments/{assessment}/answers/{code}",
                                                            form, headers))


def bare(base, user, window, recorder, rng):
    """The same loop against the bare app: one upsert per request, nothing else."""
    browser = Session(base)
    with window:
        pass
    while time.monotonic() < window.deadline:
        code, choices = rng.choice(ANSWERS)
        recorder.timed("autosave", lambda: browser.request("POST", "/upsert", {
            "user": user["username"], "code": code, "value": rng.choice(choices)}))


class Window:
    """The measured window: it opens when every thread has finished its set-up (or failed it)."""

    def __init__(self, threads, seconds):
        self.barrier = threading.Barrier(threads, action=self.open)
        self.seconds, self.start, self.deadline = seconds, None, None

    def open(self):
        self.start = time.monotonic()
        self.deadline = self.start + self.seconds

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.barrier.wait()  # also after a failed set-up, so the others are not kept waiting
        return False


def percentile(values, share):
    """The nearest-rank percentile, in milliseconds."""
    if not values:
        return None
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))], 1)


def summary(recorder, seconds):
    saves, setup = recorder.times["autosave"], recorder.times["setup"]
    return {
        "seconds": round(seconds, 2), "autosaves": len(saves), "autosaves_per_s": round(len(saves) / seconds, 1),
        "autosave_ms": {"p50": percentile(saves, 0.5), "p95": percentile(saves, 0.95), "p99": percentile(saves, 0.99)},
        "setup": {"requests": len(setup), "p50_ms": percentile(setup, 0.5), "p95_ms": percentile(setup, 0.95)},
        "errors": sum(recorder.errors.values()), "error_kinds": recorder.errors,
    }


def run(base, users, seconds, mode):
    recorder, window = Recorder(), Window(len(users), seconds)
    worker = bare if mode == "bare" else facilitator
    threads = [threading.Thread(target=worker, args=(base, user, window, recorder, random.Random(i)))
               for i, user in enumerate(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return summary(recorder, time.monotonic() - window.start)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base")
    parser.add_argument("users")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--bare", action="store_true")
    args = parser.parse_args(argv)
    with open(args.users, encoding="utf-8") as fh:
        users = json.load(fh)
    json.dump(run(args.base, users, args.seconds, "bare" if args.bare else "app"), sys.stdout)


if __name__ == "__main__":
    main()
