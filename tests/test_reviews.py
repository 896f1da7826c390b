"""Supervisor review: the state machine, every route's scope, history, and optimistic locking."""
import re
import threading
import uuid
from itertools import product

import pytest
from sqlalchemy import select

from app.assessments.models import Event
from app.assessments.workflow import APPROVED, DRAFT, RETURNED, SUBMITTED, NotAllowed, actions_for, move_for
from app.extensions import db
from app.roles import ADMIN, FACILITATOR, SUPERVISOR
from tests.support import BEST, DIWEK, INSTRUMENT, WONOSALAM, Auth, add_user, answers, assessment

# Who may do what, from which state: everything else is forbidden.
ALLOWED = {
    ("submit", DRAFT, "owner"), ("submit", RETURNED, "owner"),
    ("approve", SUBMITTED, SUPERVISOR), ("return", SUBMITTED, SUPERVISOR),
    ("reopen", APPROVED, ADMIN),
}
ACTORS = ("owner", "other facilitator", SUPERVISOR, ADMIN)


@pytest.mark.parametrize("action, status, actor", list(product(
    ("submit", "approve", "return", "reopen"), (DRAFT, SUBMITTED, RETURNED, APPROVED), ACTORS)))
def test_every_transition_for_every_role(action, status, actor):
    role = FACILITATOR if actor in ("owner", "other facilitator") else actor
    if (action, status, actor) in ALLOWED:
        assert move_for(action, status, role, actor == "owner").source == status
        assert action in actions_for(status, role, actor == "owner")
    else:
        with pytest.raises(NotAllowed):
            move_for(action, status, role, actor == "owner")
        assert action not in actions_for(status, role, actor == "owner")


@pytest.fixture
def submitted(field):
    """A complete assessment of a Diwek cooperative, submitted by fas.diwek."""
    assessment_id, _ = field.start()
    for code, value in BEST.items():
        field.save(assessment_id, code, value)
    assert field.client.post(f"/assessments/{assessment_id}/submit", data={"csrf_token": field.token}).status_code == 302
    return assessment_id


def act(client, auth, assessment_id, action, **data):
    """Post a review action the way the review page does, with the version it shows (an approval confirmed,
    as the browser's dialog sends it)."""
    page = client.get(f"/reviews/{assessment_id}").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page)
    version = version.group(1) if version else str(assessment(assessment_id).version)
    confirmed = {"confirmed": "y"} if action == "approve" else {}
    return client.post(f"/reviews/{assessment_id}/{action}",
                       data={"csrf_token": auth.token("/cooperatives/"), "version": version, **confirmed, **data})


RETURN_REASON_NEEDED = ("Tulis alasan pengembalian, agar pendamping tahu apa yang harus diperbaiki. "
                        "Penilaian belum dikembalikan.")


def history(assessment_id):
    db.session.expire_all()
    return [(e.action, e.source, e.target, e.user.username) for e in db.session.scalars(
        select(Event).where(Event.assessment_id == uuid.UUID(assessment_id)).order_by(Event.id))]


def test_status_at_is_the_time_of_the_last_step_in_the_history(submitted, client, auth):
    """Rollups as of today read status_at instead of the history: every transition keeps them equal."""
    auth.login("supervisor")
    for expected in (SUBMITTED, APPROVED):
        db.session.expire_all()
        current = assessment(submitted)
        last = [e for e in current.events if e.target is not None][-1]
        assert (current.status, current.status_at) == (expected, last.at)
        if expected == SUBMITTED:
            assert act(client, auth, submitted, "approve").status_code == 302


def test_a_question_the_autosave_shows_again_carries_the_supervisors_comment(submitted, client, auth, field):
    """An autosave reads its draft without the ORM; a question its answer shows again still carries the
    review's comment, and after the first submission the change is in the history."""
    auth.login("supervisor")
    response = act(client, auth, submitted, "return", comment="Periksa F.", **{"comment-F2": "Lampirkan notulen RAT"})
    assert response.status_code == 302 and assessment(submitted).status == RETURNED
    auth.login("fas.diwek")
    token = auth.token("/assessments/")
    hidden = field.save(submitted, "F1", "no", token=token).get_data(as_text=True)
    assert 'data-question="F2" hidden' in hidden and "Lampirkan notulen RAT" in hidden
    shown = field.save(submitted, "F1", "yes", token=token).get_data(as_text=True)
    assert 'id="q-F2" data-question="F2" data-show-if' in shown and "Lampirkan notulen RAT" in shown
    assert answers(submitted)["F1"] == "yes"
    changes = [(e.question_code, e.old_value, e.new_value) for e in db.session.scalars(
        select(Event).where(Event.assessment_id == uuid.UUID(submitted), Event.action == "answer").order_by(Event.id))]
    assert changes == [("F1", "yes", "no"), ("F1", "no", "yes")]


def test_the_summary_title_names_the_page_and_the_history_is_shown_once(submitted, client, auth):
    auth.login("supervisor")
    assert act(client, auth, submitted, "return", comment="Periksa lagi A1.").status_code == 302
    auth.login("fas.diwek")
    page = client.get(f"/assessments/{submitted}").get_data(as_text=True)
    assert re.search(r"<title>(.*?)</title>", page, re.S).group(1) == "Ringkasan penilaian · SiapKop"
    assert page.count("<h2>Riwayat</h2>") == 1 and page.count("Periksa lagi A1.") == 2  # the flash, the history


def test_return_needs_a_comment_and_reaches_the_facilitator_with_question_comments(submitted, client, auth, field):
    auth.login("supervisor")
    refused = act(client, auth, submitted, "return", comment="  ", **{"comment-A1": "Foto akta buram",
                                                                      "comment-B2": " ", "comment-C1": ""})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and RETURN_REASON_NEEDED in page
    # the comment typed beside A1 is still there, its box and section open, and the reason's panel open
    assert re.search(r'<details class="review-section" id="section-A" open>', page)
    assert re.search(r'<details class="comment" open>\s*<summary>Beri komentar<span class="visually-hidden"> \(A1\)</span>'
                     r'</summary>\s*<label for="comment-A1">Komentar untuk A1</label>\s*<textarea id="comment-A1" name="comment-A1" '
                     r'form="return-form" rows="2"\s*maxlength="2000">Foto akta buram</textarea>', page)
    assert page.count("<details class=\"comment\" open>") == 1 and '<details class="action-panel" open>' in page
    assert page.count('<details class="review-section" id="section-') - page.count('<details class="review-section" '
                                                                                 'id="section-A" open>') == 7
    assert assessment(submitted).status == SUBMITTED and [e[0] for e in history(submitted)] == ["start", "submit"]
    response = act(client, auth, submitted, "return", comment="Periksa lagi A1.", **{"comment-A1": "Foto akta buram",
                                                                                     "comment-B2": " "})
    assert response.status_code == 302 and assessment(submitted).status == RETURNED
    event = assessment(submitted).events[-1]
    assert (event.comment, event.question_comments) == ("Periksa lagi A1.", {"A1": "Foto akta buram"})

    auth.login("fas.diwek")
    home = client.get("/assessments/").get_data(as_text=True)
    assert "Dikembalikan oleh Supervisor pada " in home and "Periksa lagi A1." in home
    page = client.get(f"/assessments/{submitted}/sections/A").get_data(as_text=True)
    assert "Periksa lagi A1." in page and "Foto akta buram" in page and "disabled" not in page.split("<main>")[1]
    token = auth.token("/assessments/")
    client.post(f"/assessments/{submitted}/answers/A1", data={"A1": "no"},
                headers={"HX-Request": "true", "X-CSRFToken": token})
    assert client.post(f"/assessments/{submitted}/submit", data={"csrf_token": token}).status_code == 302

    auth.login("supervisor")
    assert act(client, auth, submitted, "approve").status_code == 302
    assert assessment(submitted).status == APPROVED
    assert history(submitted) == [
        ("start", None, DRAFT, "fas.diwek"), ("submit", DRAFT, SUBMITTED, "fas.diwek"),
        ("return", SUBMITTED, RETURNED, "supervisor"), ("answer", None, None, "fas.diwek"),
        ("submit", RETURNED, SUBMITTED, "fas.diwek"), ("approve", SUBMITTED, APPROVED, "supervisor")]
    change = assessment(submitted).events[3]
    assert (change.question_code, change.old_value, change.new_value) == ("A1", "yes", "no")
    page = client.get(f"/reviews/{submitted}").get_data(as_text=True)
    assert "mengubah jawaban A1: Ya → Tidak" in page and "Menyetujui" in page and "(Dikirim → Disetujui)" in page


def test_the_history_shows_changed_answers_in_words(submitted, client, auth, field):
    """The history stores codes (yes, n/a, 4); it shows them as the form does, in the user's language."""
    auth.login("supervisor")
    assert act(client, auth, submitted, "return", comment="Periksa B dan C.").status_code == 302
    auth.login("fas.diwek")
    token = auth.token("/assessments/")
    for code, value, na in (("C4", "no", False), ("B5", None, True), ("B3", "2", False), ("C1", "1250", False)):
        assert field.save(submitted, code, value, na=na, token=token).status_code == 200
    changes = [(e.question_code, e.old_value, e.new_value) for e in assessment(submitted).events if e.question_code]
    assert changes == [("C4", "yes", "no"), ("B5", "4", "n/a"), ("B3", "4", "2"), ("C1", "100", "1250")]
    page = client.get(f"/assessments/{submitted}").get_data(as_text=True)
    for line in ("C4: Ya → Tidak", "B5: 4 → Tidak berlaku", "B3: 4 → 2", "C1: 100 → 1.250"):
        assert f"mengubah jawaban {line}" in page, line
    client.post("/language/en", data={"csrf_token": token})
    page = client.get(f"/assessments/{submitted}").get_data(as_text=True)
    for line in ("C4: Yes → No", "B5: 4 → Not applicable", "C1: 100 → 1,250"):
        assert line in page, line


def test_approving_asks_first_and_without_javascript_on_a_page_of_its_own(submitted, client, auth):
    auth.login("supervisor")
    page = client.get(f"/reviews/{submitted}").get_data(as_text=True)
    assert ('hx-confirm="Setujui penilaian ini? Setelah disetujui, pendamping tidak dapat mengubahnya lagi."\n'
            '    hx-vals=\'{"confirmed": "y"}\'') in page  # with JavaScript, the browser's dialog asks
    token, version = auth.token("/cooperatives/"), assessment(submitted).version
    asked = client.post(f"/reviews/{submitted}/approve", data={"csrf_token": token, "version": version})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "<h1>Setujui penilaian ini?</h1>" in page and 'id="total">100<' in page
    assert f'<form method="post" action="/reviews/{submitted}/approve"' in page
    assert f'<input type="hidden" name="version" value="{version}">' in page
    assert '<input type="hidden" name="confirmed" value="y">' in page and f'href="/reviews/{submitted}">Batal</a>' in page
    assert assessment(submitted).status == SUBMITTED and [e[0] for e in history(submitted)] == ["start", "submit"]
    # asked only of whom may approve, and only on the page as it is
    stale = client.post(f"/reviews/{submitted}/approve", data={"csrf_token": token, "version": version - 1})
    assert stale.status_code == 409
    auth.login("dinas")
    assert client.post(f"/reviews/{submitted}/approve", data={
        "csrf_token": auth.token("/cooperatives/"), "version": version}).status_code == 403
    auth.login("supervisor")
    done = client.post(f"/reviews/{submitted}/approve", data={"csrf_token": token, "version": version,
                                                              "confirmed": "y"})
    assert done.status_code == 302 and assessment(submitted).status == APPROVED


def test_the_review_page_folds_sections_marks_weak_answers_and_links_the_location(submitted, client, auth):
    from app.assessments.service import parse_answer, save_answer
    current = assessment(submitted)
    for code, value in {"A2": "no", "B3": "1", "C1": "40", "C3": "2"}.items():  # C3 = 2 of 4: half, not weak
        save_answer(current, INSTRUMENT.question(code), parse_answer(INSTRUMENT.question(code), value, False))
    current.latitude, current.longitude, current.accuracy_m = -7.5921347, 112.2349871, 14.6
    db.session.commit()
    auth.login("supervisor")
    page = client.get(f"/reviews/{submitted}").get_data(as_text=True)
    assert '<span class="coordinates">-7.59213, 112.23499</span> (± 15 m)' in page
    assert ('<a href="https://www.openstreetmap.org/?mlat=-7.59213&amp;mlon=112.23499#map=18/-7.59213/112.23499"'
            in page)
    summaries = re.findall(r'<details class="review-section" id="section-(\w)">\s*<summary><h2>.*?</h2>\s*'
                           r'<span class="muted">skor ([\d,–]+) · bobot (\d+)</span>\s*(.*?)</summary>', page, re.S)
    assert [code for code, *_ in summaries] == list("ABCDEFGH")  # every section folded
    marks = {code: re.sub(r"<[^>]+>", "", mark).strip() for code, _, _, mark in summaries}
    assert marks == {**dict.fromkeys("DEFGH", ""), "A": "1 perlu perhatian", "B": "1 perlu perhatian",
                     "C": "1 perlu perhatian"}
    assert summaries[0][1:3] == ("83,3", "15")
    weak = re.findall(r'<dt id="a-(\w+)" class="weak">', page)
    assert weak == ["A2", "B3", "C1"] and page.count('<strong class="weak-mark">Perlu perhatian</strong>') == 3
    assert page.count('<details class="comment">') == len(INSTRUMENT.questions)  # one per question, each closed
    assert '<details class="comment" open>' not in page and '<div class="action-bar"' in page


def test_approved_is_read_only_and_only_an_admin_reopens_it_with_a_reason(submitted, client, auth):
    auth.login("supervisor")
    act(client, auth, submitted, "approve")
    assert act(client, auth, submitted, "reopen", comment="Salah").status_code == 403
    auth.login("fas.diwek")
    token = auth.token("/assessments/")
    locked = client.post(f"/assessments/{submitted}/answers/A1", data={"A1": "no"},
                         headers={"HX-Request": "true", "X-CSRFToken": token})
    assert locked.status_code == 409 and answers(submitted)["A1"] == "yes"
    auth.login("dinas")
    refused = act(client, auth, submitted, "reopen")
    assert refused.status_code == 422 and "Tulis alasan membuka kembali penilaian ini." in refused.get_data(as_text=True)
    assert act(client, auth, submitted, "reopen", comment="NIB ternyata belum terbit").status_code == 302
    assert assessment(submitted).status == RETURNED
    assert history(submitted)[-1] == ("reopen", APPROVED, RETURNED, "dinas")


@pytest.mark.parametrize("username, action, status", [
    ("fas.diwek", "approve", 403), ("supervisor", "reopen", 403), ("dinas", "approve", 403),
    ("dinas", "return", 403)])
def test_forbidden_actions_over_http_change_nothing(submitted, client, auth, username, action, status):
    auth.login(username)
    response = client.post(f"/reviews/{submitted}/{action}", data={
        "csrf_token": auth.token("/cooperatives/"), "version": assessment(submitted).version, "comment": "x"})
    assert response.status_code == status and assessment(submitted).status == SUBMITTED


def test_review_routes_are_scoped_to_the_supervisors_kecamatan(submitted, client, auth):
    add_user("supervisor.lain", SUPERVISOR, (WONOSALAM,))
    db.session.commit()
    auth.login("supervisor.lain")
    token = auth.token("/cooperatives/")
    assert client.get(f"/reviews/{submitted}").status_code == 404
    for action in ("approve", "return", "reopen"):
        response = client.post(f"/reviews/{submitted}/{action}", data={"csrf_token": token, "version": 1, "comment": "x"})
        assert response.status_code == 404
    assert submitted not in client.get("/reviews/?status=all").get_data(as_text=True)
    auth.login("fas.diwek")
    assert client.get("/reviews/").status_code == 403 and client.get(f"/reviews/{submitted}").status_code == 403
    assert assessment(submitted).status == SUBMITTED


def test_a_stale_page_gets_the_conflict_message_and_nothing_is_overwritten(submitted, client, auth):
    auth.login("supervisor")
    page = client.get(f"/reviews/{submitted}").get_data(as_text=True)
    seen = re.search(r'name="version" value="(\d+)"', page).group(1)
    token = auth.token("/cooperatives/")
    assert client.post(f"/reviews/{submitted}/approve", data={"csrf_token": token, "version": seen,
                                                               "confirmed": "y"}).status_code == 302
    late = client.post(f"/reviews/{submitted}/return", data={"csrf_token": token, "version": seen, "comment": "x"})
    assert late.status_code == 409 and "baru saja diubah orang lain" in late.get_data(as_text=True)
    assert assessment(submitted).status == APPROVED and [e[0] for e in history(submitted)][-1] == "approve"


def test_two_supervisors_at_once_exactly_one_wins(submitted, app):
    add_user("supervisor.dua", SUPERVISOR, (DIWEK,))
    db.session.commit()
    clients = []
    for username in ("supervisor", "supervisor.dua"):
        client = app.test_client()
        auth = Auth(client)
        auth.login(username)
        page = client.get(f"/reviews/{submitted}").get_data(as_text=True)
        clients.append((client, auth.token("/cooperatives/"), re.search(r'name="version" value="(\d+)"', page).group(1)))
    start, results = threading.Barrier(2), {}

    def go(client, token, version, action, data):
        start.wait()
        results[action] = client.post(f"/reviews/{submitted}/{action}", data={"csrf_token": token, "version": version,
                                                                             **data})

    threads = [threading.Thread(target=go, args=(*clients[0], "approve", {"confirmed": "y"})),
               threading.Thread(target=go, args=(*clients[1], "return", {"comment": "Periksa C1"}))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = sorted(response.status_code for response in results.values())
    assert codes == [302, 409]
    loser = next(response for response in results.values() if response.status_code == 409)
    assert "baru saja diubah orang lain" in loser.get_data(as_text=True)
    decided = [e for e in history(submitted) if e[0] in ("approve", "return")]
    assert len(decided) == 1 and assessment(submitted).status in (APPROVED, RETURNED)


def test_queue_filters_counts_and_oldest_submitted_first(field, client, auth):
    ids = []
    for _ in range(3):
        assessment_id, _ = field.start()
        for code, value in BEST.items():
            field.save(assessment_id, code, value)
        field.client.post(f"/assessments/{assessment_id}/submit", data={"csrf_token": field.token})
        ids.append(assessment_id)
    draft, _ = field.start(visit_date="2025-09-01")
    auth.login("supervisor")
    html = client.get("/reviews/").get_data(as_text=True)
    assert re.findall(r'href="/reviews/([0-9a-f-]{36})"', html) == ids  # oldest submitted first
    assert 'id="count-submitted">3<' in html and 'id="count-draft">1<' in html
    fragment = client.get("/reviews/?status=draft", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and re.findall(r'href="/reviews/([0-9a-f-]{36})"', fragment) == [draft]
    assert draft not in client.get("/reviews/?status=all&visited_from=2025-10-01").get_data(as_text=True)
    listed = lambda query: re.findall(r'href="/reviews/([0-9a-f-]{36})"', client.get(query).get_data(as_text=True))  # noqa: E731
    assert listed(f"/reviews/?status=all&district={WONOSALAM}") == []
    facilitator = db.session.scalar(select(Event.user_id).where(Event.action == "start").limit(1))
    assert len(listed(f"/reviews/?status=all&facilitator={facilitator}")) == 4
    assert listed(f"/reviews/?status=all&facilitator={facilitator + 99}") == ids + [draft]  # not a choice: ignored
    assert client.get("/reviews/?status=nonsense&district=99").status_code == 200
