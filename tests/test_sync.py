"""The sync endpoint over real HTTP, and the plain-Python merge rules."""
import logging
import re
import time
import uuid
from datetime import date

import pytest
from sqlalchemy import event, func, select, text

from app.assessments.merge import SKEW, corrected, is_newer, read_batch
from app.assessments.models import TEMPLATE_ID, Answer, Assessment, SectionNote
from app.assessments.service import start
from app.auth.models import User
from app.cooperatives.models import Cooperative
from app.extensions import db
from app.inputs import MAX_DEPTH
from app.instruments.models import InstrumentVersion
from app.regions.models import Village
from app.roles import FACILITATOR
from tests.support import BEST, DIWEK, WONOSALAM, add_user, answers, assessment

ID_REFUSED = "Formulir ini tidak berlaku lagi. Muat ulang halaman lalu coba lagi."
NOW = 1_760_400_000_000  # 14 October 2025, in ms
YEAR = 365 * 24 * 3600 * 1000


def version_id():
    return db.session.scalar(select(InstrumentVersion.id))


def started(field, assessment_id, seq=1, **extra):
    return {"seq": seq, "type": "start", "assessment": assessment_id, "cooperative": field.cooperative(),
            "version": version_id(), "visit_date": "2025-10-14", "attendees": ["Pak Slamet", "Bu Sri"],
            "latitude": -7.59, "longitude": 112.23, "accuracy_m": 20, "ts": 1000, **extra}


def answered(assessment_id, seq, question, value, ts, na=False):
    return {"seq": seq, "type": "answer", "assessment": assessment_id, "question": question, "value": value,
            "na": na, "ts": ts}


def sync(field, *ops, token=None):
    response = field.client.post("/assessments/sync", json={"ops": list(ops)},
                                 headers={"X-CSRFToken": token or field.token})
    assert response.status_code == 200, response.get_data(as_text=True)
    return {r["seq"]: r for r in response.get_json()["results"]}


def counts():
    return (db.session.scalar(select(func.count()).select_from(Assessment)),
            db.session.scalar(select(func.count()).select_from(Answer)),
            db.session.scalar(select(func.count()).select_from(SectionNote)))


def test_an_assessment_started_offline_is_created_on_its_first_sync(field):
    assessment_id = str(uuid.uuid4())
    results = sync(field, answered(assessment_id, 2, "A1", "yes", 2000), started(field, assessment_id),
                   {"seq": 3, "type": "note", "assessment": assessment_id, "section": "A", "text": "Akta di rumah",
                    "ts": 2100})
    assert all(r["ok"] for r in results.values()) and set(results) == {1, 2, 3}
    created = assessment(assessment_id)
    assert (created.status, created.visit_date.isoformat(), created.attendees) == (
        "draft", "2025-10-14", ["Pak Slamet", "Bu Sri"])
    assert (created.latitude, created.facilitator.username) == (-7.59, "fas.diwek")
    assert answers(assessment_id) == {"A1": "yes"} and created.note("A") == "Akta di rumah"


def test_a_replayed_batch_changes_nothing(field):
    assessment_id = str(uuid.uuid4())
    batch = [started(field, assessment_id), answered(assessment_id, 2, "A1", "yes", 2000),
             answered(assessment_id, 3, "C1", "40", 2001)]
    first = sync(field, *batch)
    before = (counts(), answers(assessment_id), assessment(assessment_id).updated_at)
    again = sync(field, *batch)
    assert [r["ok"] for r in first.values()] == [r["ok"] for r in again.values()] == [True, True, True]
    assert again[2]["applied"] is False and again[3]["applied"] is False
    assert (counts(), answers(assessment_id), assessment(assessment_id).updated_at) == before
    assert counts() == (1, 2, 0)


def test_the_newer_client_timestamp_wins_whatever_the_order(field):
    assessment_id = str(uuid.uuid4())
    sync(field, started(field, assessment_id),
         answered(assessment_id, 2, "A1", "no", 5000), answered(assessment_id, 3, "A1", "yes", 4000))
    assert answers(assessment_id) == {"A1": "no"}  # seq 3 came later but was changed earlier
    late = sync(field, answered(assessment_id, 4, "A1", "yes", 4500))
    assert late[4] == {"seq": 4, "ok": True, "applied": False, "value": "no", "na": False}  # what stands instead
    assert answers(assessment_id) == {"A1": "no"}
    sync(field, answered(assessment_id, 5, "A1", "yes", 6000))
    assert answers(assessment_id) == {"A1": "yes"}
    # an online autosave stamped earlier than the stored change does not overwrite it either
    field.client.post(f"/assessments/{assessment_id}/answers/A1", data={"A1": "no", "ts": "5500"},
                      headers={"HX-Request": "true", "X-CSRFToken": field.token})
    assert answers(assessment_id) == {"A1": "yes"}


def test_a_save_that_loses_a_race_to_a_newer_one_changes_nothing(field):
    """Between the autosave reading the answer and writing it, another device stores a newer change:
    the database keeps the newer one (the upsert carries the stamp rule), and the assessment's version
    is not bumped for nothing."""
    assessment_id = str(uuid.uuid4())
    sync(field, started(field, assessment_id), answered(assessment_id, 2, "A1", "no", 5000))
    version = assessment(assessment_id).version
    key = {"a": uuid.UUID(assessment_id).hex if db.engine.dialect.name == "sqlite" else assessment_id}

    raced = []

    def other_device_first(_conn, _cursor, statement, *_):
        if statement.startswith("INSERT INTO answer") and not raced:
            raced.append(statement)
            with db.engine.begin() as other:
                other.execute(text("UPDATE answer SET value = 'yes', client_ts = 9000 "
                                   "WHERE assessment_id = :a AND question_code = 'A1'"), key)

    event.listen(db.engine, "before_cursor_execute", other_device_first)
    try:
        response = field.client.post(f"/assessments/{assessment_id}/answers/A1", data={"A1": "no", "ts": "8000"},
                                     headers={"HX-Request": "true", "X-CSRFToken": field.token})
    finally:
        event.remove(db.engine, "before_cursor_execute", other_device_first)
    assert response.status_code == 200 and raced
    assert answers(assessment_id) == {"A1": "yes"}
    assert assessment(assessment_id).version == version


def test_clearing_is_a_change_too(field):
    assessment_id = str(uuid.uuid4())
    sync(field, started(field, assessment_id), answered(assessment_id, 2, "C1", "40", 2000),
         answered(assessment_id, 3, "C1", None, 3000), answered(assessment_id, 4, "C1", "10", 2500))
    assert answers(assessment_id) == {}  # the clear at 3000 is newer than the 10 typed at 2500


def test_an_unknown_question_is_refused_with_a_reason_and_the_rest_applied(field):
    assessment_id = str(uuid.uuid4())
    results = sync(field, started(field, assessment_id), answered(assessment_id, 2, "Z9", "yes", 2000),
                   answered(assessment_id, 3, "A1", "yes", 2001), answered(assessment_id, 4, "C1", "-2", 2002),
                   {"seq": 5, "type": "answer"})
    assert results[2]["ok"] is False and results[2]["reason"] == "unknown_question"
    assert results[2]["message"] == "Pertanyaan Z9 tidak ada di instrumen penilaian ini."
    assert results[4]["reason"] == "invalid_answer" and results[4]["message"] == "C1: Jumlah tidak boleh negatif."
    assert results[5]["reason"] == "malformed"
    assert results[1]["ok"] and results[3]["ok"] and answers(assessment_id) == {"A1": "yes"}


def test_another_facilitators_assessment_is_refused_and_nothing_written(field, auth):
    assessment_id = str(uuid.uuid4())
    sync(field, started(field, assessment_id), answered(assessment_id, 2, "A1", "yes", 2000))
    before = counts(), answers(assessment_id)
    add_user("fas.diwek2", "facilitator", (assessment(assessment_id).cooperative.village.district_code,))
    db.session.commit()
    for username in ("fas.diwek2", "fas.wonosalam"):  # the same kecamatan, and another one
        auth.login(username)
        token = auth.token("/assessments/")
        results = sync(field, answered(assessment_id, 7, "A1", "no", 9000), answered(assessment_id, 8, "B1", "no", 9001),
                       {"seq": 9, "type": "note", "assessment": assessment_id, "section": "A", "text": "x", "ts": 9002},
                       {"seq": 10, "type": "submit", "assessment": assessment_id, "ts": 9003},
                       started(field, assessment_id, seq=11), token=token)
        assert [r["ok"] for r in results.values()] == [False] * 5
        assert {r["reason"] for r in results.values()} <= {"not_yours", "invalid_start", "unknown_cooperative"}
        assert (counts(), answers(assessment_id)) == before
    assert assessment(assessment_id).status == "draft"


def test_a_submit_queued_offline_is_applied_after_its_answers(field):
    assessment_id = str(uuid.uuid4())
    ops = [started(field, assessment_id), {"seq": 2, "type": "submit", "assessment": assessment_id, "ts": 1}]
    ops += [answered(assessment_id, 3 + i, code, value, 2000 + i) for i, (code, value) in enumerate(BEST.items())
            if code != "H6"]
    refused = sync(field, *ops)
    assert refused[2]["ok"] is False and refused[2]["reason"] == "incomplete"
    assert refused[2]["message"] == "Belum dikirim: masih ada jawaban wajib yang kosong (H6)."
    assert assessment(assessment_id).status == "draft"

    results = sync(field, {"seq": 60, "type": "submit", "assessment": assessment_id, "ts": 1},
                   answered(assessment_id, 61, "H6", "2", 3000))
    assert results[60] == {"seq": 60, "ok": True, "status": "submitted"}
    done = assessment(assessment_id)
    assert done.status == "submitted" and done.score == 100 and done.level == "siap"
    assert sync(field, {"seq": 60, "type": "submit", "assessment": assessment_id, "ts": 1})[60]["ok"]
    late = sync(field, answered(assessment_id, 62, "A1", "no", 9000))
    assert late[62]["reason"] == "locked" and answers(assessment_id)["A1"] == "yes"


def test_sync_needs_a_facilitator_and_the_csrf_token(field, client, auth):
    response = field.client.post("/assessments/sync", json={"ops": []})
    assert response.status_code == 400
    auth.login("supervisor")
    response = client.post("/assessments/sync", json={"ops": []}, headers={"X-CSRFToken": auth.token()})
    assert response.status_code == 403


def test_a_start_outside_the_facilitators_area_is_refused(field):
    assessment_id = str(uuid.uuid4())
    results = sync(field, started(field, assessment_id, cooperative=field.cooperative(WONOSALAM)))
    assert results[1]["reason"] == "unknown_cooperative" and counts() == (0, 0, 0)


def started_by(field, username, district):
    """The id of an assessment `username` started at the first cooperative of `district`."""
    user = db.session.scalar(select(User).where(User.username == username))
    return str(start(uuid.uuid4(), db.session.get(Cooperative, field.cooperative(district)), user,
                     db.session.get(InstrumentVersion, version_id()), visit_date=date(2025, 10, 1)).id)


def test_the_template_id_never_becomes_an_assessment(field):
    """The nil UUID names the blank pages a phone prepares; stored, its facilitator could never open it."""
    template = str(TEMPLATE_ID)
    _, response = field.start(template)
    assert response.status_code == 422 and ID_REFUSED in response.get_data(as_text=True)
    assert sync(field, started(field, template))[1] == {"seq": 1, "ok": False, "reason": "invalid_start",
                                                        "message": ID_REFUSED}
    for path in ("answers/A1", "notes/A", "photos/A1", "submit", "sections/A"):
        refused = field.client.post(f"/assessments/{template}/{path}", data={"A1": "yes", "notes": "x"},
                                    headers={"X-CSRFToken": field.token})
        assert refused.status_code == 404, path
    assert field.client.get(f"/assessments/{template}/sections/A").status_code == 200  # still the blank page
    assert assessment(template) is None and counts() == (0, 0, 0)


def test_a_start_with_a_taken_id_says_nothing_of_whose_it_is_or_where(field):
    """Another area's id is refused exactly as a same-area colleague's, the template's or an unreadable one:
    the form comes back with the one message and a fresh id. Only the facilitator's own id opens anything."""
    add_user("fas.diwek2", FACILITATOR, (DIWEK,))
    db.session.commit()
    other_area, same_area = started_by(field, "fas.wonosalam", WONOSALAM), started_by(field, "fas.diwek2", DIWEK)
    own, opened = field.start(another="y")  # a colleague's draft of this cooperative is open
    before = counts()
    pages = {}
    for name, sent in {"other area": other_area, "same area": same_area, "template": str(TEMPLATE_ID),
                       "unreadable": "bukan-uuid"}.items():
        _, response = field.start(sent, another="y")  # past the question about the draft already open
        html = response.get_data(as_text=True)
        assert (response.status_code, ID_REFUSED in html) == (422, True), name
        fresh = re.search(r'name="id" value="([^"]+)"', html).group(1)
        assert fresh != sent and uuid.UUID(fresh), name  # a new id to send again
        pages[name] = re.sub(r'(?<=")[\w-]+\.[\w-]+\.[\w-]+(?=")', "CSRF", html.replace(fresh, "ID"))  # signed with a time
    assert len(set(pages.values())) == 1, "the refusals differ"
    assert "pendamping lain" not in pages["other area"] and "sudah dipakai" not in pages["other area"]
    another_cooperative = db.session.scalars(select(Cooperative.id).join(Cooperative.village)
                                             .where(Village.district_code == DIWEK).order_by(Cooperative.id)).all()[1]
    _, moved = field.start(own, cooperative_id=another_cooperative)
    assert moved.status_code == 422 and ID_REFUSED in moved.get_data(as_text=True)
    _, again = field.start(own, another="y")
    assert (again.status_code, again.location) == (302, opened.location)
    assert counts() == before

    results = sync(field, *(started(field, sent, seq=n) for n, sent in enumerate(
        (other_area, same_area, str(TEMPLATE_ID), own), start=1)))
    refusal = {"ok": False, "reason": "invalid_start", "message": ID_REFUSED}
    assert [{k: v for k, v in r.items() if k != "seq"} for r in results.values()] == [refusal] * 3 + [{"ok": True}]
    assert counts() == before and assessment(other_area).facilitator.username == "fas.wonosalam"


def deep_answer(assessment_id, depth):
    """A batch of one answer whose value nests `depth` lists, as JSON text (json.dumps would recurse)."""
    return ('{"ops": [{"seq": 1, "type": "answer", "assessment": "%s", "question": "A1", "ts": 5, "value": %s%s}]}'
            % (assessment_id, "[" * depth, "]" * depth))


def test_json_nested_too_deep_is_refused_as_malformed_with_one_log_line(field, caplog):
    assessment_id = str(uuid.uuid4())
    sync(field, started(field, assessment_id))
    for body in ('{"ops": ' + "[" * 100_000 + "]" * 100_000 + "}",
                 '{"ops": [' + '{"a": ' * 100_000 + "1" + "}" * 100_000 + "]}",
                 deep_answer(assessment_id, 900), deep_answer(assessment_id, MAX_DEPTH - 2)):
        caplog.clear()
        response = field.client.post("/assessments/sync", data=body, content_type="application/json",
                                     headers={"X-CSRFToken": field.token})
        assert response.status_code == 400
        assert response.get_json() == {"results": [{"seq": None, "ok": False, "reason": "malformed",
                                                    "message": "Perubahan ini tidak dapat dibaca."}]}
        assert [(r.levelname, r.getMessage().count("\n")) for r in caplog.records if r.levelno >= logging.WARNING] == [
            ("WARNING", 0)]
    # one level less, the batch is read, and its answer refused on its own merits
    response = field.client.post("/assessments/sync", data=deep_answer(assessment_id, MAX_DEPTH - 3),
                                 content_type="application/json", headers={"X-CSRFToken": field.token})
    assert response.status_code == 200 and response.get_json()["results"][0]["reason"] == "invalid_answer"
    assert answers(assessment_id) == {} and counts() == (1, 0, 0)


# --- The rules, without HTTP ---------------------------------------------------------------------

def test_read_batch_orders_starts_then_changes_then_submits():
    a = str(uuid.uuid4())
    ops, refused = read_batch({"ops": [
        {"seq": 4, "type": "submit", "assessment": a}, {"seq": 3, "type": "answer", "assessment": a, "question": "A1"},
        {"seq": 5, "type": "start", "assessment": a, "cooperative": 1},
        {"seq": 1, "type": "note", "assessment": a, "section": "A", "text": ""},
        {"seq": 6, "type": "answer", "assessment": "not-a-uuid", "question": "A1"},
        {"seq": True, "type": "answer", "assessment": a, "question": "A1"},
        {"seq": 7, "type": "delete", "assessment": a}, "junk"]}, NOW)
    assert [(op.type, op.seq) for op in ops] == [("start", 5), ("note", 1), ("answer", 3), ("submit", 4)]
    assert [(r.seq, r.reason) for r in refused] == [(6, "malformed"), (None, "malformed"), (7, "malformed"),
                                                   (None, "malformed")]
    assert read_batch({"ops": "x"}, NOW)[1][0].reason == "malformed" and read_batch(None, NOW)[0] == []


@pytest.mark.parametrize("incoming, stored, newer", [
    ((2000, 1), None, True), ((2000, 1), (1999, 9), True), ((2000, 1), (2000, 1), False),
    ((2000, 2), (2000, 1), True), ((1000, 9), (2000, 0), False)])
def test_is_newer(incoming, stored, newer):
    assert is_newer(incoming, stored) is newer


@pytest.mark.parametrize("change", [
    {"seq": 2 ** 31}, {"seq": -1}, {"ts": 2 ** 53 + 1}, {"ts": 2 ** 63}, {"value": "a\x00b"}, {"question": "A\x00"},
    {"value": "\ud800"}, {"extra": {"nested": ["\x00"]}},
], ids=["seq-past-int", "seq-negative", "ts-past-js", "ts-past-bigint", "nul-value", "nul-code", "surrogate", "nested-nul"])
def test_read_batch_refuses_what_no_column_can_store(change):
    op = {"seq": 1, "type": "answer", "assessment": str(uuid.uuid4()), "question": "A1", "value": "yes", "ts": 5}
    assert len(read_batch({"ops": [op]}, NOW)[0]) == 1
    ops, refused = read_batch({"ops": [{**op, **change}]}, NOW)
    assert ops == [] and [r.reason for r in refused] == ["malformed"]


@pytest.mark.parametrize("change", [{"cooperative": 2 ** 63}, {"version": [1]}, {"version": "1"}, {"attendees": "Pak Slamet"},
                                    {"attendees": [5]}, {"latitude": "nan"}, {"latitude": True}, {"visit_date": 20251014}])
def test_read_batch_refuses_starts_with_fields_of_the_wrong_kind(change):
    op = {"seq": 1, "type": "start", "assessment": str(uuid.uuid4()), "cooperative": 3, "version": 1,
          "visit_date": "2025-10-14", "attendees": ["Pak Slamet"], "latitude": -7.5}
    assert len(read_batch({"ops": [op]}, NOW)[0]) == 1
    assert read_batch({"ops": [{**op, **change}]}, NOW)[0] == []


# --- The server's clock decides (a phone's clock may be a year ahead or ten years behind) --------

def test_a_stamp_from_a_phone_whose_clock_is_off_moves_by_that_offset():
    assert corrected(NOW - 2000, NOW - 1000, NOW) == NOW - 2000  # a clock within SKEW: kept as it is
    assert corrected(NOW + YEAR - 2000, NOW + YEAR, NOW) == NOW - 2000  # a year ahead: 2 s ago all the same
    assert corrected(NOW - 10 * YEAR - 2000, NOW - 10 * YEAR, NOW) == NOW - 2000
    assert corrected(NOW + YEAR, None, NOW) == NOW + SKEW  # no clock sent: never later than SKEW ahead
    assert corrected(5, NOW + YEAR, NOW) == 0


def test_a_phone_a_year_ahead_does_not_outrank_later_changes(field):
    assessment_id = str(uuid.uuid4())
    now = int(time.time() * 1000)
    ahead = {"ops": [started(field, assessment_id), answered(assessment_id, 2, "A1", "yes", now + YEAR - 60000)],
             "now": now + YEAR}
    response = field.client.post("/assessments/sync", json=ahead, headers={"X-CSRFToken": field.token})
    assert [r["ok"] for r in response.get_json()["results"]] == [True, True]
    # A minute later, from a phone with the right clock: the change is newer and stands.
    later = sync(field, answered(assessment_id, 3, "A1", "no", now))
    assert later[3]["applied"] is True and answers(assessment_id) == {"A1": "no"}


def test_an_autosave_from_a_phone_ten_years_behind_is_applied_after_a_change_with_the_right_clock(field):
    assessment_id, _ = field.start()
    now = int(time.time() * 1000)
    field.client.post(f"/assessments/{assessment_id}/answers/A1", data={"A1": "yes", "ts": str(now - 60000)},
                      headers={"HX-Request": "true", "X-CSRFToken": field.token})
    behind = now - 10 * YEAR
    reply = field.client.post(f"/assessments/{assessment_id}/answers/A1",
                              data={"A1": "no", "ts": str(behind - 1000), "sent": str(behind), "seq": "7"},
                              headers={"HX-Request": "true", "X-CSRFToken": field.token})
    assert "Tersimpan" in reply.get_data(as_text=True) and answers(assessment_id) == {"A1": "no"}
    stored = db.session.scalar(select(Answer).where(Answer.question_code == "A1"))
    assert abs(stored.client_ts - (now - 1000)) < 60000 and stored.client_seq == 7


def test_an_autosave_that_a_newer_change_outranks_says_so_and_shows_what_stands(field):
    assessment_id, _ = field.start()
    now = int(time.time() * 1000)
    sync(field, answered(assessment_id, 5, "A1", "no", now))
    reply = field.client.post(f"/assessments/{assessment_id}/answers/A1", data={"A1": "yes", "ts": str(now - 5000)},
                              headers={"HX-Request": "true", "X-CSRFToken": field.token})
    html = reply.get_data(as_text=True)
    assert reply.status_code == 200 and "Tersimpan" not in html
    assert 'class="status not-applied"' in html and 'data-value="no"' in html and "Tidak diterapkan" in html
    assert answers(assessment_id) == {"A1": "no"}
    # The same change sent again (the outbox after an autosave whose reply was lost) is no refusal.
    again = field.client.post(f"/assessments/{assessment_id}/answers/A1", data={"A1": "no", "ts": str(now - 5000)},
                              headers={"HX-Request": "true", "X-CSRFToken": field.token})
    assert 'class="status saved"' in again.get_data(as_text=True)


def test_read_batch_refuses_an_operation_nested_too_deep_and_reads_the_rest():
    value = []
    for _ in range(900):  # built without recursion, as json.loads would hand it over
        value = [value]
    a = str(uuid.uuid4())
    deep = {"seq": 1, "type": "answer", "assessment": a, "question": "A1", "value": value}
    ops, refused = read_batch({"ops": [deep, {"seq": 2, "type": "answer", "assessment": a, "question": "A1"}]}, NOW)
    assert [op.seq for op in ops] == [2] and [(r.seq, r.reason) for r in refused] == [(1, "malformed")]
