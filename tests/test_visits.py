"""Each cooperative's visit in the cooperative list and page (status, last score, "Lanjutkan draf"), and a
second open draft of one cooperative started only when the facilitator confirms it."""
import re
import uuid
from datetime import date

import pytest
from babel.numbers import format_decimal
from playwright.sync_api import expect
from sqlalchemy import event, func, select

from app.assessments.models import Assessment, Event
from app.assessments.service import parse_answer, save_answer, start, transition
from app.auth.models import User
from app.cooperatives.models import Cooperative
from app.extensions import db
from app.instruments.models import InstrumentVersion, publish
from app.regions.models import Village
from app.roles import FACILITATOR
from tests.support import BEST, DIWEK, INSTRUMENT, SOURCE, WONOSALAM, add_user, assessment

ROLES = ("fas.diwek", "supervisor", "dinas")  # everyone who sees Diwek's cooperatives
CONFIRM = "Ya, mulai penilaian baru untuk koperasi ini"
REFUSED = ("Penilaian baru belum dimulai karena koperasi ini sudah punya penilaian yang belum dikirim. "
           "Lanjutkan penilaian itu, atau centang kotak ini untuk memulai penilaian baru.")
WARNING = "Koperasi ini sudah punya penilaian yang belum dikirim."


def answers_with(no):
    """The best answers, with the first `no` yes/no questions answered no: a lower total for each `no`."""
    worse = [q.code for q in INSTRUMENT.questions if q.type == "yesno"][:no]
    return {**BEST, **{code: "no" for code in worse}}


def text(html):
    """What a reader sees of an HTML snippet: tags dropped, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def visit_text(html):
    """The visit status line (templates/cooperatives/_visit.html) in `html`."""
    return " ".join(re.sub(r"<[^>]+>", "", re.search(r'<span class="visit [^"]*">(.*?)</span>', html, re.S)
                           .group(1)).split())


def buttons(html):
    """{link text: href} of the buttons in `html`, without the cooperative's name said only to screen readers."""
    return {text(re.sub(r'<span class="visually-hidden">.*?</span>', "", label)): href
            for href, label in re.findall(r'<a class="button[^"]*" href="([^"]+)">(.*?)</a>', html, re.S)}


def list_rows(html):
    """{cooperative id: its row's HTML} of the cooperative list."""
    return {int(cid): row for cid, row in re.findall(r'<li><a href="/cooperatives/(\d+)">(.*?)</li>', html, re.S)}


class Visits:
    """Diwek's cooperatives with assessments in every state, made with the service functions."""

    def __init__(self):
        self.version = publish(db.session, INSTRUMENT, SOURCE)[0]
        add_user("fas.diwek2", FACILITATOR, (DIWEK,))
        db.session.commit()
        user = lambda name: db.session.scalar(select(User).where(User.username == name))  # noqa: E731
        self.me, self.colleague, self.supervisor = user("fas.diwek"), user("fas.diwek2"), user("supervisor")
        self.cooperatives = db.session.scalars(select(Cooperative.id).join(Cooperative.village)
                                               .where(Village.district_code == DIWEK).order_by(Cooperative.id)).all()

    def visit(self, n, state, day, no=0, facilitator=None):
        """An assessment of the `n`th cooperative, visited on `day` October 2025, brought to `state`."""
        facilitator = facilitator or self.me
        values = answers_with(no)
        made = start(uuid.uuid4(), db.session.get(Cooperative, self.cooperatives[n]), facilitator, self.version,
                     visit_date=date(2025, 10, day))
        for question in INSTRUMENT.questions:
            save_answer(made, question, parse_answer(question, values[question.code], False))
        db.session.commit()
        if state != "draft":
            transition(made, "submit", facilitator, made.version)
        if state == "returned":
            transition(made, "return", self.supervisor, made.version, "Periksa lagi A1.")
        if state == "approved":
            transition(made, "approve", self.supervisor, made.version, "Baik.")
        db.session.expire_all()
        return db.session.get(Assessment, made.id)


def score_of(made):
    """How the list writes an assessment's stored total and level."""
    return f"Skor {format_decimal(round(made.score, 1), locale='id')} · {INSTRUMENT.level(made.level).label.id}"


@pytest.fixture
def visits(app, jombang):
    """Eight Diwek cooperatives, one per case; {cooperative id: (status line as fas.diwek sees it, as others
    see it, the id of fas.diwek's open draft or None)}."""
    v = Visits()
    own_draft = v.visit(1, "draft", 10, no=1)
    submitted = v.visit(2, "submitted", 10, no=1)
    approved_before_return = v.visit(3, "approved", 1, no=2)
    returned = v.visit(3, "returned", 10, no=4)
    approved = v.visit(4, "approved", 10, no=3)
    v.visit(5, "draft", 10, facilitator=v.colleague)
    approved_before_draft = v.visit(6, "approved", 1, no=5)
    draft_after_approval = v.visit(6, "draft", 10)
    v.visit(7, "approved", 1, no=0)
    submitted_after_approval = v.visit(7, "submitted", 10, no=6)
    scores = [score_of(a) for a in (submitted, approved_before_return, approved, approved_before_draft,
                                    submitted_after_approval)]
    assert len(set(scores)) == len(scores) and score_of(returned) not in scores  # each case tells its own score
    by = lambda name: f" · oleh {name}"  # noqa: E731
    cases = {
        0: ("Belum dikunjungi", "", None, ""),
        1: ("Draf", by("Fas.Diwek"), own_draft, ""),
        2: ("Menunggu tinjauan", "", None, " · " + score_of(submitted)),
        3: ("Dikembalikan", by("Fas.Diwek"), returned, " · " + score_of(approved_before_return)),
        4: ("Disetujui", "", None, " · " + score_of(approved)),
        5: ("Draf", by("Fas.Diwek2"), None, ""),
        6: ("Draf", by("Fas.Diwek"), draft_after_approval, " · " + score_of(approved_before_draft)),
        7: ("Menunggu tinjauan", "", None, " · " + score_of(submitted_after_approval)),
    }
    return v, {v.cooperatives[n]: (label + (holder if n == 5 else "") + score, label + holder + score,
                                   draft and draft.id)
               for n, (label, holder, draft, score) in cases.items()}


@pytest.mark.parametrize("role", ROLES)
def test_the_list_shows_each_cooperatives_visit_status_and_last_score(visits, client, auth, role):
    _, cases = visits
    auth.login(role)
    response = client.get("/cooperatives/?q=Diwek")
    assert response.status_code == 200
    rows = list_rows(response.get_data(as_text=True))
    for cooperative_id, (mine, others, draft) in cases.items():
        row = rows[cooperative_id]
        assert visit_text(row) == (mine if role == "fas.diwek" else others), cooperative_id
        if role == "fas.diwek" and draft:
            assert buttons(row) == {"Lanjutkan draf": f"/assessments/{draft}/sections/A",
                                    "Mulai penilaian": f"/assessments/new/{cooperative_id}"}
            assert row.index("Lanjutkan draf") < row.index("Mulai penilaian")
            assert re.search(r'<a class="button secondary" href="/assessments/new/\d+">Mulai penilaian', row)
        else:  # not the facilitator's draft: the row leads to the cooperative's page only
            assert buttons(row) == {} and "Lanjutkan draf" not in row, cooperative_id
    # The htmx search swaps the same rows in.
    fragment = client.get("/cooperatives/?q=Diwek", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="results"') and list_rows(fragment) == rows


@pytest.mark.parametrize("role", ROLES)
def test_the_cooperative_page_shows_the_same_status_and_the_facilitators_way_on(visits, client, auth, role):
    _, cases = visits
    auth.login(role)
    for cooperative_id, (mine, others, draft) in cases.items():
        html = client.get(f"/cooperatives/{cooperative_id}").get_data(as_text=True)
        status = re.search(r'<p class="visit-status">(.*?)</p>', html, re.S).group(1)
        assert visit_text(status) == (mine if role == "fas.diwek" else others), cooperative_id
        actions = buttons(html.split("<h2>")[0])
        start_page = f"/assessments/new/{cooperative_id}"
        if role != "fas.diwek":
            assert "Lanjutkan draf" not in actions and "Mulai penilaian" not in actions
        elif draft:
            assert actions == {"Lanjutkan draf": f"/assessments/{draft}/sections/A", "Mulai penilaian": start_page}
            assert 'class="button secondary" href="%s"' % start_page in html
        else:
            assert actions == {"Mulai penilaian": start_page}


def test_the_list_reads_every_rows_visit_in_one_query(visits, client, auth):
    """The same number of statements for a page of visited cooperatives as for one with no assessment."""
    auth.login("supervisor")  # covers Diwek (eight cooperatives visited) and Wonosalam (none)
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        client.get("/cooperatives/?q=Diwek")
        visited = len(statements)
        statements.clear()
        client.get("/cooperatives/?q=Wonosalam")
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert visited == len(statements)
    assert sum("row_number() OVER" in s for s in statements) == 1


# --- Starting a second draft of one cooperative --------------------------------------------------

def counts():
    db.session.expire_all()
    return (db.session.scalar(select(func.count()).select_from(Assessment)),
            db.session.scalar(select(func.count()).select_from(Event)))


def test_a_second_draft_is_started_only_when_the_facilitator_confirms(field):
    cooperative = field.cooperative()
    assert WARNING not in field.client.get(f"/assessments/new/{cooperative}").get_data(as_text=True)
    first, started = field.start()
    assert started.status_code == 302
    _, retried = field.start(first)  # a retried start finds its own draft and asks nothing
    assert retried.status_code == 302 and counts()[0] == 1

    page = field.client.get(f"/assessments/new/{cooperative}").get_data(as_text=True)
    warning = re.search(r'<section class="flash warning" id="open-drafts">(.*?)</section>', page, re.S).group(1)
    assert WARNING in warning and "Draf · kunjungan 14 Oktober 2025 · oleh Anda" in text(warning)
    assert buttons(warning) == {"Lanjutkan draf": f"/assessments/{first}/sections/A"}
    assert re.search(r'<input id="another" name="another" required type="checkbox" value="y">', page)

    before = counts()
    second, refused = field.start(visit_date="2025-10-13", others="Pak Budi\nBu Sri", latitude="-7.5921",
                                  longitude="112.2340", accuracy_m="12")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and REFUSED in html and WARNING in html
    assert re.search(r'name="visit_date"[^>]* value="2025-10-13"', html) and ">\r\nPak Budi\nBu Sri</textarea>" in html
    assert 'name="latitude" value="-7.5921"' in html
    assert counts() == before and assessment(second) is None

    _, confirmed = field.start(second, visit_date="2025-10-13", others="Pak Budi", another="y")
    assert confirmed.status_code == 302 and confirmed.location == f"/assessments/{second}/sections/A"
    made = assessment(second)
    assert (made.status, made.visit_date, made.attendees) == ("draft", date(2025, 10, 13), ["Pak Budi"])
    assert counts()[0] == 2


def test_a_returned_assessment_is_an_open_draft_too(field):
    first, _ = field.start()
    db.session.execute(Assessment.__table__.update().values(status="returned"))
    db.session.commit()
    second, refused = field.start()
    assert refused.status_code == 422 and REFUSED in refused.get_data(as_text=True) and assessment(second) is None
    page = field.client.get(f"/assessments/new/{field.cooperative()}").get_data(as_text=True)
    assert "Dikembalikan · kunjungan 14 Oktober 2025 · oleh Anda" in text(page)
    assert buttons(page.split('id="open-drafts"')[1].split("</section>")[0]) == {
        "Lanjutkan draf": f"/assessments/{first}/sections/A"}
    db.session.execute(Assessment.__table__.update().values(status="submitted"))
    db.session.commit()  # submitted: no longer open, so a new start asks nothing
    assert field.start()[1].status_code == 302


def test_another_facilitators_draft_is_shown_but_not_continued(field, client, auth):
    add_user("fas.diwek2", FACILITATOR, (DIWEK,))
    db.session.commit()
    auth.login("fas.diwek2")
    colleague_token = auth.token("/assessments/")
    theirs = str(uuid.uuid4())
    response = client.post(f"/assessments/new/{field.cooperative()}", data={
        "csrf_token": colleague_token, "id": theirs, "visit_date": "2025-10-14"})
    assert response.status_code == 302 and assessment(theirs).facilitator.username == "fas.diwek2"

    auth.login("fas.diwek")
    field.token = auth.token("/assessments/")
    row = list_rows(client.get(f"/cooperatives/?q={cooperative_village(field)}").get_data(as_text=True))[
        field.cooperative()]
    assert visit_text(row) == "Draf · oleh Fas.Diwek2" and buttons(row) == {}
    page = client.get(f"/assessments/new/{field.cooperative()}").get_data(as_text=True)
    warning = page.split('id="open-drafts"')[1].split("</section>")[0]
    assert "Draf · kunjungan 14 Oktober 2025 · oleh Fas.Diwek2" in text(warning) and "Lanjutkan draf" not in warning
    assert buttons(warning) == {"Lihat penilaian itu": f"/assessments/{theirs}"}
    assert client.get(f"/assessments/{theirs}").status_code == 200  # the colleague's draft can be read

    mine, refused = field.start()
    assert refused.status_code == 422 and REFUSED in refused.get_data(as_text=True) and assessment(mine) is None
    _, confirmed = field.start(mine, another="y")
    assert confirmed.status_code == 302 and assessment(mine).facilitator.username == "fas.diwek"


def cooperative_village(field):
    return db.session.scalar(select(Village.name).join(Cooperative, Cooperative.village_code == Village.code)
                             .where(Cooperative.id == field.cooperative()))


def test_an_offline_start_is_applied_although_a_draft_is_open(field):
    """The phone asked on the page it prepared; the outbox's start cannot ask again, so sync applies it."""
    field.start()
    offline = str(uuid.uuid4())
    response = field.client.post("/assessments/sync", headers={"X-CSRFToken": field.token}, json={"ops": [{
        "seq": 1, "type": "start", "assessment": offline, "cooperative": field.cooperative(),
        "version": db.session.scalar(select(InstrumentVersion.id)), "visit_date": "2025-10-14", "attendees": [],
        "ts": 1000}]})
    assert response.get_json()["results"] == [{"seq": 1, "ok": True}]
    assert assessment(offline).status == "draft" and counts()[0] == 2


def test_starting_is_still_only_for_the_facilitators_own_kecamatan(field):
    _, response = field.start(cooperative_id=field.cooperative(WONOSALAM), another="y")
    assert response.status_code == 404 and counts()[0] == 0


# --- On the phone ------------------------------------------------------------------------------------

@pytest.mark.browser
def test_a_facilitator_continues_a_draft_from_the_list_in_one_tap(page, live_server, shot):
    from tests.test_browser import no_horizontal_scroll, publish_default_instrument, small_touch_targets, start_assessment

    publish_default_instrument(live_server)
    draft = start_assessment(page, live_server)
    page.get_by_role("link", name="Koperasi", exact=True).click()
    page.get_by_label("Cari nama desa/kelurahan atau kecamatan").fill("cukir")
    page.get_by_role("button", name="Cari").click()
    row = page.locator("#results .cards li").filter(has_text="Cukir")
    expect(row.locator(".visit")).to_have_text("Draf")
    assert small_touch_targets(page) == [] and no_horizontal_scroll(page)
    shot(page, "list-with-draft")

    row.get_by_role("link", name="Lanjutkan draf").click()  # one tap to the draft's first question
    expect(page).to_have_url(f"{live_server.url}/assessments/{draft}/sections/A")
    expect(page.locator("#q-A1")).to_be_visible()

    page.goto(live_server.url + "/cooperatives/?q=cukir")
    page.locator("#results .cards li").filter(has_text="Cukir").get_by_role("link", name="Mulai penilaian").click()
    expect(page.locator("#open-drafts")).to_contain_text(WARNING)
    expect(page.locator("#open-drafts")).to_contain_text("oleh Anda")
    assert small_touch_targets(page) == [] and no_horizontal_scroll(page)
    shot(page, "start-warns")
    page.get_by_role("button", name="Mulai penilaian").click()  # not ticked: the phone does not send it
    page.wait_for_timeout(300)
    assert "/assessments/new/" in page.url
    with live_server.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Assessment)) == 1

    page.get_by_label(CONFIRM).check()
    page.get_by_role("button", name="Mulai penilaian").click()
    expect(page).to_have_url(re.compile(r"/assessments/[0-9a-f-]{36}/sections/A$"))
    assert uuid.UUID(page.url.split("/")[-3]) != draft
    with live_server.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Assessment)) == 2
