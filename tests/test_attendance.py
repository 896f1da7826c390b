"""Attendance per day of a Bimtek session: the page and its forms over HTTP, the outbox's attendance
operations through /assessments/sync, their rules in plain Python, the daftar hadir XLSX read back, and a
phone taking attendance without signal in Chromium."""
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone

import openpyxl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.assessments.merge import SKEW, read_batch
from app.auth.models import User
from app.bimtek.models import Attendance, BimtekSession, Participant, Person
from app.bimtek.presence import day_of, millis, moment, stands, tally
from app.cooperatives.models import Cooperative
from app.cooperatives.seed import seed_cooperatives
from app.extensions import db
from app.regions.files import read_regions
from app.regions.models import District, Village
from app.regions.store import save_regions
from app.roles import SUPERVISOR
from tests.support import DIWEK, REGIONS_DIR, WONOSALAM, add_user, csrf_token
from tests.test_browser import log_in, no_signal, signal_back
from tests.test_offline import OUTBOX_SIZE, controlled_by_the_worker, eventually

MOJOKERTO, PACET = "35.16", "35.16.03"
NOW = 1_760_400_000_000  # 14 October 2025, in ms
YEAR = 365 * 24 * 3600 * 1000
HINT = "; dikirim otomatis saat ada sinyal."
NOT_REGISTERED = "Orang ini tidak terdaftar sebagai peserta sesi ini di wilayah Anda."


@dataclass
class Training:
    """A two-day session in Diwek and Wonosalam: two people of a Diwek cooperative, one of a Wonosalam one;
    a Diwek person registered only for another session; and a session of another regency."""
    session: int
    ketua: int  # Diwek, first cooperative
    sekretaris: int  # Diwek, first cooperative
    wonosalam: int  # Wonosalam
    elsewhere: int  # Diwek, registered for another session only
    foreign_session: int
    foreign: int  # a participant of the other regency's session


def first_cooperative(district):
    return db.session.scalar(select(Cooperative).join(Cooperative.village).where(Village.district_code == district)
                             .order_by(Cooperative.id))


def register(session, cooperative, name, position, phone=None):
    participant = Participant(session=session, cooperative=cooperative, position=position,
                              person=Person(cooperative=cooperative, name=name, position=position, phone=phone))
    db.session.add(participant)
    db.session.flush()
    return participant.id


def build_training():
    save_regions(db.session, read_regions(REGIONS_DIR, MOJOKERTO))
    seed_cooperatives(db.session, MOJOKERTO)
    diwek, wonosalam, pacet = first_cooperative(DIWEK), first_cooperative(WONOSALAM), first_cooperative(PACET)
    session = BimtekSession(title="Bimtek Tata Kelola", held_on=date(2025, 10, 14), ends_on=date(2025, 10, 15),
                            venue="Pendopo Kabupaten", regency_code="35.17",
                            districts=[db.session.get(District, DIWEK), db.session.get(District, WONOSALAM)])
    other = BimtekSession(title="Bimtek Lain", held_on=date(2025, 11, 3), regency_code="35.17",
                          districts=[db.session.get(District, DIWEK)])
    foreign = BimtekSession(title="Bimtek Pacet", held_on=date(2025, 10, 14), regency_code=MOJOKERTO,
                            districts=[db.session.get(District, PACET)])
    db.session.add_all([session, other, foreign])
    db.session.flush()
    ids = Training(session.id, register(session, diwek, "Slamet Riyadi", "pengurus:ketua", "0812 1111 222"),
                   register(session, diwek, "Sri Wahyuni", "pengurus:sekretaris"),
                   register(session, wonosalam, "Budi Santoso", "Bendahara", "0813 2222 333"),
                   register(other, diwek, "Agus Salim", "pengurus:ketua"), foreign.id,
                   register(foreign, pacet, "Joko Pacet", "pengurus:ketua"))
    db.session.commit()
    return ids


@pytest.fixture
def training(app, jombang):
    return build_training()


def page_of(training, day=1):
    return f"/bimtek/{training.session}/attendance/{day}"


def tap(client, training, participant, present, day=1, token=None, session=None):
    page = client.get(page_of(training, day)).get_data(as_text=True)
    return client.post(f"/bimtek/{session or training.session}/attendance/{day}/{participant}",
                       data={"present": present, "csrf_token": token if token is not None else csrf_token(page)})


def marked():
    """{(participant, day): present} as stored."""
    return {(a.participant_id, a.day): a.present for a in db.session.scalars(select(Attendance))}


def text_of(response):
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


# --- The page, without JavaScript ------------------------------------------------------------------------

def test_the_dinas_taps_a_participant_present_and_back_day_by_day(client, auth, training):
    auth.login("dinas")
    page = text_of(client.get(page_of(training)))
    assert "Daftar hadir hari ke-1" in page and "14 Oktober 2025" in page and "Hadir 0 dari 3" in page
    assert page.index("Slamet Riyadi") < page.index("Sri Wahyuni") < page.index("Budi Santoso")  # Diwek first
    assert page.count('<section class="attendees"') == 2 and "Ketua" in page and "Bendahara" in page
    assert 'href="/bimtek/%d/attendance/2"' % training.session in page and "Agus Salim" not in page

    response = tap(client, training, training.ketua, "1")
    assert response.status_code == 302 and response.location.endswith(f"{page_of(training)}#p-{training.ketua}")
    page = text_of(client.get(page_of(training)))
    assert "Kehadiran disimpan." in page and "Hadir 1 dari 3" in page
    assert marked() == {(training.ketua, date(2025, 10, 14)): True}
    stored = db.session.get(Attendance, (training.ketua, date(2025, 10, 14)))
    assert db.session.get(User, stored.changed_by).username == "dinas"

    tap(client, training, training.ketua, "0")
    tap(client, training, training.wonosalam, "1", day=2)
    assert marked() == {(training.ketua, date(2025, 10, 14)): False, (training.wonosalam, date(2025, 10, 15)): True}
    assert "Hadir 0 dari 3" in text_of(client.get(page_of(training)))
    assert "Hadir 1 dari 3" in text_of(client.get(page_of(training, 2)))


def test_the_session_page_leads_to_each_days_attendance_and_the_daftar_hadir(client, auth, training):
    auth.login("dinas")
    page = text_of(client.get(f"/bimtek/{training.session}"))
    assert f'href="{page_of(training, 1)}">Hari 1 · 14 Oktober 2025' in page
    assert f'href="{page_of(training, 2)}">Hari 2 · 15 Oktober 2025' in page
    assert f'/bimtek/{training.session}/attendance.xlsx' in page


@pytest.mark.parametrize("who, day, present, message", [
    ("elsewhere", 1, "1", NOT_REGISTERED),
    ("ketua", 3, "1", "Hari ke-3 tidak ada: sesi ini 2 hari."),
    ("ketua", 1, "ya", "Pilih hadir atau tidak hadir."),
])
def test_bad_attendance_gets_a_clear_message_and_changes_nothing(client, auth, training, who, day, present, message):
    auth.login("dinas")
    token = auth.token(page_of(training))
    response = tap(client, training, getattr(training, who), present, day=day, token=token)
    assert response.status_code == 422 and message in text_of(response)
    assert marked() == {}


def test_a_day_outside_the_session_has_no_page(client, auth, training):
    auth.login("dinas")
    assert client.get(page_of(training, 3)).status_code == 404
    assert client.get(page_of(training, 0)).status_code == 404


def test_another_regencys_session_is_not_found(client, auth, training):
    auth.login("dinas")
    token = auth.token(page_of(training))
    assert client.get(f"/bimtek/{training.foreign_session}/attendance/1").status_code == 404
    assert client.get(f"/bimtek/{training.foreign_session}/attendance.xlsx").status_code == 404
    response = client.post(f"/bimtek/{training.foreign_session}/attendance/1/{training.foreign}",
                           data={"present": "1", "csrf_token": token})
    assert response.status_code == 404 and marked() == {}


def test_a_supervisor_sees_their_kecamatan_read_only(client, auth, training):
    add_user("sup.wono", SUPERVISOR, (WONOSALAM,))
    db.session.commit()
    auth.login("sup.wono")
    page = text_of(client.get(page_of(training)))
    assert "Budi Santoso" in page and "Slamet Riyadi" not in page and "Hadir 0 dari 1" in page
    assert "data-attendance" not in page and "Hanya Dinas yang dapat mencatat kehadiran." in page
    response = client.post(f"{page_of(training)}/{training.wonosalam}",
                           data={"present": "1", "csrf_token": auth.token(page_of(training))})
    assert response.status_code == 403 and marked() == {}


def test_a_tap_without_the_csrf_token_is_refused(client, auth, training):
    auth.login("dinas")
    response = tap(client, training, training.ketua, "1", token="")
    assert response.status_code == 400 and "Formulir kedaluwarsa" in response.get_data(as_text=True)
    assert marked() == {}


# --- The outbox: attendance operations through /assessments/sync ---------------------------------------

def op(training, seq, participant, present, ts, day=1, session=None):
    return {"seq": seq, "type": "attendance", "session": session or training.session, "participant": participant,
            "day": day, "present": present, "ts": ts}


def sync(client, token, *ops, now=None):
    response = client.post("/assessments/sync", json={"ops": list(ops), **({"now": now} if now else {})},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 200, response.get_data(as_text=True)
    return {r["seq"]: r for r in response.get_json()["results"]}


def test_the_dinas_sends_attendance_through_the_outbox_and_the_later_change_stands(client, auth, training):
    auth.login("dinas")
    token = auth.token(page_of(training))
    results = sync(client, token, op(training, 1, training.ketua, True, NOW),
                   op(training, 2, training.sekretaris, True, NOW + 10),
                   op(training, 3, training.wonosalam, True, NOW, day=2))
    assert all(r["ok"] and r["applied"] for r in results.values())
    assert marked() == {(training.ketua, date(2025, 10, 14)): True, (training.sekretaris, date(2025, 10, 14)): True,
                        (training.wonosalam, date(2025, 10, 15)): True}
    # A tap made earlier on another phone, arriving late, does not undo the later one; a replay changes nothing.
    late = sync(client, token, op(training, 9, training.ketua, False, NOW - 5000))
    assert late[9] == {"seq": 9, "ok": True, "applied": False, "present": True}
    assert sync(client, token, op(training, 1, training.ketua, True, NOW))[1]["present"] is True
    later = sync(client, token, op(training, 10, training.ketua, False, NOW + 60_000))
    assert later[10]["applied"] is True and marked()[training.ketua, date(2025, 10, 14)] is False


def test_a_phone_clock_a_year_ahead_does_not_outrank_later_taps(client, auth, training):
    auth.login("dinas")
    token = auth.token(page_of(training))
    server_now = round(datetime.now(timezone.utc).timestamp() * 1000)
    ahead = sync(client, token, op(training, 1, training.ketua, True, server_now + YEAR - 60_000),
                 now=server_now + YEAR)
    assert ahead[1]["applied"]
    stored = millis(db.session.get(Attendance, (training.ketua, date(2025, 10, 14))).changed_at)
    assert abs(stored - (server_now - 60_000)) < 10 * 60_000  # moved onto the server's clock
    assert sync(client, token, op(training, 2, training.ketua, False, server_now + 1000))[2]["applied"]
    assert marked()[training.ketua, date(2025, 10, 14)] is False


@pytest.mark.parametrize("change, reason, message", [
    (lambda t: op(t, 1, t.elsewhere, True, NOW), "not_registered", NOT_REGISTERED),
    (lambda t: op(t, 1, t.ketua, True, NOW, day=3), "day_outside", "Hari ke-3 tidak ada: sesi ini 2 hari."),
    (lambda t: op(t, 1, t.foreign, True, NOW, session=t.foreign_session), "unknown_session",
     "Sesi Bimtek ini tidak ditemukan di wilayah Anda."),
    (lambda t: op(t, 1, t.foreign, True, NOW), "not_registered", NOT_REGISTERED),
    (lambda t: {"seq": 1, "type": "answer", "assessment": "8b5e2f2e-7a39-4a6e-9a53-2f0c2a5d6f10", "question": "A1",
                "value": "yes", "ts": NOW}, "not_allowed", "Hanya pendamping yang dapat mengirim perubahan penilaian."),
])
def test_attendance_the_dinas_may_not_record_is_refused_with_its_reason(client, auth, training, change, reason,
                                                                         message):
    auth.login("dinas")
    result = sync(client, auth.token(page_of(training)), change(training))[1]
    assert (result["ok"], result["reason"], result["message"]) == (False, reason, message)
    assert marked() == {}


def test_a_supervisor_in_the_area_may_not_record_attendance(client, auth, training):
    add_user("sup.wono", SUPERVISOR, (WONOSALAM,))
    db.session.commit()
    auth.login("sup.wono")
    response = client.post("/assessments/sync", json={"ops": [op(training, 1, training.wonosalam, True, NOW)]},
                           headers={"X-CSRFToken": auth.token(page_of(training))})
    assert response.status_code == 403 and marked() == {}


def test_a_facilitators_attendance_op_is_refused(client, auth, training):
    auth.login("fas.diwek")
    result = sync(client, auth.token("/assessments/"), op(training, 1, training.ketua, True, NOW))[1]
    assert (result["ok"], result["reason"]) == (False, "not_allowed")
    assert result["message"] == "Hanya Dinas yang dapat mencatat kehadiran." and marked() == {}


def test_each_op_of_a_mixed_batch_is_judged_on_its_own(client, auth, training):
    auth.login("dinas")
    results = sync(client, auth.token(page_of(training)),
                   {"seq": 1, "type": "note", "assessment": "8b5e2f2e-7a39-4a6e-9a53-2f0c2a5d6f10", "section": "A",
                    "text": "x", "ts": NOW}, op(training, 2, training.ketua, True, NOW))
    assert (results[1]["ok"], results[1]["reason"]) == (False, "not_allowed") and results[2]["applied"]
    assert marked() == {(training.ketua, date(2025, 10, 14)): True}


ANY = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(-2 ** 70, 2 ** 70), st.floats(), st.text(max_size=8),
                st.lists(st.integers(), max_size=2))


def test_any_attendance_op_is_acknowledged_and_only_a_valid_one_is_stored(client, auth, training):
    auth.login("dinas")
    token = auth.token(page_of(training))
    valid = {(training.ketua, 1), (training.ketua, 2), (training.sekretaris, 1), (training.wonosalam, 2)}

    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(ops=st.lists(st.fixed_dictionaries({
        "seq": st.one_of(st.integers(1, 50), ANY), "type": st.just("attendance"),
        "session": st.one_of(st.sampled_from([training.session, training.foreign_session]), ANY),
        "participant": st.one_of(st.sampled_from([training.ketua, training.elsewhere, training.foreign]), ANY),
        "day": st.one_of(st.integers(-1, 4), ANY), "present": st.one_of(st.booleans(), ANY),
        "ts": st.one_of(st.integers(0, 2 ** 53), ANY)}), max_size=3))
    @example(ops=[op(training, 1, training.ketua, True, NOW)])
    def run(ops):
        response = client.post("/assessments/sync", json={"ops": ops}, headers={"X-CSRFToken": token})
        assert response.status_code == 200 and len(response.get_json()["results"]) == len(ops)
        days = {date(2025, 10, 14): 1, date(2025, 10, 15): 2}
        assert {(participant, days[day]) for participant, day in marked()} <= valid
        db.session.rollback()  # the next example reads the server's commits afresh

    run()
    assert (training.ketua, date(2025, 10, 14)) in marked()  # the valid example was stored


def test_attendance_sync_needs_the_csrf_token(client, auth, training):
    auth.login("dinas")
    response = client.post("/assessments/sync", json={"ops": [op(training, 1, training.ketua, True, NOW)]})
    assert response.status_code == 400 and marked() == {}


# --- The rules, plain ---------------------------------------------------------------------------------

def test_an_attendance_op_is_read_with_its_stamp_on_the_servers_clock():
    item = {"seq": 4, "type": "attendance", "session": 2, "participant": 7, "day": 2, "present": True, "ts": NOW}
    ops, refusals = read_batch({"ops": [item], "now": NOW + SKEW + 60_000}, NOW)
    assert refusals == [] and ops[0].assessment is None and ops[0].ts == NOW - SKEW - 60_000
    assert ops[0].data["participant"] == 7 and ops[0].type == "attendance"


@pytest.mark.parametrize("broken", [{"present": "ya"}, {"present": 1}, {"day": 0}, {"day": True}, {"session": None},
                                    {"participant": "7"}, {"day": 400}])
def test_a_malformed_attendance_op_is_refused(broken):
    item = {"seq": 4, "type": "attendance", "session": 2, "participant": 7, "day": 1, "present": False, "ts": 1,
            **broken}
    ops, refusals = read_batch({"ops": [item]}, NOW)
    assert ops == [] and [(r.seq, r.reason) for r in refusals] == [(4, "malformed")]


def test_attendance_goes_with_answers_before_submits():
    items = [{"seq": 3, "type": "submit", "assessment": "8b5e2f2e-7a39-4a6e-9a53-2f0c2a5d6f10", "ts": 1},
             {"seq": 2, "type": "attendance", "session": 2, "participant": 7, "day": 1, "present": True, "ts": 1}]
    assert [o.seq for o in read_batch({"ops": items}, NOW)[0]] == [2, 3]


def test_a_day_number_names_a_day_of_the_session_or_none():
    days = [date(2025, 10, 14), date(2025, 10, 15)]
    assert [day_of(days, n) for n in (1, 2)] == days
    assert [day_of(days, n) for n in (0, 3, -1, True, "1", None)] == [None] * 6


def test_the_later_change_stands_and_a_stored_time_reads_back_in_milliseconds():
    assert stands(NOW, None) and stands(NOW, NOW) and stands(NOW + 1, NOW) and not stands(NOW - 1, NOW)
    assert millis(moment(NOW)) == NOW
    assert millis(moment(NOW).replace(tzinfo=None)) == NOW  # SQLite gives times without their zone


def test_the_count_is_of_the_registered_present():
    assert tally([1, 2, 9], [1, 2, 3, 4]) == (2, 4)
    assert tally([], []) == (0, 0)


# --- The daftar hadir -----------------------------------------------------------------------------------

def test_the_daftar_hadir_has_a_sheet_per_day_ready_to_print_and_sign(client, auth, training):
    db.session.get(Participant, training.sekretaris).person.name = '=HYPERLINK("http://x.invalid","Sri")'
    db.session.add(Attendance(participant_id=training.ketua, day=date(2025, 10, 15), present=True))
    db.session.commit()
    auth.login("dinas")
    response = client.get(f"/bimtek/{training.session}/attendance.xlsx")
    assert response.status_code == 200 and "siapkop-daftar-hadir-2025-10-14-bimtek-tata-kelola.xlsx" in \
        response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Hari 1", "Hari 2"]
    for number, sheet in enumerate(book.worksheets, start=1):
        assert sheet["A1"].value == "Bimtek Tata Kelola" and sheet["A3"].value == "Tempat: Pendopo Kabupaten"
        assert sheet["A2"].value == f"Daftar hadir hari ke-{number}: {13 + number} Oktober 2025"
        assert [c.value for c in sheet[5]] == ["No", "Nama", "Jabatan", "Koperasi", "Desa/Kelurahan", "Kecamatan",
                                               "Telepon", "Hadir", "Tanda tangan"]
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize in (9, "9")
        assert sheet.print_title_rows == "$5:$5" and sheet.page_setup.fitToWidth in (None, 1, "1")
        assert sheet.page_setup.fitToHeight in (0, "0")
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.column_dimensions["I"].width > 25
        rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=6)]
        assert [row[0] for row in rows] == [1, 2, 3] and all(row[8] is None for row in rows)
        assert all(sheet.row_dimensions[r].height >= 30 for r in range(6, 9))
        diwek = first_cooperative(DIWEK)
        # by kecamatan, desa, cooperative and name: "=" comes before "S"; the text stays text, not a formula
        assert rows[0][1:3] == ['=HYPERLINK("http://x.invalid","Sri")', "Sekretaris"] and rows[0][6] is None
        assert sheet.cell(6, 2).data_type == "s"
        assert rows[1][1:7] == ["Slamet Riyadi", "Ketua", diwek.name, diwek.village.name, "Diwek", "0812 1111 222"]
        assert rows[2][2] == "Bendahara" and rows[2][5] == "Wonosalam"
        assert [row[7] for row in rows] == ([None, "Hadir", None] if number == 2 else [None, None, None])
    assert sum(1 for _ in book.worksheets[0].iter_rows(min_row=6)) == db.session.scalar(
        select(func.count()).select_from(Participant).where(Participant.session_id == training.session))


def test_a_supervisors_daftar_hadir_lists_their_kecamatan_only(client, auth, training):
    add_user("sup.wono", SUPERVISOR, (WONOSALAM,))
    db.session.commit()
    auth.login("sup.wono")
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/bimtek/{training.session}/attendance.xlsx").data))
    assert [[c.value for c in row][1] for row in book["Hari 1"].iter_rows(min_row=6)] == ["Budi Santoso"]


# --- On a phone, without signal ---------------------------------------------------------------------------

@pytest.mark.browser
def test_attendance_taken_without_signal_waits_in_the_outbox_and_is_sent_when_the_signal_returns(
        page, live_server, shot):
    with live_server.app.app_context():
        training = build_training()
    log_in(page, live_server, "dinas")
    controlled_by_the_worker(page)
    page.goto(live_server.url + f"/bimtek/{training.session}")
    page.get_by_role("link", name="Hari 1 · 14 Oktober 2025").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Daftar hadir hari ke-1")
    expect(page.locator("#attendance-count")).to_have_text("Hadir 0 dari 3")
    box = page.locator(f"#p-{training.ketua} button").bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300
    shot(page, "online")

    no_signal(page)
    for participant in (training.ketua, training.sekretaris):  # both of the Diwek cooperative
        page.locator(f"#p-{participant} button").click()
        expect(page.locator(f"#p-{participant} .status")).to_have_text("Menunggu dikirim")
        expect(page.locator(f"#p-{participant} button")).to_have_attribute("aria-pressed", "true")
    second = page.locator(f"#p-{training.sekretaris} button")
    second.click()  # a slip, taken back: the later tap replaces the earlier one in the outbox
    expect(second).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#attendance-count")).to_have_text("Hadir 1 dari 3")
    second.click()
    expect(second).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#attendance-count")).to_have_text("Hadir 2 dari 3")
    expect(page.locator("#outbox")).to_have_text("2 perubahan belum terkirim" + HINT)
    assert eventually(page, lambda: page.evaluate(OUTBOX_SIZE) == 2)
    shot(page, "waiting")
    with live_server.app.app_context():
        assert marked() == {}

    page.reload()  # still without signal: the kept page, with the taps from the outbox
    expect(page.locator(f"#p-{training.sekretaris} .status")).to_have_text("Menunggu dikirim")
    expect(page.locator(f"#p-{training.ketua} button")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(f"#p-{training.wonosalam} button")).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#attendance-count")).to_have_text("Hadir 2 dari 3")
    with live_server.app.app_context():
        assert marked() == {}

    signal_back(page)
    for participant in (training.ketua, training.sekretaris):
        expect(page.locator(f"#p-{participant} .status")).to_have_text("Terkirim", timeout=15000)
    expect(page.locator("#outbox")).to_be_hidden()
    assert page.evaluate(OUTBOX_SIZE) == 0
    shot(page, "sent")
    with live_server.app.app_context():  # acknowledged only once committed
        assert marked() == {(training.ketua, date(2025, 10, 14)): True, (training.sekretaris, date(2025, 10, 14)): True}

    # The kept page is fetched again once the taps are acknowledged: offline again, it shows them as sent.
    assert eventually(page, lambda: page.evaluate(KEPT_PAGE).count('aria-pressed="true"') == 2)
    no_signal(page)
    page.reload()
    expect(page.locator(f"#p-{training.ketua} button")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(f"#p-{training.ketua} .status")).to_have_text("")
    expect(page.locator("#attendance-count")).to_have_text("Hadir 2 dari 3")
    signal_back(page)


KEPT_PAGE = """() => caches.keys().then(keys => Promise.all(keys.filter(key => key.startsWith("siapkop-pages-"))
    .map(key => caches.open(key).then(cache => cache.match(location.href, {ignoreVary: true}))
    .then(hit => hit ? hit.text() : "")))).then(texts => texts.join(""))"""


def test_the_worker_keeps_the_attendance_script_for_offline_use(client):
    script = client.get("/sw.js").get_data(as_text=True)
    files = re.match(r'var VERSION = "[0-9a-f]{12}", FILES = (\[.*\]), OFFLINE', script).group(1)
    assert re.search(r'"/static/attendance\.js\?v=[0-9a-f]{12}"', files)


def test_the_attendance_page_speaks_english_too(client, auth, training):
    auth.login("dinas")
    client.post("/language/en", headers={"X-CSRFToken": auth.token(page_of(training))})
    page = text_of(client.get(page_of(training, 2)))
    assert "Attendance, day 2" in page and "0 of 3 present" in page and "October 15, 2025" in page
    assert "Absent" in page and "Download the attendance list (Excel)" in page
