"""Rollups from a fixture of known assessments: every number on the pages and in each export."""
import csv
import io
import re
import textwrap

import uuid
from datetime import date, datetime, timedelta, timezone

import openpyxl
import pytest
from sqlalchemy import func, select

from app.assessments.models import Answer, Assessment, Event
from app.auth.models import User
from app.bimtek.models import BimtekSession
from app.cooperatives.models import Cooperative
from app.extensions import db
from app.instruments.models import publish
from app.assessments.workflow import APPROVED, DRAFT, RETURNED, SUBMITTED
from app.regions.models import District, Regency, Village
from app.roles import ADMIN, FACILITATOR, SUPERVISOR
from app.rollups.queries import current_states, states_as_of
from app.rollups.progress import STATES, UNVISITED, progress
from app.rollups.stats import Rollup, Scored, Tally, latest_per_cooperative, topics_by_weakness
from app.rollups.tallies import rebuild
from tests.support import DIWEK, INSTRUMENT, SOURCE, WONOSALAM, add_user

SECTIONS = list("ABCDEFGH")
LEVELS = ["belum-siap", "kurang-siap", "cukup-siap", "siap"]


def at(day):
    return datetime(*day, 3, 0, tzinfo=timezone.utc)  # 10:00 in Jombang


def cooperative(district, n=0):
    return db.session.scalars(select(Cooperative).join(Cooperative.village).where(Village.district_code == district)
                              .order_by(Village.name)).all()[n]


def scored(coop, score, level, sections, steps, visit=(2025, 9, 1), answers=(), by="fas.diwek"):
    """An assessment with a stored result and its history; `steps` are (action, source, target, day)."""
    facilitator = db.session.scalar(select(User).where(User.username == by))
    assessment = Assessment(id=uuid.uuid4(), cooperative=coop, facilitator=facilitator,
                            instrument_version_id=VERSION[0], visit_date=date(*visit), status=steps[-1][2],
                            status_at=at(steps[-1][3]),
                            score=score, level=level, submitted_at=at(steps[1][3]) if len(steps) > 1 else None,
                            result={"sections": {c: {"score": v, "completeness": 100} for c, v in zip(SECTIONS, sections)},
                                    "gates": [], "uncapped_level": level})
    db.session.add(assessment)
    assessment.events = [Event(user_id=facilitator.id, action=action, source=source, target=target, at=at(day))
                         for action, source, target, day in steps]
    assessment.answers = [Answer(question_code=code, value=value) for code, value in answers]
    db.session.flush()
    return assessment


VERSION = []
APPROVED_ON = lambda submit, approve: [("start", None, "draft", submit), ("submit", "draft", "submitted", submit),  # noqa: E731
                                        ("approve", "submitted", "approved", approve)]


def drafted(coop, day, by="fas.diwek"):
    """A visit started on `day` and not yet submitted: no result."""
    return scored(coop, None, None, [], [("start", None, "draft", day)], visit=day, by=by)


@pytest.fixture
def known(app, jombang):
    """Four cooperatives with known results, and a fifth with a visit in draft (Bimtek of 14 Oct 2025:
    Diwek and Wonosalam). Diwek's visits are fas.diwek's, Wonosalam's fas.wonosalam's."""
    VERSION[:] = [publish(db.session, INSTRUMENT, SOURCE)[0].id]
    c1, c2, c3 = cooperative(DIWEK, 0), cooperative(DIWEK, 1), cooperative(DIWEK, 2)
    c4 = cooperative(WONOSALAM, 0)
    scored(c1, 80, "siap", [90, 80, 70, 60, 85, 95, 75, 85], APPROVED_ON((2025, 9, 20), (2025, 10, 1)),
           answers=[("A1", "yes"), ("C1", "85")])
    scored(c1, 90, "siap", [95, 90, 85, 80, 90, 95, 90, 95], APPROVED_ON((2025, 10, 18), (2025, 10, 20)),
           visit=(2025, 10, 17))
    scored(c2, 40, "kurang-siap", [50, 40, 30, 20, 60, 40, 50, 30],
           [("start", None, "draft", (2025, 10, 5)), ("submit", "draft", "submitted", (2025, 10, 5))])
    scored(c3, 20, "belum-siap", [10, 20, 30, 20, 10, 30, 20, 20],
           APPROVED_ON((2025, 8, 30), (2025, 9, 1)) + [("reopen", "approved", "returned", (2025, 10, 2))])
    scored(c4, 60, "cukup-siap", [70, 60, 50, 40, 80, 60, 60, 60], APPROVED_ON((2025, 10, 8), (2025, 10, 10)),
           by="fas.wonosalam")
    c5 = cooperative(DIWEK, 3)
    drafted(c5, (2025, 10, 6))
    session = BimtekSession(title="Bimtek Tata Kelola Kelembagaan", held_on=date(2025, 10, 14), venue="Ruang Bung Tomo",
                            regency_code="35.17", districts=[db.session.get(District, DIWEK), db.session.get(District, WONOSALAM)])
    db.session.add(session)
    db.session.commit()
    rebuild(db.session)  # the results were written here, not through transitions: count them as a migration does
    return {"c1": c1.id, "c2": c2.id, "c3": c3.id, "c4": c4.id, "c5": c5.id, "session": session.id}


def count(district):
    return db.session.scalar(select(func.count(Cooperative.id)).join(Cooperative.village)
                             .where(Village.district_code == district))


def pct(part, whole):
    """A percentage as the Indonesian UI shows it: one decimal, none when it is whole."""
    text = f"{round(100 * part / whole, 1):.1f}".replace(".", ",")
    return (text[:-2] if text.endswith(",0") else text) + "%"


def row(html, district):
    start = html.index(f'<tr id="row-{district}">')
    return html[start:html.index("</tr>", start)]


def cells(fragment):
    return [" ".join(re.sub(r"<[^>]+>", "", c).split()) for c in re.findall(r"<td[^>]*>(.*?)</td>", fragment, re.S)]


def level_counts(fragment):
    """{level: count} as a level bar's text says them (the first bar in `fragment`)."""
    counts = fragment[fragment.index('<ul class="level-counts">'):]
    counts = counts[:counts.index("</ul>")]
    return {label.strip(): n for label, n in re.findall(r"</span>([^<]+)<b>([^<]+)</b>", counts)}


def test_dashboard_numbers_before_the_bimtek(known, client, auth):
    auth.login("dinas")
    html = client.get("/dashboard/?as_of=2025-10-13").get_data(as_text=True)
    diwek = cells(row(html, DIWEK))
    # c1's first approval (80) counts; c2 is only submitted; c3 was reopened on 2 Oct
    assert diwek[:6] == ["Diwek", str(count(DIWEK)), "1", pct(1, count(DIWEK)), "80", "80"]
    assert diwek[7] == "D. Pengurus; C. Keanggotaan"  # c1's weakest sections: D 60, C 70
    assert level_counts(row(html, DIWEK)) == {"Belum Siap": "0", "Kurang Siap": "0", "Cukup Siap": "0", "Siap": "1"}
    wonosalam = cells(row(html, WONOSALAM))
    assert wonosalam[2:6] == ["1", pct(1, count(WONOSALAM)), "60", "60"]
    assert level_counts(row(html, WONOSALAM))["Cukup Siap"] == "1"
    assert "<title>Siap: 1</title>" in row(html, DIWEK) and "<title>Cukup Siap: 1</title>" in row(html, WONOSALAM)
    footer = html[html.index('<tr id="row-total">'):]
    total = cells(footer)
    assert total[:5] == ["306", "2", pct(2, 306), "70", "70"]
    assert total[6] == "D. Pengurus; C. Keanggotaan"  # D (60+40)/2, C (70+50)/2
    assert level_counts(footer) == {"Belum Siap": "0", "Kurang Siap": "0", "Cukup Siap": "1", "Siap": "1"}


def test_submitted_ones_count_only_when_asked_and_later_approvals_only_later(known, client, auth):
    auth.login("dinas")
    with_submitted = cells(row(client.get("/dashboard/?as_of=2025-10-13&submitted=1").get_data(as_text=True), DIWEK))
    assert with_submitted[2] == "2" and with_submitted[4:6] == ["60", "60"]  # 80 and 40
    today = cells(row(client.get("/dashboard/").get_data(as_text=True), DIWEK))
    assert today[2] == "1" and today[4] == "90"  # c1's second approval (20 Oct); c3 is still returned
    before = cells(row(client.get("/dashboard/?as_of=2025-09-30").get_data(as_text=True), DIWEK))
    assert before[2] == "1" and before[4] == "20"  # only c3, approved 1 Sep and not yet reopened
    sorted_html = client.get("/dashboard/?as_of=2025-10-13&sort=mean&desc=1").get_data(as_text=True)
    assert sorted_html.index(f'id="row-{DIWEK}"') < sorted_html.index(f'id="row-{WONOSALAM}"')
    sorted_html = client.get("/dashboard/?as_of=2025-10-13&sort=mean").get_data(as_text=True)
    assert sorted_html.index(f'id="row-{DIWEK}"') > sorted_html.index(f'id="row-{WONOSALAM}"')


def test_the_status_agrees_with_the_history(known):
    """As of today a rollup reads each assessment's status and status_at; an earlier date reads the
    history. Asked of the same moment, both say the same."""
    everyone, tomorrow = select(Cooperative.id), datetime.now(timezone.utc) + timedelta(days=1)
    for states in ((APPROVED,), (APPROVED, SUBMITTED), (RETURNED,)):
        now = set(db.session.execute(select(current_states(states, everyone).subquery())))
        history = set(db.session.execute(select(states_as_of(states, everyone, tomorrow).subquery())))
        assert now == history and now


def test_an_approval_late_in_the_evening_counts_on_the_day_it_is_in_jombang(known, client, auth):
    """Times are stored in UTC and compared in UTC: 20:00 UTC on 13 October is 03:00 on the 14th in Jombang."""
    c4 = db.session.scalars(select(Assessment).where(Assessment.cooperative_id == known["c4"])).one()
    approval = next(e for e in c4.events if e.action == "approve")
    approval.at = datetime(2025, 10, 13, 20, 0, tzinfo=timezone.utc)
    db.session.commit()
    auth.login("dinas")
    assert cells(row(client.get("/dashboard/?as_of=2025-10-13").get_data(as_text=True), WONOSALAM))[2] == "0"
    assert cells(row(client.get("/dashboard/?as_of=2025-10-14").get_data(as_text=True), WONOSALAM))[2] == "1"


def test_the_dashboard_drills_down_from_the_country(known, client, auth):
    add_user("nasional", ADMIN)
    db.session.commit()
    auth.login("nasional")
    country = client.get("/dashboard/?as_of=2025-10-13").get_data(as_text=True)
    assert "Kesiapan per provinsi" in country and cells(row(country, "35"))[:3] == ["Jawa Timur", "306", "2"]
    assert 'href="/dashboard/?area=35&amp;as_of=2025-10-13"' in country
    province = client.get("/dashboard/?area=35&as_of=2025-10-13").get_data(as_text=True)
    assert "Kesiapan per kabupaten/kota: Jawa Timur" in province
    assert cells(row(province, "35.17"))[1:5] == ["306", "2", pct(2, 306), "70"]
    regency = client.get("/dashboard/?area=35.17&as_of=2025-10-13").get_data(as_text=True)
    assert "Kesiapan per kecamatan: Jombang" in regency.replace("Kabupaten ", "").replace("Kab. ", "")
    assert cells(row(regency, DIWEK))[2] == "1" and f'href="/dashboard/{DIWEK}' in regency
    assert 'href="/exports/scores.xlsx?as_of=2025-10-13&amp;area=35.17"' in regency
    assert client.get("/dashboard/?area=99").status_code == 404
    assert client.get("/dashboard/?area=3").status_code == 404
    auth.login("dinas")  # a regency's Dinas sees only its own regency, whatever it asks for
    assert client.get("/dashboard/?area=35.18").status_code == 404
    assert 'id="row-35"' not in client.get("/dashboard/").get_data(as_text=True)


def test_xlsx_of_a_province_has_a_sheet_per_regency(known, client, auth):
    add_user("nasional", ADMIN)
    db.session.commit()
    auth.login("nasional")
    response = client.get("/exports/scores.xlsx?area=35&as_of=2025-10-13")
    assert "siapkop-skor-jawa-timur-2025-10-13.xlsx" in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Ringkasan", db.session.get(Regency, "35.17").name]
    summary = [[c.value for c in r] for r in book["Ringkasan"].iter_rows()]
    assert summary[0][0] == "Kabupaten/Kota" and summary[1][1:5] == [306, 2, round(200 / 306, 1), 70]
    assert len(list(book.worksheets[1].iter_rows())) == 1 + 306


def test_kecamatan_page_with_change_and_heat_map(known, client, auth):
    auth.login("dinas")
    html = client.get(f"/dashboard/{DIWEK}").get_data(as_text=True)
    start = html.index(f'<tr id="coop-{known["c1"]}">')
    c1 = cells(html[start:html.index("</tr>", start)])
    assert c1[1:] == ["90", "Siap", "naik +10", "95", "90", "85", "80", "90", "95", "90", "95"]
    # 95 reaches Siap, the fourth level: its colour, and the section's code as the cell's caption on a phone
    assert '<td class="num heat lv-3" data-label="A">95</td>' in html


def coop_cells(html, cooperative_id):
    start = html.index(f'<tr id="coop-{cooperative_id}"')
    return cells(html[start:html.index("</tr>", start)])


def test_kecamatan_page_says_where_each_visit_is(known, client, auth):
    """A cooperative that no approved assessment scores shows its latest visit's state as of the date asked;
    the heat-map's colours are the levels' and its legend says their names and score ranges."""
    auth.login("dinas")
    html = client.get(f"/dashboard/{DIWEK}?as_of=2025-10-13").get_data(as_text=True)
    assert coop_cells(html, known["c1"])[1:4] == ["80", "Siap", "–"]
    assert coop_cells(html, known["c2"])[1:4] == ["–", "Menunggu tinjauan", "–"]
    assert coop_cells(html, known["c3"])[1:4] == ["–", "Dikembalikan", "–"]  # reopened on 2 Oct
    assert coop_cells(html, known["c5"])[1:4] == ["–", "Draf", "–"]
    assert html.count(">Belum dikunjungi</td>") == count(DIWEK) - 4 and "Belum dinilai" not in html
    # c1's first approval: A 90 and B 80 reach Siap (76-100), C 70 and D 60 only Cukup Siap (51-75,9)
    c1 = html[html.index(f'<tr id="coop-{known["c1"]}"'):]
    assert '<td class="num heat lv-3" data-label="B">80</td>' in c1
    assert '<td class="num heat lv-2" data-label="C">70</td>' in c1
    start = html.index('<div class="legend">')
    legend = re.sub(r"<[^>]+>", " ", html[start:html.index("</ul>", start)]).split()
    assert " ".join(legend[-11:]) == "Belum Siap 0–25,9 Kurang Siap 26–50,9 Cukup Siap 51–75,9 Siap 76–100"
    assert "<b>D</b> Pengurus</li>" in html  # the sections named, not only their codes
    before = client.get(f"/dashboard/{DIWEK}?as_of=2025-10-04").get_data(as_text=True)
    assert coop_cells(before, known["c2"])[2] == "Belum dikunjungi" and coop_cells(before, known["c5"])[2] == \
        "Belum dikunjungi"
    earlier = client.get(f"/dashboard/{DIWEK}?as_of=2025-09-30").get_data(as_text=True)
    assert coop_cells(earlier, known["c3"])[1:3] == ["20", "Belum Siap"]  # approved 1 Sep, not yet reopened
    assert coop_cells(earlier, known["c1"])[1:3] == ["–", "Menunggu tinjauan"]  # submitted 20 Sep
    counted = client.get(f"/dashboard/{DIWEK}?as_of=2025-10-13&submitted=1").get_data(as_text=True)
    assert coop_cells(counted, known["c2"])[1:3] == ["40", "Kurang Siap"]


def test_session_page_before_the_bimtek(known, client, auth):
    auth.login("supervisor")
    html = client.get(f"/bimtek/{known['session']}").get_data(as_text=True)
    assert "14 Oktober 2025" in html and "Ruang Bung Tomo" in html and "Diwek, Wonosalam" in html
    assert 'value="2025-10-13"' in html  # the state before the session
    start = html.index(f'<tr id="coop-{known["c1"]}">')
    assert cells(html[start:html.index("</tr>", start)])[2:] == ["80", "Siap"]
    assert coop_cells(html, known["c2"])[2:] == ["–", "Menunggu tinjauan"]
    assert coop_cells(html, known["c3"])[2:] == ["–", "Dikembalikan"]
    assert coop_cells(html, known["c5"])[2:] == ["–", "Draf"]
    assert coop_cells(html, cooperative(WONOSALAM, 1).id)[2:] == ["–", "Belum dikunjungi"]
    # section means over c1 and c4: A 80, B 70, C 60, D 50, E 82.5, F 77.5, G 67.5, H 72.5, so the topics
    # D,E → 66.25; A,C,G,H → 70; B,F → 73.75
    order = [html.index(f'id="topic-{code}"') for code in
             ("tugas-pengurus-pengawas", "penguatan-kelembagaan", "tata-kelola-organisasi")]
    assert order == sorted(order) and "D 50, E 82,5" in html
    for topic, mean in (("tugas-pengurus-pengawas", "66,2"), ("penguatan-kelembagaan", "70"),
                        ("tata-kelola-organisasi", "73,8")):
        start = html.index(f'id="topic-{topic}"')
        assert f"rata-rata {mean}\n" in html[start:html.index("</li>", start)]


def test_csv_export_of_a_kecamatan(known, client, auth):
    auth.login("dinas")
    response = client.get(f"/exports/scores.csv?district={DIWEK}&as_of=2025-10-13", buffered=True)
    assert response.headers["Content-Disposition"] == 'attachment; filename="siapkop-skor-kec-diwek-2025-10-13.csv"'
    assert "Content-Length" not in response.headers  # streamed row by row, not built in memory first
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:8] == ["Kode wilayah", "Kecamatan", "Desa/Kelurahan", "Koperasi", "Tanggal kunjungan", "Disetujui",
                           "Skor", "Tingkat"]
    assert len(rows) == 1 + count(DIWEK)
    c1 = db.session.get(Cooperative, known["c1"])
    mine = next(r for r in rows if r[0] == c1.village_code)
    assert mine[4:] == ["2025-09-01", "2025-10-01", "80", "Siap", "90", "80", "70", "60", "85", "95", "75", "85"]
    assert sum(1 for r in rows[1:] if r[6]) == 1


def test_xlsx_export_of_the_session(known, client, auth):
    auth.login("dinas")
    response = client.get(f"/exports/scores.xlsx?session={known['session']}")
    assert "siapkop-skor-bimtek-2025-10-14-bimtek-tata-kelola-kelembagaan-2025-10-13.xlsx" in \
        response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Ringkasan", "Diwek", "Wonosalam"]
    summary = [[c.value for c in r] for r in book["Ringkasan"].iter_rows()]
    assert summary[0][:6] == ["Kecamatan", "Koperasi", "Dinilai", "Cakupan %", "Rata-rata", "Median"]
    assert summary[1][:6] == ["Diwek", count(DIWEK), 1, round(100 / count(DIWEK), 1), 80, 80]
    assert summary[1][6:] == [0, 0, 0, 1, "D, C"]
    assert summary[2] == ["Wonosalam", count(WONOSALAM), 1, round(100 / count(WONOSALAM), 1), 60, 60, 0, 0, 1, 0, "D, C"]
    assert summary[3][:6] == ["Jumlah", count(DIWEK) + count(WONOSALAM), 2,
                              round(200 / (count(DIWEK) + count(WONOSALAM)), 1), 70, 70]
    assert book["Ringkasan"].freeze_panes == "A2" and book["Diwek"].freeze_panes == "E2"
    diwek = [[c.value for c in r] for r in book["Diwek"].iter_rows()]
    assert len(diwek) == 1 + count(DIWEK)
    scored_rows = [r for r in diwek[1:] if r[6] is not None]
    assert len(scored_rows) == 1 and scored_rows[0][6:8] == [80, "Siap"]
    level_cell = next(r for r in book["Diwek"].iter_rows(min_row=2) if r[6].value is not None)[7]
    assert level_cell.fill.fgColor.rgb.endswith("01214A")  # Siap: the darkest of the four blues


def width(sheet, letter):
    """The width a sheet gives column `letter` (XlsxWriter may write neighbours of one width as one range)."""
    index = openpyxl.utils.column_index_from_string(letter)
    return next(d.width for d in sheet.column_dimensions.values() if d.min <= index <= d.max)


def test_xlsx_headers_read_dates_are_dates_and_section_scores_are_coloured(known, client, auth):
    auth.login("dinas")
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/exports/scores.xlsx?session={known['session']}&"
                                                        "as_of=2025-10-13").data))
    summary, diwek = book["Ringkasan"], book["Diwek"]
    for sheet in (summary, diwek):
        header = sheet[1]
        for cell in header:  # on one line in its column, or wrapped into a header row tall enough for it
            lines = len(textwrap.wrap(cell.value, int(width(sheet, cell.column_letter)) - 2))
            assert width(sheet, cell.column_letter) >= len(cell.value) + 2 or (
                cell.alignment.wrap_text and sheet.row_dimensions[1].height >= 15 * lines), cell.value
    names = [row[3].value for row in diwek.iter_rows(min_row=2)]
    assert width(diwek, "D") >= max(map(len, names))  # every cooperative's name reads too
    assert width(diwek, "I") < len(diwek["I1"].value) and diwek.row_dimensions[1].height >= 45  # A's title wraps
    assert summary.auto_filter.ref == "A1:K3"  # Diwek and Wonosalam; the total stays below the filter
    assert diwek.auto_filter.ref == f"A1:P{1 + count(DIWEK)}"
    c1 = next(row for row in diwek.iter_rows(min_row=2) if row[6].value is not None)
    assert [(cell.is_date, cell.value) for cell in c1[4:6]] == [(True, datetime(2025, 9, 1)),
                                                                (True, datetime(2025, 10, 1))]
    assert all("yyyy" in cell.number_format for cell in c1[4:6])
    # c1's sections 90, 80, 70, 60, 85, 95, 75, 85: Siap from 76, Cukup Siap below; white on the level's colour
    fills = [(cell.value, cell.fill.fgColor.rgb[-6:], cell.font.color.rgb[-6:]) for cell in c1[8:]]
    siap, cukup = "01214A", "043875"
    assert fills == [(90, siap, "FFFFFF"), (80, siap, "FFFFFF"), (70, cukup, "FFFFFF"), (60, cukup, "FFFFFF"),
                     (85, siap, "FFFFFF"), (95, siap, "FFFFFF"), (75, cukup, "FFFFFF"), (85, siap, "FFFFFF")]
    assert c1[7].value == "Siap" and c1[7].fill.fgColor.rgb.endswith(siap)
    unscored = next(row for row in diwek.iter_rows(min_row=2) if row[6].value is None)
    assert {cell.fill.fill_type for cell in unscored} == {None}


def test_answers_export_has_one_row_per_answer_of_counted_assessments(known, client, auth):
    auth.login("dinas")
    rows = list(csv.reader(io.StringIO(client.get("/exports/answers.csv?as_of=2025-10-13", buffered=True)
                                        .get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["Kode wilayah", "Kecamatan", "Koperasi", "Penilaian", "Status", "Tanggal kunjungan", "Bagian",
                       "Pertanyaan", "Jawaban", "Arti jawaban", "Tidak berlaku"]
    assert [(r[6], r[7], r[8], r[9]) for r in rows[1:]] == [("A", "A1", "yes", "Ya"), ("C", "C1", "85", "85")]


def test_rollups_are_scoped(known, client, auth):
    add_user("supervisor.lain", SUPERVISOR, ("35.17.01",))
    db.session.commit()
    auth.login("supervisor.lain")
    html = client.get("/dashboard/").get_data(as_text=True)
    assert f'id="row-{DIWEK}"' not in html and 'id="row-35.17.01"' in html
    assert client.get(f"/dashboard/{DIWEK}").status_code == 404
    assert client.get(f"/bimtek/{known['session']}").status_code == 404
    assert client.get(f"/exports/scores.csv?district={DIWEK}", buffered=True).status_code == 404
    assert client.get(f"/exports/scores.xlsx?session={known['session']}").status_code == 404
    assert client.get(f"/sheet/{known['c1']}").status_code == 404
    rows = list(csv.reader(io.StringIO(client.get("/exports/scores.csv", buffered=True).get_data(as_text=True).lstrip("\ufeff"))))
    assert {r[1] for r in rows[1:]} == {db.session.get(District, "35.17.01").name}
    auth.login("fas.diwek")
    for url in ("/dashboard/", "/bimtek/", "/exports/scores.csv"):
        assert client.get(url, buffered=True).status_code == 403
    # the sheet is the facilitator's to hand over: of their kecamatan only
    assert client.get(f"/sheet/{known['c1']}").status_code == 200
    assert client.get(f"/sheet/{known['c4']}").status_code == 404
    auth.login("fas.wonosalam")
    assert client.get(f"/sheet/{known['c1']}").status_code == 404


def weak_sections(html):
    """The section codes the sheet lists under "Perlu diperkuat", in its order."""
    listed = re.search(r'<ol id="weak">(.*?)</ol>', html, re.S)
    return re.findall(r"<li>([A-Z])\. ", listed.group(1)) if listed else []


def test_printable_sheet(known, client, auth):
    auth.login("dinas")
    html = client.get(f"/sheet/{known['c1']}").get_data(as_text=True)
    assert "<strong>90</strong>" in html and "disetujui 20 Oktober 2025" in html
    # c1's latest: every section at 80 or more, inside Siap (from 76): nothing to strengthen, though D is weakest
    assert weak_sections(html) == [] and "Semua bagian sudah memadai" in html and "perlu diperkuat" not in html
    # c4 (Cukup Siap): every section below 76 but E (80), weakest first, ties in instrument order; so every topic
    html = client.get(f"/sheet/{known['c4']}").get_data(as_text=True)
    assert weak_sections(html) == ["D", "C", "B", "F", "G", "H", "A"] and html.count("perlu diperkuat") == 3
    assert "@media print" in client.get("/static/app.css").get_data(as_text=True)


def test_admin_records_a_bimtek_session(app, jombang, client, auth):
    auth.login("dinas")
    token = auth.token()
    response = client.post("/bimtek/new", data={"csrf_token": token, "title": "Bimtek Diwek", "held_on": "2025-10-14",
                                                "venue": "Ruang Bung Tomo", "districts": [DIWEK, WONOSALAM]})
    session = db.session.scalars(select(BimtekSession)).one()
    assert response.status_code == 302 and session.district_codes == [DIWEK, WONOSALAM]
    edited = client.post(f"/bimtek/{session.id}/edit", data={"csrf_token": token, "title": "Bimtek Diwek (ulang)",
                                                              "held_on": "2025-10-15", "districts": [DIWEK]})
    session = db.session.get(BimtekSession, session.id, populate_existing=True)
    assert edited.status_code == 302 and (session.title, session.district_codes) == ("Bimtek Diwek (ulang)", [DIWEK])
    refused = client.post("/bimtek/new", data={"csrf_token": token, "title": "x", "held_on": "", "districts": []})
    assert refused.status_code == 422 and "Pilih paling sedikit satu kecamatan." in refused.get_data(as_text=True)
    auth.login("supervisor")
    assert client.get("/bimtek/new").status_code == 403


def boxes(html):
    """{kecamatan code: (ticked, required)} of a form's kecamatan check boxes."""
    return {code: ("checked" in tag, "required" in tag) for tag, code in re.findall(
        r'(<input[^>]*name="districts"[^>]*value="([0-9.]+)"[^>]*>)', html)}


def test_bimtek_form_ticks_the_stored_kecamatan_and_asks_for_one_on_the_server(app, jombang, client, auth):
    session = BimtekSession(title="Bimtek Diwek Wonosalam", held_on=date(2025, 10, 14), regency_code="35.17",
                            districts=[db.session.get(District, DIWEK), db.session.get(District, WONOSALAM)])
    db.session.add(session)
    db.session.commit()
    session_id = session.id
    auth.login("dinas")
    shown = boxes(client.get(f"/bimtek/{session_id}/edit").get_data(as_text=True))
    assert len(shown) == 21 and not any(required for _, required in shown.values())  # the browser asks for none
    assert {code for code, (ticked, _) in shown.items() if ticked} == {DIWEK, WONOSALAM}
    refused = client.post(f"/bimtek/{session_id}/edit", data={
        "csrf_token": auth.token(), "title": "Bimtek tanpa kecamatan", "held_on": "2025-10-14"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="districts-error">Pilih paling sedikit satu kecamatan.</p>' in html
    assert 'value="Bimtek tanpa kecamatan"' in html  # the form comes back as it was sent
    session = db.session.get(BimtekSession, session_id, populate_existing=True)
    assert (session.title, session.district_codes) == ("Bimtek Diwek Wonosalam", [DIWEK, WONOSALAM])

def contrast(one, other):
    """WCAG's contrast ratio of two #rrggbb colours."""
    def luminance(colour):
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_pages_and_files_colour_the_levels_alike_and_readably():
    """app.css's level colours are LEVEL_COLOURS (XLSX files'), each darker than the one before (told apart by
    lightness, not hue) and under white text, as heat-map cells and XLSX level cells have it, at 4.5:1 or more."""
    from app import ROOT
    from app.rollups.asked import LEVEL_COLOURS
    css = (ROOT / "app" / "static" / "app.css").read_text()
    assert re.findall(r"\.lv-\d \{ --lv: (#[0-9a-f]{6}); \}", css) == LEVEL_COLOURS
    white = [contrast(colour, "#ffffff") for colour in LEVEL_COLOURS]
    assert white == sorted(white) and white[0] >= 4.5
    assert all(contrast(a, b) >= 1.3 for a, b in zip(LEVEL_COLOURS[:4], LEVEL_COLOURS[1:4]))


def test_level_bars_say_their_counts_in_the_users_language(app):
    from flask import render_template_string, session
    from flask_babel import refresh
    page = '{% from "rollups/_charts.html" import level_bar %}{{ level_bar(counts, instrument) }}'
    counts = {"belum-siap": 1234, "kurang-siap": 0, "cukup-siap": 56, "siap": 7}
    with app.test_request_context("/"):
        indonesian = render_template_string(page, counts=counts, instrument=INSTRUMENT)
    with app.test_request_context("/"):
        session["lang"] = "en"
        refresh()  # the locale is kept for the app context the test holds
        english = render_template_string(page, counts=counts, instrument=INSTRUMENT)
    assert level_counts(indonesian) == {"Belum Siap": "1.234", "Kurang Siap": "0", "Cukup Siap": "56", "Siap": "7"}
    assert "<title>Belum Siap: 1.234</title>" in indonesian and 'class="lv-2"' in indonesian
    assert level_counts(english) == {"Not ready": "1,234", "Barely ready": "0", "Fairly ready": "56", "Ready": "7"}


# --- Fieldwork progress -----------------------------------------------------------------------------

def progress_rows(html, kind):
    """{id: cells} of the rows of `kind` ("area" or "facilitator") on the progress page."""
    rows = {}
    for key in re.findall(rf'<tr id="{kind}-([^"]+)">', html):
        start = html.index(f'<tr id="{kind}-{key}">')
        rows[key] = cells(html[start:html.index("</tr>", start)])
    return rows


def user_id(username):
    return db.session.scalar(select(User.id).where(User.username == username))


def test_progress_counts_each_cooperative_by_its_latest_visit(known, client, auth):
    c4 = db.session.get(Cooperative, known["c4"])
    drafted(c4, (2025, 10, 21), by="fas.wonosalam")  # visited again; its approval still counts for readiness
    db.session.commit()
    auth.login("dinas")
    dashboard = client.get("/dashboard/").get_data(as_text=True)
    assert 'href="/progress/"' in dashboard and cells(row(dashboard, WONOSALAM))[2] == "1"
    html = client.get("/progress/").get_data(as_text=True)
    areas, diwek, wonosalam = progress_rows(html, "area"), count(DIWEK), count(WONOSALAM)
    assert len(areas) == 22  # Jombang's 21 kecamatan and the total
    # Kecamatan, Koperasi, then Belum dikunjungi, Draf, Menunggu tinjauan, Dikembalikan, Disetujui
    assert areas[DIWEK] == ["Diwek", str(diwek), str(diwek - 4), "1", "1", "1", "1"]  # c5; c2; c3; c1
    assert areas[WONOSALAM] == ["Wonosalam", str(wonosalam), str(wonosalam - 1), "1", "0", "0", "0"]  # c4
    assert areas["35.17.01"][1] == areas["35.17.01"][2] != "0"  # nobody visited there
    assert areas["total"] == ["306", "301", "2", "1", "1", "1"]
    people = progress_rows(html, "facilitator")
    assert set(people) == {str(user_id("fas.diwek")), str(user_id("fas.wonosalam"))}
    assert people[str(user_id("fas.diwek"))] == ["Fas.Diwek", "Diwek", str(diwek - 4), "1", "1", "1", "1"]
    assert people[str(user_id("fas.wonosalam"))] == ["Fas.Wonosalam", "Wonosalam", str(wonosalam - 1), "1", "0", "0",
                                                      "0"]
    add_user("nasional", ADMIN)
    db.session.commit()
    auth.login("nasional")  # the country lists provinces, and facilitators only once it lists kecamatan
    country = client.get("/progress/").get_data(as_text=True)
    assert progress_rows(country, "area")["35"] == ["Jawa Timur", "306", "301", "2", "1", "1", "1"]
    assert 'id="per-facilitator"' not in country and 'href="/progress/?area=35"' in country
    regency = client.get("/progress/?area=35.17").get_data(as_text=True)
    assert progress_rows(regency, "area")[DIWEK] == areas[DIWEK] and len(progress_rows(regency, "facilitator")) == 2


def test_progress_shows_only_the_users_area(known, client, auth):
    add_user("supervisor.lain", SUPERVISOR, ("35.17.01",))
    add_user("fas.dua", FACILITATOR, (WONOSALAM, "35.17.01"))  # works in both supervisors' areas
    db.session.commit()
    drafted(cooperative("35.17.01", 0), (2025, 10, 20), by="fas.dua")
    db.session.commit()
    dua, elsewhere = str(user_id("fas.dua")), count("35.17.01")
    auth.login("supervisor")  # Diwek and Wonosalam
    html = client.get("/progress/").get_data(as_text=True)
    assert set(progress_rows(html, "area")) == {DIWEK, WONOSALAM, "total"}
    people = progress_rows(html, "facilitator")
    assert set(people) == {str(user_id("fas.diwek")), str(user_id("fas.wonosalam")), dua}
    # fas.dua's draft is in the other supervisor's kecamatan: neither it nor that kecamatan shows here
    assert people[dua] == ["Fas.Dua", "Wonosalam", str(count(WONOSALAM) - 1), "0", "0", "0", "0"]
    assert progress_rows(html, "area")["total"][2] == "1"  # c5's draft only
    auth.login("supervisor.lain")
    html = client.get("/progress/").get_data(as_text=True)
    name = db.session.get(District, "35.17.01").name
    assert progress_rows(html, "area") == {"35.17.01": [name, str(elsewhere), str(elsewhere - 1), "1", "0", "0", "0"],
                                           "total": [str(elsewhere), str(elsewhere - 1), "1", "0", "0", "0"]}
    assert progress_rows(html, "facilitator") == {dua: ["Fas.Dua", name, str(elsewhere - 1), "1", "0", "0", "0"]}
    assert "Fas.Diwek" not in html and "Diwek" not in html
    assert client.get(f"/progress/?area={DIWEK}").status_code == 404
    auth.login("fas.diwek")
    assert client.get("/progress/").status_code == 403


# --- The arithmetic, without a database ----------------------------------------------------------

def test_rollup_arithmetic():
    rows = [Scored(1, "a", 1, 1, 80.0, "siap", {"A": 90, "B": 60}),
            Scored(1, "b", 2, 2, 90.0, "siap", {"A": 95, "B": 70}),
            Scored(2, "c", 1, 1, 40.0, "kurang-siap", {"A": 30, "B": None})]
    latest = latest_per_cooperative(rows)
    assert latest[1].current.assessment_id == "b" and latest[1].change == 10 and latest[2].change is None
    r = Tally.of([l.current for l in latest.values()]).rollup(4, LEVELS, ["A", "B"])
    assert (r.assessed, r.coverage, r.mean, r.median) == (2, 50.0, 65.0, 65.0)
    assert r.levels == {"belum-siap": 0, "kurang-siap": 1, "cukup-siap": 0, "siap": 1}
    assert r.weakest == ("A", "B")  # A (95+30)/2 = 62.5, B 70 (None left out)
    assert Tally().rollup(0, LEVELS, ["A"]) == Rollup(0, 0, None, None, dict.fromkeys(LEVELS, 0), ())
    assert [t for t, _, _ in topics_by_weakness([l.current for l in latest.values()], [("x", ["B"]), ("y", ["A"])],
                                                ["A", "B"])] == ["y", "x"]


def test_progress_arithmetic():
    """Each visit counts for its facilitator in its state; a facilitator's unvisited are their kecamatan's,
    shared with whoever else covers it."""
    rows = [("k1", None, UNVISITED, 5), ("k1", 7, DRAFT, 2), ("k1", 8, APPROVED, 1), ("k2", None, UNVISITED, 3),
            ("k2", 8, SUBMITTED, 1), ("k2", 8, RETURNED, 2), ("k3", None, UNVISITED, 4)]
    counted = progress(rows, {7: ["k1"], 8: ["k1", "k2"], 9: ["k3"]})
    assert [counted.of_area("k1")[state] for state in STATES] == [5, 2, 0, 0, 1]
    assert counted.of_area("k1").cooperatives == 8 and counted.of_area("k9").cooperatives == 0
    assert [counted.total[state] for state in STATES] == [12, 2, 1, 2, 1] and counted.total.cooperatives == 18
    assert [counted.by_facilitator[7][state] for state in STATES] == [5, 2, 0, 0, 0]
    assert [counted.by_facilitator[8][state] for state in STATES] == [8, 0, 1, 2, 1]
    assert [counted.by_facilitator[9][state] for state in STATES] == [4, 0, 0, 0, 0]
    unassigned = progress(rows, {}).by_facilitator  # whoever covers none of them: their visits, no unvisited
    assert [unassigned[8][state] for state in STATES] == [0, 0, 1, 2, 1] and set(unassigned) == {7, 8}
