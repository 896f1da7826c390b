"""Change between approved rounds, from a fixture of two approved rounds of known scores: the cooperative's page,
the kecamatan page, the change page linked from the dashboard and the Bimtek session page, over HTTP; the
arithmetic of app.rollups.change alone; and on a phone."""
import html as markup
import re
import uuid
from datetime import date, datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from playwright.sync_api import expect
from sqlalchemy import event, func, select

from app.assessments.models import Assessment, Event
from app.auth.models import User
from app.bimtek.models import Attendance, BimtekSession, Participant, Person
from app.cooperatives.models import Cooperative
from app.extensions import db
from app.instruments.models import publish
from app.regions.models import District, Village
from app.roles import SUPERVISOR
from app.rollups.tallies import rebuild
from app.rollups.change import (DOWN, SAME, UP, Comparison, Round, around, attended_between, by_cooperative,
                                direction, latest, section_means, split_around_session, split_between_rounds,
                                topic_change)
from tests.support import DIWEK, INSTRUMENT, SOURCE, WONOSALAM, add_user
from tests.test_accessibility import BLOCKING, axe_violations
from tests.test_browser import log_in, no_horizontal_scroll

SECTIONS = list("ABCDEFGH")
S1_DAYS = (date(2025, 10, 14), date(2025, 10, 15))  # the Bimtek of Diwek and Wonosalam
S2_DAY = date(2025, 10, 20)  # a one-day Bimtek in Wonosalam where no attendance was taken


def at(day):
    return datetime(*day, 3, 0, tzinfo=timezone.utc)


def in_district(district, n):
    return db.session.scalars(select(Cooperative).join(Cooperative.village).where(Village.district_code == district)
                              .order_by(Village.name)).all()[n]


def approved(version, coop, score, level, sections, visit, approved_on, status="approved"):
    """An approved (or, with `status`, submitted) assessment with a stored result, and its history."""
    facilitator = db.session.scalar(select(User).where(User.username == "fas.diwek"))
    assessment = Assessment(id=uuid.uuid4(), cooperative=coop, facilitator=facilitator, instrument_version_id=version,
                            visit_date=date(*visit), status=status, status_at=at(approved_on), score=score,
                            level=level, submitted_at=at(visit),
                            result={"sections": {c: {"score": v, "completeness": 100}
                                                 for c, v in zip(SECTIONS, sections)}})
    db.session.add(assessment)
    steps = [("start", None, "draft", visit), ("submit", "draft", "submitted", visit)]
    if status == "approved":
        steps.append(("approve", "submitted", "approved", approved_on))
    assessment.events = [Event(user_id=facilitator.id, action=action, source=source, target=target, at=at(day))
                         for action, source, target, day in steps]


def registered(session, coop, present=None):
    """A participant of `coop` at `session`, with attendance {day: present} (none: attendance not taken)."""
    person = Person(cooperative=coop, name=f"Peserta {coop.id}", position="ketua")
    participant = Participant(session=session, person=person, cooperative=coop, position="ketua")
    participant.attendance = [Attendance(day=day, present=here) for day, here in (present or {}).items()]
    db.session.add(participant)


def two_rounds():
    """Cooperatives with known approved rounds around two Bimtek sessions (in the current app context):
    c1 (Diwek, attended S1: 50 -> 62.5, A 50 -> 75, B 40 -> 37, C 60 -> 60), c2 (Diwek, not: 40 -> 45, A +10,
    and a later round only submitted), c3 (Diwek, one round), c5 (Diwek, registered for S1 but absent on both
    days: 23 -> 20), c4 (Wonosalam, present on S1's second day: 60 -> 67.5, A +15), c6 (Wonosalam, rounds
    16 Oct and 15 Nov, registered for S2 which took no attendance: 40 -> 42.5)."""
    version = publish(db.session, INSTRUMENT, SOURCE)[0].id
    c1, c2, c3, c5 = (in_district(DIWEK, n) for n in range(4))
    c4, c6 = in_district(WONOSALAM, 0), in_district(WONOSALAM, 1)
    approved(version, c1, 50, "kurang-siap", [50, 40, 60, 50, 50, 50, 50, 50], (2025, 9, 1), (2025, 9, 5))
    approved(version, c1, 62.5, "cukup-siap", [75, 37, 60, 50, 50, 50, 50, 50], (2025, 11, 3), (2025, 11, 5))
    approved(version, c2, 40, "kurang-siap", [40] * 8, (2025, 9, 2), (2025, 9, 6))
    approved(version, c2, 45, "kurang-siap", [50] + [40] * 7, (2025, 11, 4), (2025, 11, 6))
    approved(version, c2, 99, "siap", [99] * 8, (2025, 11, 20), (2025, 11, 21), status="submitted")
    approved(version, c3, 30, "kurang-siap", [30] * 8, (2025, 9, 3), (2025, 9, 7))
    approved(version, c5, 23, "belum-siap", [23] * 8, (2025, 9, 4), (2025, 9, 8))
    approved(version, c5, 20, "belum-siap", [20] * 8, (2025, 11, 5), (2025, 11, 7))
    approved(version, c4, 60, "cukup-siap", [60] * 8, (2025, 9, 10), (2025, 9, 12))
    approved(version, c4, 67.5, "cukup-siap", [75] + [60] * 7, (2025, 11, 10), (2025, 11, 12))
    approved(version, c6, 40, "kurang-siap", [40] * 8, (2025, 10, 16), (2025, 10, 17))
    approved(version, c6, 42.5, "kurang-siap", [42.5] * 8, (2025, 11, 15), (2025, 11, 17))
    diwek, wonosalam = db.session.get(District, DIWEK), db.session.get(District, WONOSALAM)
    s1 = BimtekSession(title="Bimtek Tata Kelola", held_on=S1_DAYS[0], ends_on=S1_DAYS[1], regency_code="35.17",
                       districts=[diwek, wonosalam])
    s2 = BimtekSession(title="Bimtek Pengawas", held_on=S2_DAY, regency_code="35.17", districts=[wonosalam])
    db.session.add_all([s1, s2])
    registered(s1, c1, {S1_DAYS[0]: True, S1_DAYS[1]: False})
    registered(s1, c5, {S1_DAYS[0]: False, S1_DAYS[1]: False})
    registered(s1, c4, {S1_DAYS[0]: False, S1_DAYS[1]: True})
    registered(s2, c6)
    db.session.commit()
    rebuild(db.session)  # the rounds were written here, not through transitions: count them as a migration does
    counts = {code: db.session.scalar(select(func.count(Cooperative.id)).join(Cooperative.village)
                                      .where(Village.district_code == code)) for code in (DIWEK, WONOSALAM)}
    return {"c1": c1.id, "c2": c2.id, "c3": c3.id, "c4": c4.id, "c5": c5.id, "c6": c6.id, "s1": s1.id,
            "s2": s2.id, "counts": counts}


@pytest.fixture
def rounds(app, jombang):
    ids = two_rounds()
    add_user("sup.diwek", SUPERVISOR, (DIWEK,))
    db.session.commit()
    return ids


def text(html):
    return markup.unescape(" ".join(re.sub(r"<[^>]+>", " ", html).split()))


def element(html, id_):
    """The text of the element with id `id_` (a table row, or the first tag closing after it)."""
    start = html.index(f'id="{id_}"')
    tag = html.rfind("<", 0, start)
    name = re.match(r"<(\w+)", html[tag:]).group(1)
    return text(html[tag:html.index(f"</{name}>", start)])


def label(code):
    return INSTRUMENT.level(code).label.get("id")


def test_cooperative_page_shows_each_section_now_against_before(rounds, client, auth):
    auth.login("fas.diwek")
    html = client.get(f"/cooperatives/{rounds['c1']}").get_data(as_text=True)
    assert "Perubahan antarputaran" in html
    section = INSTRUMENT.section("A").title.get("id")
    assert element(html, "change-A") == f"A {section} 50 75 naik +25"
    assert element(html, "change-B").endswith("40 37 turun −3")
    assert element(html, "change-C").endswith("60 60 tetap =")
    assert element(html, "change-total") == "Skor total 50 62,5 naik +12,5"
    assert element(html, "change-level") == f"Tingkat {label('kurang-siap')} {label('cukup-siap')}"
    assert "kunjungan 3 November 2025" in html and "kunjungan 1 September 2025" in html
    only = client.get(f"/cooperatives/{rounds['c3']}").get_data(as_text=True)
    assert element(only, "change-one") == "Baru satu putaran yang disetujui."
    assert 'id="change-A"' not in only
    # c2's later round is only submitted: its change is still 40 -> 45
    assert element(client.get(f"/cooperatives/{rounds['c2']}").get_data(as_text=True),
                   "change-total") == "Skor total 40 45 naik +5"
    untouched = in_district(DIWEK, 5).id
    assert 'id="change"' not in client.get(f"/cooperatives/{untouched}").get_data(as_text=True)


def test_rounds_with_different_sections_compare_only_the_total(rounds, client, auth):
    version = db.session.scalar(select(Assessment.instrument_version_id))
    coop = in_district(DIWEK, 10)
    approved(version, coop, 30, "kurang-siap", [30] * 7, (2025, 9, 20), (2025, 9, 21))  # no section H then
    approved(version, coop, 42, "kurang-siap", [40] * 8, (2025, 11, 20), (2025, 11, 21))
    db.session.commit()
    coop_id = coop.id
    auth.login("fas.diwek")
    html = client.get(f"/cooperatives/{coop_id}").get_data(as_text=True)
    assert element(html, "change-total") == "Skor total 30 42 naik +12"
    assert 'id="change-A"' not in html and "kedua putaran memuat bagian yang berbeda" in html
    auth.login("dinas")
    kecamatan = client.get(f"/dashboard/{DIWEK}").get_data(as_text=True)
    assert "atas 4 koperasi" in kecamatan and element(kecamatan, "change-A") == "A 3 37,7 48,3 naik +10,7"


def test_readiness_sheet_shows_the_change_since_the_round_before(rounds, client, auth):
    auth.login("fas.diwek")
    html = client.get(f"/sheet/{rounds['c1']}").get_data(as_text=True)
    assert element(html, "sheet-change") == ("Dibanding putaran sebelumnya (kunjungan 1 September 2025, skor 50): "
                                             "naik +12,5")
    section = INSTRUMENT.section("A").title.get("id")
    assert element(html, "section-A") == f"A. {section} 75 {label('cukup-siap')} naik +25"  # 75 is in that band
    assert element(html, "section-B").endswith("turun −3") and element(html, "section-C").endswith("tetap =")
    only = client.get(f"/sheet/{rounds['c3']}").get_data(as_text=True)
    assert 'id="sheet-change"' not in only and "Perubahan" not in only


def test_kecamatan_page_compares_section_means_of_cooperatives_with_two_rounds(rounds, client, auth):
    auth.login("dinas")
    html = client.get(f"/dashboard/{DIWEK}").get_data(as_text=True)
    assert "atas 3 koperasi yang punya dua putaran disetujui" in html  # c1, c2, c5
    # A: before (50 + 40 + 23) / 3, now (75 + 50 + 20) / 3; B: (40 + 40 + 23) / 3, (37 + 40 + 20) / 3
    assert element(html, "change-A") == "A 3 37,7 48,3 naik +10,7"
    assert element(html, "change-B") == "B 3 34,3 32,3 turun −2"
    assert element(html, "change-C") == "C 3 41 40 turun −1"
    assert element(html, "change-H") == "H 3 37,7 36,7 turun −1"
    def change(coop):
        return re.search(r'data-label="Perubahan">(.*?)</td>', html[html.index(f'id="coop-{coop}"'):], re.S).group(1)
    assert text(change(rounds["c1"])) == "naik +12,5"
    assert text(change(rounds["c5"])) == "turun −3"
    assert text(change(rounds["c3"])) == "–"


def test_change_page_splits_attended_from_not_per_kecamatan(rounds, client, auth):
    auth.login("dinas")
    dashboard = client.get("/dashboard/").get_data(as_text=True)
    assert 'href="/change/"' in dashboard
    html = client.get("/change/").get_data(as_text=True)
    diwek, wonosalam = rounds["counts"][DIWEK], rounds["counts"][WONOSALAM]
    assert "Cara menghitung" in html and "di antara tanggal kunjungan kedua putaran" in html
    # Diwek: c1 attended S1 between its rounds; c2 never, c5 registered but absent: (5 - 3) / 2
    assert element(html, f"row-{DIWEK}") == f"Diwek 1 naik +12,5 2 naik +1 {diwek - 3}"
    # Wonosalam: c4 present on S1's second day, c6 registered for S2 where no attendance was taken
    assert element(html, f"row-{WONOSALAM}") == f"Wonosalam 2 naik +5 0 – {wonosalam - 2}"
    jombang = db.session.scalar(select(func.count(Cooperative.id)).join(Cooperative.village)
                                .join(Village.district).where(District.regency_code == "35.17"))
    assert element(html, "row-total") == f"Jumlah 3 naik +7,5 2 naik +1 {jombang - 5}"
    assert element(html, "change-split-A").endswith("naik +14,2 naik +3,5")  # (25 + 15 + 2.5) / 3; (10 - 3) / 2
    assert f"Belum bisa dibandingkan: {jombang - 5} koperasi." in html


def test_session_page_compares_those_who_attended_with_those_who_did_not(rounds, client, auth):
    auth.login("dinas")
    html = client.get(f"/bimtek/{rounds['s1']}").get_data(as_text=True)
    section = element(html, "change")
    assert "hadir pada salah satu hari sesi ini" in section
    # attended: c1 +12.5 and c4 +7.5; not: c2 +5 and c5 -3; c6's first round came after the session
    assert element(html, "change-split").startswith("Sudah ikut Bimtek Belum ikut Koperasi dibandingkan (N) 2 2 "
                                                    "Rata-rata perubahan skor total naik +10 naik +1")
    assert element(html, "change-split-A").endswith("naik +20 naik +3,5")
    assert element(html, "change-split-B").endswith("turun −1,5 turun −1,5")
    # a topic: each cooperative's mean change of its sections, then the mean of those
    assert element(html, "change-split-topic-tugas-pengurus-pengawas").endswith("= turun −1,5")  # D, E
    assert element(html, "change-split-topic-penguatan-kelembagaan").endswith(  # A, C, G, H: (6.25 + 3.75) / 2
        "Penguatan kelembagaan naik +5 turun −0,2")  # (2.5 - 3) / 2 = -0.25, shown rounded half to even
    both = rounds["counts"][DIWEK] + rounds["counts"][WONOSALAM]
    assert f"Belum bisa dibandingkan: {both - 4} koperasi." in html
    second = client.get(f"/bimtek/{rounds['s2']}").get_data(as_text=True)  # Wonosalam only, no attendance taken
    assert element(second, "change-split").startswith("Sudah ikut Bimtek Belum ikut Koperasi dibandingkan (N) 1 1 "
                                                      "Rata-rata perubahan skor total naik +2,5 naik +7,5")


def test_a_supervisor_sees_only_their_kecamatan(rounds, client, auth):
    auth.login("sup.diwek")
    html = client.get(f"/bimtek/{rounds['s1']}").get_data(as_text=True)
    # only Diwek's: c1 attended; c2 and c5 did not; c4 (Wonosalam) is not counted
    assert element(html, "change-split").startswith("Sudah ikut Bimtek Belum ikut Koperasi dibandingkan (N) 1 2 "
                                                    "Rata-rata perubahan skor total naik +12,5 naik +1")
    assert f"Belum bisa dibandingkan: {rounds['counts'][DIWEK] - 3} koperasi." in html
    change = client.get("/change/").get_data(as_text=True)
    assert f'id="row-{DIWEK}"' in change and f'id="row-{WONOSALAM}"' not in change and "Wonosalam" not in change
    assert element(change, "row-total") == f"Jumlah 1 naik +12,5 2 naik +1 {rounds['counts'][DIWEK] - 3}"
    assert client.get(f"/change/?area={WONOSALAM}").status_code == 404
    assert client.get(f"/dashboard/{WONOSALAM}").status_code == 404
    assert client.get(f"/cooperatives/{rounds['c4']}").status_code == 404
    assert client.get(f"/bimtek/{rounds['s2']}").status_code == 404
    auth.login("fas.diwek")
    assert client.get("/change/").status_code == 403


def statements_for(client, paths):
    """{path: the number of SQL statements its page ran}."""
    found = []

    def count(_conn, _cursor, statement, *_args):
        found.append(statement)
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        counts = {}
        for path in paths:
            found.clear()
            assert client.get(path).status_code == 200
            counts[path] = len(found)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return counts


def test_pages_read_rounds_and_attendance_in_a_fixed_number_of_queries(rounds, client, auth):
    """Twelve more cooperatives with two rounds, half of them registered and present, cost no more statements."""
    auth.login("dinas")
    paths = ["/change/", f"/bimtek/{rounds['s1']}", f"/dashboard/{DIWEK}", f"/cooperatives/{rounds['c1']}",
             f"/sheet/{rounds['c1']}"]
    statements_for(client, paths)  # the first read of the instrument parses it, once per process
    before = statements_for(client, paths)
    version = db.session.scalar(select(Assessment.instrument_version_id))
    session = db.session.get(BimtekSession, rounds["s1"])
    for n in range(6):
        for district, first in ((DIWEK, 4), (WONOSALAM, 2)):  # after the fixture's own
            coop = in_district(district, first + n)
            approved(version, coop, 30, "kurang-siap", [30] * 8, (2025, 9, 20), (2025, 9, 21))
            approved(version, coop, 35, "kurang-siap", [35] * 8, (2025, 11, 20), (2025, 11, 21))
            if n % 2:
                registered(session, coop, {S1_DAYS[0]: True})
    db.session.commit()
    assert statements_for(client, paths) == before
    html = client.get("/change/").get_data(as_text=True)
    assert element(html, "row-total").startswith("Jumlah 9 ")  # 3 + 6 attended


def test_change_in_english(rounds, client, auth):
    auth.login("dinas")
    client.post("/language/en", data={"csrf_token": auth.token()})
    html = client.get("/change/").get_data(as_text=True)
    assert "How this is counted" in html and "Attended: mean change" in html
    assert element(html, f"row-{DIWEK}").startswith("Diwek 1 up +12.5 2 up +1 ")
    coop = client.get(f"/cooperatives/{rounds['c1']}").get_data(as_text=True)
    assert element(coop, "change-B").endswith("40 37 down −3")
    assert element(coop, "change-total") == "Total score 50 62.5 up +12.5"


# --- The arithmetic alone ----------------------------------------------------------------------------------

def r(coop, day, score, sections=None, instrument="x", visit=None):
    return Round(coop, day, visit or day, score, "l", sections if sections is not None else {"A": score},
                 instrument)


def test_direction_reads_the_change_as_shown():
    assert direction(None) is None
    assert direction(0.04) == SAME and direction(-0.04) == SAME
    assert direction(0.05) == UP or direction(0.05) == SAME  # as round() reads 0.05
    assert direction(12.5) == UP and direction(-3) == DOWN


def test_sections_are_compared_only_between_versions_with_the_same_sections():
    same = Comparison(r(1, 2, 75, {"A": 75, "B": 37}), r(1, 1, 50, {"A": 50, "B": 40}))
    assert same.change == 25 and same.section_change("A") == 25 and same.section_change("B") == -3
    other = Comparison(r(1, 2, 75, {"A": 75, "Z": 10}), r(1, 1, 50, {"A": 50, "B": 40}))
    assert other.change == 25 and not other.sections_comparable and other.section_change("A") is None
    missing = Comparison(r(1, 2, 75, {"A": None}), r(1, 1, 50, {"A": 50}))
    assert missing.section_change("A") is None
    assert section_means([same, other, missing], ["A", "B"])[0].n == 1


def test_a_topic_averages_each_cooperatives_mean_change_of_its_sections():
    one = Comparison(r(1, 2, 0, {"A": 75, "B": 37, "C": 60}), r(1, 1, 0, {"A": 50, "B": 40, "C": 60}))
    two = Comparison(r(2, 2, 0, {"A": 70, "B": None, "C": 60}), r(2, 1, 0, {"A": 60, "B": 40, "C": 60}))
    assert topic_change([one, two], ["A", "B"]) == ((11 + 10) / 2, 2)
    assert topic_change([one, two], ["B"]) == (-3, 1) and topic_change([], ["A"]) == (None, 0)


def test_latest_compares_within_one_instrument():
    rounds = [r(1, 1, 40, instrument="old"), r(1, 2, 50), r(1, 3, 60, instrument="old")]
    assert latest(rounds).previous.score == 40
    assert latest([r(1, 1, 40)]).previous is None and latest([]) is None


def test_around_a_session_takes_the_last_before_and_the_latest_after():
    rounds = [r(1, 1, 10), r(1, 3, 20), r(1, 5, 30), r(1, 9, 35), r(1, 10, 45)]
    comparison = around(rounds, 4, 6)
    assert (comparison.previous.score, comparison.current.score) == (20, 45)
    assert around(rounds, 4, 10) is None and around(rounds, 1, 2) is None


def test_a_session_between_rounds_must_lie_wholly_between_the_visits():
    assert attended_between([(5, 6)], 4, 7)
    assert not attended_between([(4, 6)], 4, 7) and not attended_between([(5, 7)], 4, 7)
    assert not attended_between([], 1, 9)


@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 30), st.floats(0, 100), st.booleans()), max_size=40))
def test_splits_count_every_cooperative_once(items):
    rounds = by_cooperative(r(coop, day, score) for coop, day, score, _ in items)
    attended = {coop for coop, _, _, went in items if went}
    ids = list(range(8))
    for split in (split_around_session(ids, rounds, attended, 10, 12),
                  split_between_rounds(ids, rounds, {c: [(10, 12)] for c in attended})):
        assert split.attended.n + split.not_attended.n + split.incomparable == len(ids)
        for group in (split.attended, split.not_attended):
            changes = [c.change for c in group.compared]
            if changes:
                assert min(changes) - 1e-9 <= group.change <= max(changes) + 1e-9
            else:
                assert group.change is None


# --- On a phone --------------------------------------------------------------------------------------------

@pytest.mark.browser
def test_change_tables_fit_a_phone(page, live_server, shot):
    """Pixel 5: every change table fits 393 px without scrolling sideways, and axe finds nothing serious."""
    with live_server.app.app_context():
        ids = two_rounds()
    log_in(page, live_server, "dinas")
    found = []
    for path, name in ((f"/cooperatives/{ids['c1']}", "cooperative"), (f"/dashboard/{DIWEK}", "kecamatan"),
                       ("/change/", "change"), (f"/bimtek/{ids['s1']}", "session"), (f"/sheet/{ids['c1']}", "sheet")):
        page.goto(live_server.url + path)
        expect(page.locator("#change-title, .change-areas, #sheet-change").first).to_be_visible()
        assert no_horizontal_scroll(page), name
        width = page.evaluate("window.innerWidth")
        for table in page.locator("#change table, .change-areas, .change-split, .sheet-sections").all():
            box = table.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, name
        found += [(name, v["id"], v["targets"]) for v in axe_violations(page) if v["impact"] in BLOCKING]
        shot(page, name)
    assert found == []
