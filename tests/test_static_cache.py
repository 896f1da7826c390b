"""A returning phone in real Chromium downloads no static file: the browser keeps them under their fingerprinted
URLs (and the service worker keeps its own copies). Headers over HTTP are in tests/test_assets.py."""
from urllib.parse import urlsplit

import pytest

from tests.test_browser import publish_default_instrument, start_assessment
from tests.test_offline import controlled_by_the_worker

pytestmark = pytest.mark.browser
LINKED = ["/static/app.css", "/static/app.js", "/static/htmx.min.js"]
# What the Resource Timing API says of each static file the page loaded: transferSize is 0 for a copy the
# browser kept, the bytes of headers and body for one it fetched; encodedBodySize is the body as sent.
STATIC_TIMING = """() => performance.getEntriesByType("resource")
    .filter(entry => new URL(entry.name).pathname.startsWith("/static/"))
    .map(entry => ({path: new URL(entry.name).pathname, transfer: entry.transferSize,
                    sent: entry.encodedBodySize, size: entry.decodedBodySize}))"""
PAGE_TRANSFER = "() => performance.getEntriesByType('navigation')[0].transferSize"


@pytest.fixture
def visit(browser, browser_context_args, live_server):
    """A started visit's first section (its URL) and the cookies of the facilitator who started it, taken
    away from the browser that did: a phone given them starts with an empty cache."""
    publish_default_instrument(live_server)
    context = browser.new_context(**browser_context_args, service_workers="block")
    page = context.new_page()
    start_assessment(page, live_server)
    url, cookies = page.url, context.storage_state()
    context.close()
    return url, cookies


def phone(browser, browser_context_args, cookies, service_workers):
    """A Pixel 5 holding `cookies`, with an empty cache; its service workers "allow"ed or "block"ed."""
    context = browser.new_context(**browser_context_args, storage_state=cookies, service_workers=service_workers)
    return context, context.new_page()


def reaching(live_server):
    """The paths of the requests that reach the live server from now on, in order."""
    paths, app = [], live_server.app.wsgi_app

    def recorded(environ, start_response):
        paths.append(environ["PATH_INFO"])
        return app(environ, start_response)
    live_server.app.wsgi_app = recorded
    return paths


def static(paths):
    return sorted(path for path in paths if path.startswith("/static/"))


def test_a_repeat_visit_downloads_no_static_file(browser, browser_context_args, live_server, visit, shot):
    """HTTP caching alone (the worker blocked): the first load fetches the files gzipped, a return fetches none."""
    url, cookies = visit
    context, page = phone(browser, browser_context_args, cookies, "block")
    server = reaching(live_server)
    page.goto(url)
    first = page.evaluate(STATIC_TIMING)
    assert set(LINKED) <= {entry["path"] for entry in first} and set(LINKED) <= set(static(server))
    gzipped = [entry for entry in first if entry["path"] in LINKED]  # the icon, a PNG, is sent as it is
    assert all(0 < entry["sent"] * 2 < entry["size"] and entry["transfer"] > entry["sent"] for entry in gzipped), first
    # the first load of the page, as it came over the wire: within the phone's budget
    assert page.evaluate(PAGE_TRANSFER) + sum(entry["transfer"] for entry in first) <= 60 * 1024
    shot(page, "first-load")

    for again in (lambda: page.goto(url), page.reload):  # opened again, and reloaded
        server.clear()
        again()
        kept = page.evaluate(STATIC_TIMING)
        assert set(LINKED) <= {entry["path"] for entry in kept}
        assert [entry for entry in kept if entry["transfer"] != 0] == []
        assert static(server) == [] and urlsplit(url).path in server  # the page itself is asked for anew
    shot(page, "returned")
    context.close()


def test_a_repeat_visit_under_the_service_worker_asks_the_server_for_no_static_file(
        browser, browser_context_args, live_server, visit, shot):
    url, cookies = visit
    context, page = phone(browser, browser_context_args, cookies, "allow")
    page.goto(url)
    controlled_by_the_worker(page)
    server, responses = reaching(live_server), []
    page.on("response", lambda response: responses.append(response))
    page.goto(url)
    files = [response for response in responses if urlsplit(response.url).path.startswith("/static/")]
    assert set(LINKED) <= {urlsplit(response.url).path for response in files}
    assert [response.url for response in files if not response.from_service_worker] == []
    assert static(server) == [] and urlsplit(url).path in server
    shot(page, "returned-with-the-worker")
    context.close()
