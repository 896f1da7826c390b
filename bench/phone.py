"""How long a facilitator waits on a village signal: `make bench-phone`.

Serves the demo (`flask demo load`) with gunicorn behind a throttling proxy (400 ms of round trip,
400 kbit/s each way per connection, as a weak 3G signal), and drives Debian's Chromium as a Pixel 5 with
a persistent profile. Two figures, each from opening the app to the first question of an existing
draft being on the screen:
- cold: a new phone, nothing kept, logging in with "Ingat saya";
- return: the same phone after the browser was closed and opened again.
Writes bench/results/<date>-phone.md and prints it.
"""
import asyncio
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LATENCY = 0.4  # seconds of round trip added to every exchange
RATE = 400_000 / 8  # bytes per second, each way, per connection
ROUNDS = 5  # returns measured


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def throttle(listen, target):
    """A TCP proxy on `listen` to `target` that delays each direction by half the latency and paces it."""
    async def pipe(reader, writer):
        """Each chunk arrives half the latency after it was sent, and no sooner than the line's pace allows."""
        loop, free_at, line = asyncio.get_running_loop(), 0.0, asyncio.Queue()

        async def deliver():
            try:
                while (item := await line.get()) is not None:
                    due, data = item
                    await asyncio.sleep(max(0.0, due - loop.time()))
                    writer.write(data)
                    await writer.drain()
            except ConnectionError:  # the other side closed first, as browsers do
                pass
            writer.close()
        delivering = asyncio.create_task(deliver())
        try:
            while data := await reader.read(4096):
                free_at = max(free_at, loop.time()) + len(data) / RATE
                line.put_nowait((free_at + LATENCY / 2, data))
        except ConnectionError:
            pass
        line.put_nowait(None)
        await delivering

    async def handle(client_reader, client_writer):
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target)
        await asyncio.gather(pipe(client_reader, server_writer), pipe(server_reader, client_writer))

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", listen)
        async with server:
            await server.serve_forever()

    threading.Thread(target=lambda: asyncio.run(main()), daemon=True).start()


def serve(instance):
    """The demo on gunicorn; returns (its process, its port, the facilitator's password)."""
    env = {**os.environ, "SIAPKOP_INSTANCE": str(instance), "SESSION_COOKIE_SECURE": "0", "FLASK_APP": "wsgi",
           "DATABASE_URL": f"sqlite:///{instance}/siapkop.sqlite3"}
    subprocess.run([BIN / "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    logins = subprocess.run([BIN / "flask", "demo", "load"], cwd=ROOT, env=env, check=True, capture_output=True,
                            text=True).stdout
    password = re.search(r"facilitator\s+pendamping\s+(\S+)", logins).group(1)
    port = free_port()
    server = subprocess.Popen([BIN / "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
                              cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.1).close()
            break
        except OSError:
            time.sleep(0.1)
    return server, port, password


def phone(playwright, profile):
    device = {k: v for k, v in playwright.devices["Pixel 5"].items() if k != "default_browser_type"}
    context = playwright.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, args=ARGS,
                                                            locale="id-ID", timezone_id="Asia/Jakarta", **device)
    return context, context.pages[0] if context.pages else context.new_page()


def log_in(page, url, password):
    page.get_by_label("Nama pengguna").fill("pendamping")
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_label("Ingat saya di perangkat ini").check()
    page.get_by_role("button", name="Masuk").click()
    expect(page).to_have_url(url + "/assessments/", timeout=60000)


def to_the_draft(page):
    """From Kunjungan saya to the draft's first question."""
    page.get_by_role("link", name=re.compile("Koperasi Desa Merah Putih Cukir")).first.click()
    page.locator("fieldset.question").first.wait_for(state="visible", timeout=60000)  # on the next frame, not polled


def main():
    work = Path(tempfile.mkdtemp(prefix="siapkop-phone-"))
    server, port, password = serve(work / "instance")
    slow = free_port()
    throttle(slow, port)
    fast_url, url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{slow}"
    try:
        with sync_playwright() as playwright:
            context, page = phone(playwright, work / "setup")  # a draft to come back to, made at full speed
            page.goto(fast_url + "/auth/login")
            log_in(page, fast_url, password)
            page.goto(fast_url + "/cooperatives/?q=cukir")
            page.locator("#results .cards a").first.click()
            page.get_by_role("link", name="Mulai penilaian").first.click()
            page.get_by_role("button", name="Mulai penilaian").click()
            expect(page).to_have_url(re.compile(r"/sections/A$"))
            context.close()

            context, page = phone(playwright, work / "profile")
            started = time.perf_counter()
            page.goto(url + "/")
            log_in(page, url, password)
            to_the_draft(page)
            cold = time.perf_counter() - started
            page.wait_for_function("navigator.serviceWorker.ready.then(r => Boolean(r.active))")
            page.wait_for_timeout(3000)  # what the worker keeps of the visit
            context.close()

            returns = []
            for _ in range(ROUNDS):
                context, page = phone(playwright, work / "profile")
                started = time.perf_counter()
                page.goto(url + "/", wait_until="commit")
                to_the_draft(page)
                returns.append(time.perf_counter() - started)
                context.close()
    finally:
        server.terminate()
        shutil.rmtree(work, ignore_errors=True)
    report = (f"# Phone on a weak signal ({date.today():%d %B %Y})\n\n"
              f"Throttled to {LATENCY * 1000:.0f} ms round trip and {RATE * 8 / 1000:.0f} kbit/s each way per connection;"
              " Chromium as a Pixel 5, persistent profile. From opening the app to the first question of a draft:\n\n"
              f"| case | seconds |\n|---|---:|\n| cold (new phone, log in with Ingat saya) | {cold:.1f} |\n"
              f"| return (browser closed and opened again), median of {ROUNDS} | {statistics.median(returns):.1f} |\n"
              f"\nEach return: {', '.join(f'{r:.2f}' for r in returns)} s.\n")
    out = ROOT / "bench" / "results" / f"{date.today():%Y-%m-%d}-phone.md"
    out.write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
