"""CSRF on every state-changing route, found by walking app.url_map.

Each rule accepting POST, PUT, PATCH or DELETE is sent, by a user who may use it, a request that
would change something (CHANGES): without a token, with a forged one (as form field and as the
X-CSRFToken header htmx sends), and with the token of another session. Each must be refused with
400 and the message in the user's language, leaving the database, the photo files and the session
as they were. The same request with the session's own token (form field and header) is the positive
control: it is not refused, and it does change something. CSRF is checked before any query, so the
walk runs on SQLite only.
"""
import io
import uuid
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from app.assessments.models import Assessment
from app.extensions import db
from app.followup.models import FollowupAction
from tests.support import DIWEK, PASSWORD, make_app
from tests.world import HOME, arguments, changed, jpeg, path_of, session_of

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
MESSAGE = {"id": "Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi.",
           "en": "The form has expired or is not valid. Reload the page and try again."}


@dataclass
class Change:
    """A request that changes something, by a role allowed to make it; values may be functions of the home area."""
    role: str
    args: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)
    json: object = None  # a JSON body instead of a form: the token can only travel in the header
    files: dict = field(default_factory=dict)  # form field -> function making (stream, filename)


draft = lambda area: area.assessments["draft"]  # noqa: E731
submitted = lambda area: area.assessments["submitted"]  # noqa: E731
SESSION_FORM = {"title": "Bimtek Kelembagaan", "held_on": "2025-11-01", "venue": "Aula", "districts": [DIWEK]}
QUESTION_FORM = {"number": "5", "topic_code": "penguatan-kelembagaan", "text": "Soal baru", "option_1": "Ya",
                 "option_2": "Tidak", "answer": "1"}
USER_FORM = {"name": "Nama Baru", "role": "facilitator", "districts": [DIWEK], "active": "y"}

CHANGES = {
    "/assessments/<uuid:assessment_id>/answers/<code>": Change("facilitator", {"code": "A2"}, {"A2": "no"}),
    "/assessments/<uuid:assessment_id>/notes/<code>": Change("facilitator", {"code": "A"}, {"notes": "Catatan baru"}),
    "/assessments/<uuid:assessment_id>/photos/<code>": Change(
        "facilitator", {"code": "A1"}, files={"photo-A1": lambda: (io.BytesIO(jpeg()), "bukti.jpg")}),
    "/assessments/<uuid:assessment_id>/photos/<uuid:photo_id>/delete": Change("facilitator", data={"confirmed": "y"}),
    "/assessments/<uuid:assessment_id>/sections/<code>": Change("facilitator", {"code": "A"},
                                                                {"A2": "no", "notes": "Catatan bagian"}),
    "/assessments/<uuid:assessment_id>/submit": Change(
        "facilitator", {"assessment_id": lambda area: area.assessments["complete"]}),
    "/assessments/new/<int:cooperative_id>": Change(
        "facilitator", data={"id": lambda area: str(uuid.uuid4()), "visit_date": "2025-10-14", "another": "y"}),
    "/assessments/sync": Change("facilitator", json=lambda area: {"ops": [{
        "seq": 1, "type": "note", "assessment": str(area.assessments["draft"]), "section": "B", "text": "x", "ts": 1}]}),
    "/auth/login": Change("anonymous", data={"username": "fas.diwek", "password": PASSWORD}),
    "/auth/logout": Change("facilitator"),
    "/language/<lang>": Change("facilitator", {"lang": "en"}),
    "/bimtek/new": Change("admin", data=SESSION_FORM),
    "/bimtek/<int:session_id>/edit": Change("admin", data=SESSION_FORM),
    # Part A: a tap on the attendance page (without JavaScript), and the same through the outbox
    "/bimtek/<int:session_id>/attendance/<int:day>/<int:participant_id>": Change("admin", data={"present": "0"}),
    # Part P: registering and removing a session's participants
    "/bimtek/<int:session_id>/participants": Change("admin", data={
        "cooperative": lambda area: area.cooperative, "name": "Orang Baru", "position": "pengurus:ketua"}),
    "/bimtek/<int:session_id>/participants/<int:participant_id>/remove": Change("admin", data={"confirmed": "y"}),
    "/cooperatives/<int:cooperative_id>/edit": Change("admin", data={"name": "Koperasi Desa Merah Putih Baru"}),
    "/reviews/<uuid:assessment_id>/<action>": Change(
        "supervisor", {"assessment_id": submitted, "action": "approve"},
        {"version": lambda area: db.session.scalar(select(Assessment.version).where(
            Assessment.id == area.assessments["submitted"])), "confirmed": "y"}),
    # Part T, pre-test and post-test
    "/bimtek/<int:session_id>/test": Change("admin", data={"test_max": "80"}),
    "/bimtek/<int:session_id>/test/new": Change("admin", data=QUESTION_FORM),
    "/bimtek/<int:session_id>/test/<int:question_id>/edit": Change("admin", data=QUESTION_FORM),
    "/bimtek/<int:session_id>/test/<int:question_id>/delete": Change("admin", data={"confirmed": "y"}),
    "/bimtek/<int:session_id>/scores": Change("admin", data={
        "rows-0-participant": lambda area: str(area.participant), "rows-0-pre": "55,5"}),
    "/bimtek/<int:session_id>/scores/<int:participant_id>/<phase>": Change("admin"),  # removes the pre-test sheet
    # Follow-up plans (part F); generating in the world proposes nothing, but says so (a flash: the session)
    "/followup/sessions/<int:session_id>/generate": Change("admin"),
    "/followup/sessions/<int:session_id>/cooperatives/<int:cooperative_id>": Change("admin", data={
        "text": "Tindakan baru", "due_on": "2025-12-01", "section_code": "D",
        "officer_id": lambda area: db.session.scalar(select(FollowupAction.officer_id)
                                                     .where(FollowupAction.id == area.action))}),
    "/followup/actions/<int:action_id>/edit": Change("admin", data={"text": "Tindakan diubah"}),
    "/followup/actions/<int:action_id>/delete": Change("admin", data={"confirmed": "y"}),
    "/followup/actions/<int:action_id>/mark": Change("facilitator", data={"status": "done", "note": "Sudah"}),
    "/users/new": Change("admin", data={**USER_FORM, "username": "fas.baru", "password": "kata-sandi-baru"}),
    "/users/<int:user_id>/edit": Change("admin", data=USER_FORM),
}
FILL = {"assessment_id": draft, "photo_id": lambda area: area.photo, "cooperative_id": lambda area: area.cooperative,
        "session_id": lambda area: area.session, "user_id": lambda area: area.facilitator,
        "participant_id": lambda area: area.participant, "question_id": lambda area: area.question,
        "action_id": lambda area: area.action, "day": lambda area: 1, "phase": lambda area: "pre"}

# (label, where the token goes, which token, language of the session); None: the request is sent without one.
REFUSED = [("no token", None, None, "id"), ("forged token in the form", "form", "forged", "id"),
           ("another session's token in the form", "form", "other", "id"),
           ("forged token in the htmx header", "header", "forged", "en")]
ACCEPTED = [("own token in the form", "form", "own", "id"), ("own token in the htmx header", "header", "own", "id")]


def state_changing(app):
    """{rule: its unsafe methods} for every rule of the url_map that accepts one."""
    return {rule.rule: sorted(rule.methods & UNSAFE) for rule in app.url_map.iter_rules() if rule.methods & UNSAFE}


def unwalked(app, changes=CHANGES):
    return sorted(set(state_changing(app)) - set(changes))


def test_every_state_changing_route_is_walked():
    app = make_app("sqlite://")
    assert app.config.get("WTF_CSRF_ENABLED", True) and "csrf" in app.extensions
    assert not unwalked(app), f"state-changing routes missing from CHANGES (tests/test_csrf.py): {unwalked(app)}"
    assert set(CHANGES) <= set(state_changing(app)), "CHANGES names routes that are gone or no longer change state"
    assert {m for methods in state_changing(app).values() for m in methods} == {"POST"}


def test_a_new_state_changing_route_is_named():
    app = make_app("sqlite://")
    app.add_url_rule("/reports/<int:report_id>/delete", "delete_report", lambda report_id: "", methods=["DELETE"])
    app.add_url_rule("/reports/", "reports", lambda: "")
    assert unwalked(app) == ["/reports/<int:report_id>/delete"]


CASES = [(rule, case) for rule in CHANGES for case in REFUSED + ACCEPTED
         if not (CHANGES[rule].json is not None and case[1] == "form" and case[2] == "own")]


@pytest.mark.parametrize("world", ["sqlite"], indirect=True)
@pytest.mark.parametrize("rule, case", CASES, ids=[f"{rule} {case[0]}" for rule, case in CASES])
def test_csrf(world, rule, case):
    label, channel, token, lang = case
    change, app = CHANGES[rule], world.app
    with app.app_context():
        area = world.areas[HOME]
        value = lambda v: v(area) if callable(v) else v  # noqa: E731
        url = path_of(rule, {name: value(change.args.get(name, FILL.get(name))) for name in arguments(rule)})
        client = world.client(change.role)
        if lang == "en":
            client.post("/language/en", headers={"X-CSRFToken": world.tokens[change.role]})
        tokens = {"own": world.tokens[change.role], "forged": "forged-" + world.tokens[change.role][8:],
                  "other": world.tokens["supervisor" if change.role != "supervisor" else "admin"]}
        data = {key: value(v) for key, v in change.data.items()}
        data.update({key: make() for key, make in change.files.items()})
        headers = {}
        if channel == "form":
            data["csrf_token"] = tokens[token]
        elif channel == "header":
            headers = {"X-CSRFToken": tokens[token], "HX-Request": "true"}
        before, session_before = world.snapshot(), session_of(app, client)
        world.writes.clear()
        if change.json is not None and channel != "form":
            response = client.post(url, json=value(change.json), headers=headers, buffered=True)
        else:
            response = client.post(url, data=data, headers=headers, buffered=True)
        body = response.get_data(as_text=True)
        touched = changed(before, world.snapshot())
        session_changed = session_of(app, client) != session_before
        if touched:
            world.restore()
    if token != "own":
        assert response.status_code == 400, f"POST {url} with {label}: {response.status_code}"
        assert MESSAGE[lang] in body
        assert not touched and not world.writes, f"POST {url} with {label} changed {touched} {world.writes}"
        assert not session_changed, f"POST {url} with {label} changed the session"
    else:
        assert response.status_code not in (400, 500), f"POST {url} with {label}: {response.status_code}"
        assert MESSAGE["id"] not in body
        assert touched or session_changed, f"POST {url} with {label} changed nothing: not a positive control"
        if set(touched) - {"photo files"}:  # the role walk's check on GETs relies on seeing every write
            assert world.writes
