"""Follow-up plans (Rencana Tindak Lanjut) over HTTP: generation from a known approved assessment, the Dinas's
edits and their refusals, the facilitator's check with a photo, and the exports read back against the database."""
import csv
import io
import uuid
from datetime import date, timedelta

import openpyxl
import pytest
from PIL import Image
from sqlalchemy import select

from app.assessments.service import parse_answer, save_answer, start, transition
from app.auth.models import User
from app.bimtek.models import BimtekSession, Participant, Person
from app.cooperatives.models import Cooperative, Officer
from app.extensions import db
from app.followup.models import FollowupAction
from app.i18n import today
from app.instruments.models import InstrumentVersion, publish
from app.regions.models import District, Village
from tests.support import BEST, DIWEK, INSTRUMENT, SOURCE, WONOSALAM, Auth, csrf_token, stored_photo

# The approved visit's answers: the best everywhere but these. Sections then score A 83.3, B 75, D 73.3, E 60,
# G 66.7, the rest 100; below "siap" (76): E, G, D, B. The plan takes the weakest three, E, G and D, and in
# each the weak answers (B5's level 2 is not weak, and B is the fourth section anyway; A1 gates but A is 83.3).
WEAKENED = {"D1": "2", "D2": "no", "B3": "1", "B5": "2", "E1": "no", "E2": "no", "G1": "0", "G2": "no", "A1": "no"}
EXPECTED = [("E", "E1"), ("E", "E2"), ("G", "G1"), ("G", "G2"), ("D", "D1"), ("D", "D2")]


def user(name):
    return db.session.scalar(select(User).where(User.username == name))


def cooperatives_of(district, count):
    return db.session.scalars(select(Cooperative).join(Cooperative.village).where(Village.district_code == district)
                              .order_by(Cooperative.id).limit(count)).all()


def approved_visit(cooperative, answers, visit_date=date(2025, 10, 1)):
    """An assessment of `cooperative` answered with `answers` (form values), submitted and approved."""
    version = db.session.scalar(select(InstrumentVersion))
    visit = start(uuid.uuid4(), cooperative, user("fas.diwek"), version, visit_date=visit_date, attendees=[])
    for question in visit.instrument.questions:
        save_answer(visit, question, parse_answer(question, answers[question.code], False))
    db.session.commit()
    transition(visit, "submit", user("fas.diwek"), visit.version)
    transition(visit, "approve", user("supervisor"), visit.version, "Disetujui")
    return visit


def register(session, cooperative):
    officer = cooperative.officers[0]
    person = Person(cooperative=cooperative, officer=officer, name=officer.name, position=officer.role)
    db.session.add(Participant(session=session, person=person, cooperative=cooperative, position=officer.role))


@pytest.fixture
def plan(app, jombang, tmp_path):
    """A 2-day session of Diwek and Wonosalam (14-15 Oct 2025): Diwek's first cooperative approved with WEAKENED
    answers, its second registered without an approved assessment, its third approved but not registered."""
    app.config["PHOTO_FOLDER"] = str(tmp_path / "photos")
    return build_plan()


def build_plan():
    """The plan fixture's records, in the current app context; {name: id}."""
    publish(db.session, INSTRUMENT, SOURCE)
    first, second, third = cooperatives_of(DIWEK, 3)
    other = cooperatives_of(WONOSALAM, 1)[0]
    for n, cooperative in enumerate((first, second, third, other)):
        cooperative.officers = [Officer(role="pengurus:sekretaris", name=f"Sekretaris {n}"),
                                Officer(role="pengurus:ketua", name=f"Ketua {n}")]
    session = BimtekSession(title="Bimtek Diwek Wonosalam", held_on=date(2025, 10, 14), ends_on=date(2025, 10, 15),
                            regency_code="35.17", districts=[db.session.get(District, DIWEK),
                                                             db.session.get(District, WONOSALAM)])
    db.session.add(session)
    db.session.commit()
    approved_visit(first, {**BEST, **WEAKENED})
    approved_visit(third, {**BEST, **WEAKENED})
    register(session, first)
    register(session, second)
    db.session.commit()
    return {"session": session.id, "first": first.id, "second": second.id, "third": third.id, "other": other.id}


def logged_in(client, username):
    Auth(client).login(username)
    return csrf_token(client.get("/cooperatives/").get_data(as_text=True))


def actions(**where):
    db.session.expire_all()
    return db.session.scalars(select(FollowupAction).filter_by(**where).order_by(FollowupAction.id)).all()


def generate(client, plan):
    token = logged_in(client, "dinas")
    return client.post(f"/followup/sessions/{plan['session']}/generate", data={"csrf_token": token})


def test_generating_proposes_the_weakest_sections_unmet_questions_once(client, plan):
    response = generate(client, plan)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/bimtek/{plan['session']}#followup")
    made = actions(session_id=plan["session"])
    assert [(a.section_code, a.question_code) for a in made] == EXPECTED
    assert {a.cooperative_id for a in made} == {plan["first"]}  # the second has no approved one, the third no one came
    first = db.session.get(Cooperative, plan["first"])
    ketua = next(o for o in first.officers if o.role == "pengurus:ketua")
    assert {a.officer_id for a in made} == {ketua.id}
    assert {a.due_on for a in made} == {date(2025, 10, 15) + timedelta(days=90)}
    texts = {a.question_code: a.text for a in made}
    assert texts["E1"] == "Penuhi: " + INSTRUMENT.question("E1").text.id.rstrip(" ?")
    assert texts["G1"].endswith("naik ke tingkat 1: " + INSTRUMENT.question("G1").rubric[1].id)
    assert texts["D1"].endswith("capai target 5")
    page = client.get(f"/bimtek/{plan['session']}", follow_redirects=False).get_data(as_text=True)
    assert "6 tindakan baru diusulkan." in page
    assert "Tanpa usulan (belum ada penilaian yang disetujui)" in page
    assert page.count("Belum ada penilaian yang disetujui: tanpa usulan.") == 1
    assert generate(client, plan).status_code == 302
    assert len(actions(session_id=plan["session"])) == 6  # the second time adds nothing
    assert "0 tindakan baru diusulkan." in client.get(f"/bimtek/{plan['session']}").get_data(as_text=True)


def test_only_the_dinas_generates(client, plan):
    for name in ("fas.diwek", "supervisor"):
        token = logged_in(client, name)
        assert client.post(f"/followup/sessions/{plan['session']}/generate",
                           data={"csrf_token": token}).status_code == 403
    assert actions() == []


def plan_url(plan):
    return f"/followup/sessions/{plan['session']}/cooperatives/{plan['first']}"


def test_the_dinas_edits_a_plan(client, plan):
    generate(client, plan)
    token = logged_in(client, "dinas")
    page = client.get(plan_url(plan)).get_data(as_text=True)
    assert page.count('class="followup-plan"') == 6 and "Ketua 0 (Ketua)" in page
    action = actions()[0]
    first = db.session.get(Cooperative, plan["first"])
    secretary = next(o for o in first.officers if o.role == "pengurus:sekretaris")
    form = {"csrf_token": token, "text": "Bentuk pengawas lewat Rapat Anggota", "officer_id": secretary.id,
            "due_on": "2025-12-01", "section_code": "E"}
    response = client.post(f"/followup/actions/{action.id}/edit", data=form)
    assert response.status_code == 302
    saved = actions(id=action.id)[0]
    assert (saved.text, saved.officer_id, saved.due_on) == (form["text"], secretary.id, date(2025, 12, 1))

    early = client.post(f"/followup/actions/{action.id}/edit", data={**form, "due_on": "2025-10-13", "text": "x y z"})
    assert early.status_code == 422
    assert "Tanggal target tidak boleh sebelum sesi (14 Oktober 2025)." in early.get_data(as_text=True)
    other = db.session.get(Cooperative, plan["other"]).officers[0]
    foreign = client.post(f"/followup/actions/{action.id}/edit", data={**form, "officer_id": other.id, "text": "x y"})
    assert foreign.status_code == 422
    assert "Penanggung jawab harus pengurus atau pengawas koperasi ini." in foreign.get_data(as_text=True)
    garbage = client.post(f"/followup/actions/{action.id}/edit", data={**form, "officer_id": "abc", "text": "x y"})
    assert garbage.status_code == 422
    saved = actions(id=action.id)[0]
    assert (saved.text, saved.officer_id, saved.due_on) == (form["text"], secretary.id, date(2025, 12, 1))
    assert client.post(f"/followup/actions/{action.id}/edit", data={**form, "officer_id": ""}).status_code == 302
    assert actions(id=action.id)[0].officer_id is None  # no owner yet: allowed, and the page says so

    own = {**form, "text": "Adakan rapat pengurus bulanan", "section_code": "D"}
    assert client.post(plan_url(plan), data={**own, "due_on": "2025-01-01"}).status_code == 422
    assert client.post(plan_url(plan), data=own).status_code == 302
    added = actions()[-1]
    assert (added.text, added.question_code, added.section_code, added.cooperative_id) == (
        own["text"], None, "D", plan["first"])

    confirm = client.post(f"/followup/actions/{added.id}/delete", data={"csrf_token": token})
    assert confirm.status_code == 200 and "Hapus tindakan ini?" in confirm.get_data(as_text=True)
    assert actions(id=added.id)
    assert client.post(f"/followup/actions/{added.id}/delete",
                       data={"csrf_token": token, "confirmed": "y"}).status_code == 302
    assert not actions(id=added.id)


def test_the_dinas_plan_page_is_its_own_area_and_session(client, plan):
    logged_in(client, "dinas")
    assert client.get(plan_url(plan)).status_code == 200
    # a cooperative of a kecamatan the session does not cover
    outside = db.session.scalar(select(Cooperative.id).join(Cooperative.village)
                                .where(Village.district_code == "35.17.01"))
    assert client.get(f"/followup/sessions/{plan['session']}/cooperatives/{outside}").status_code == 404
    logged_in(client, "fas.diwek")
    assert client.get(plan_url(plan)).status_code == 403


def mark(client, token, action_id, status, **extra):
    return client.post(f"/followup/actions/{action_id}/mark", data={"csrf_token": token, "status": status, **extra},
                       content_type="multipart/form-data")


def phone_photo():
    """A JPEG with EXIF, as a phone camera writes it."""
    image, exif = Image.new("RGB", (2400, 1800), "teal"), Image.Exif()
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_the_facilitator_marks_actions_at_a_visit(client, plan):
    generate(client, plan)
    first, second, *rest = actions()
    first.due_on = date(2025, 11, 1)  # overdue
    for action in (second, *rest):
        action.due_on = today() + timedelta(days=30)
    db.session.commit()
    first, second = actions(id=first.id)[0], actions(id=second.id)[0]
    first_id, second_id = first.id, second.id
    token = logged_in(client, "fas.diwek")
    page = client.get(f"/cooperatives/{plan['first']}").get_data(as_text=True)
    assert page.count('class="followup-action') == 6 and "6 dari 6 tindakan belum selesai diperiksa." in page
    assert page.count("Lewat target") == 1
    response = mark(client, token, first_id, "done", note="Sudah dibentuk",
                    photo=(io.BytesIO(phone_photo()), "bukti.jpg"))
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/cooperatives/{plan['first']}#action-{first_id}")
    saved = actions(id=first_id)[0]
    assert (saved.status, saved.note, saved.checked_on) == ("done", "Sudah dibentuk", today())
    assert saved.updated_by == user("fas.diwek").id
    stored = Image.open(io.BytesIO(stored_photo(saved.photo_id)))
    assert max(stored.size) == 1600 and not stored.getexif()
    assert client.get(f"/followup/actions/{first_id}/photo.jpg").status_code == 200

    fragment = mark(client, token, second_id, "partly", note="")
    assert fragment.status_code == 302
    htmx = client.post(f"/followup/actions/{second_id}/mark", data={"status": "not_done"},
                       headers={"HX-Request": "true", "X-CSRFToken": token})
    body = htmx.get_data(as_text=True)
    assert htmx.status_code == 200 and "<html" not in body and "Tidak dilaksanakan" in body and "Tersimpan." in body
    assert actions(id=second_id)[0].status == "not_done"

    htmx_refused = client.post(f"/followup/actions/{second_id}/mark", data={"status": ""},
                               headers={"HX-Request": "true", "X-CSRFToken": token})
    assert htmx_refused.status_code == 422 and "<html" not in htmx_refused.get_data(as_text=True)
    assert "Pilih: selesai, sebagian, atau tidak dilaksanakan." in htmx_refused.get_data(as_text=True)
    as_text = client.post(f"/followup/actions/{second_id}/mark", data={"csrf_token": token, "status": "partly",
                                                                        "photo": "not a file"})
    assert as_text.status_code == 302 and actions(id=second_id)[0].photo_id is None
    mark(client, token, second_id, "not_done")
    refused = mark(client, token, second_id, "finished")
    assert refused.status_code == 422
    assert "Pilih: selesai, sebagian, atau tidak dilaksanakan." in refused.get_data(as_text=True)
    bad_photo = mark(client, token, second_id, "done", photo=(io.BytesIO(b"not a photo"), "x.jpg"))
    assert bad_photo.status_code == 422 and actions(id=second_id)[0].status == "not_done"
    edit = client.post(f"/followup/actions/{second_id}/edit", data={"csrf_token": token, "text": "x"})
    assert edit.status_code == 403

    other = logged_in(client, "fas.wonosalam")
    assert mark(client, other, second_id, "done").status_code == 404
    assert client.get(f"/followup/actions/{first_id}/photo.jpg").status_code == 404
    assert actions(id=second_id)[0].status == "not_done"


def export(client, fmt, query=""):
    response = client.get(f"/followup/actions.{fmt}{query}", buffered=True)
    assert response.status_code == 200
    if fmt == "csv":
        return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_exports_hold_the_actions_of_the_area(client, plan):
    generate(client, plan)
    made = actions()
    made[0].text, made[0].note = "=HYPERLINK(\"http://x\")", "-1+1"
    made[0].status, made[0].checked_on = "done", date(2026, 1, 5)
    db.session.commit()
    made = [(a.question_code, a.section_code, a.text, a.owner.name, a.due_on) for a in actions()]
    logged_in(client, "dinas")
    rows = export(client, "xlsx", f"?session={plan['session']}")
    assert rows[0][:5] == ["Sesi", "Tanggal sesi", "Kecamatan", "Desa/Kelurahan", "Koperasi"]
    assert len(rows) == 1 + len(made)
    cooperative = db.session.get(Cooperative, plan["first"])
    by_question = {row[6]: row for row in rows[1:]}
    for question, section, text, owner, due in made:
        row = by_question[question]
        assert row[0] == "Bimtek Diwek Wonosalam" and row[1].date() == date(2025, 10, 14)
        assert row[2:5] == ["Diwek", cooperative.village.name, cooperative.name]
        assert row[5].startswith(section + ". ") and row[7] == text
        assert row[8:10] == [owner, "Ketua"] and row[10].date() == due
    first = by_question[made[0][0]]
    assert first[7] == "=HYPERLINK(\"http://x\")" and first[11] == "Selesai" and first[12].date() == date(2026, 1, 5)
    assert by_question[made[1][0]][11] == "Belum diperiksa"
    text = export(client, "csv")
    assert len(text) == 1 + len(made) and text[0][-1] == "Catatan"
    row = next(r for r in text if r[6] == made[0][0])
    assert row[7] == "'=HYPERLINK(\"http://x\")" and row[13] == "'-1+1" and row[10] == "2026-01-13"
    assert client.get("/followup/actions.pdf").status_code == 404
    assert client.get("/followup/actions.csv?session=999999", buffered=True).status_code == 404
    logged_in(client, "supervisor")
    assert len(export(client, "csv")) == 1 + len(made)
    logged_in(client, "fas.diwek")
    assert client.get("/followup/actions.csv", buffered=True).status_code == 403


def test_a_proposal_reads_in_english_and_an_own_wording_stays(client, plan):
    generate(client, plan)
    e2 = actions()[1]
    e2.text = "Susun jadwal pengawasan bersama pendamping"
    db.session.commit()
    logged_in(client, "fas.diwek")
    client.post("/language/en", data={"csrf_token": csrf_token(client.get("/cooperatives/").get_data(as_text=True))})
    page = client.get(f"/cooperatives/{plan['first']}").get_data(as_text=True)
    assert "Achieve: " + INSTRUMENT.question("E1").text.en.rstrip(" ?") in page
    assert "Susun jadwal pengawasan bersama pendamping" in page
    assert "reach level 1: " + INSTRUMENT.question("G1").rubric[1].en in page


def test_proposals_from_scores_alone():
    """Plain Python: the weakest three sections below "siap", and what "better" is for each question type."""
    from app.followup.plans import better, propose
    from app.instruments.definition import Choice
    answers = {code: INSTRUMENT.question(code).parse(value) for code, value in {**BEST, **WEAKENED}.items()}
    scores = {"A": 83.3, "B": 75, "C": 100, "D": 73.3, "E": 60, "F": 100, "G": 66.7, "H": 100}
    assert [(p.section_code, p.question_code) for p in propose(INSTRUMENT, answers, scores)] == EXPECTED
    # E at 76 and G at 75.96 (shown as 76,0) are ready, D without a score is not flagged: B is left, with B3
    # (level 1: weak) and not B5 (level 2 is half: not weak)
    assert [(p.section_code, p.question_code) for p in propose(
        INSTRUMENT, answers, {**scores, "E": 76, "G": 75.96, "D": None})] == [("B", "B3")]
    # a weak section without a weak answer still gets one action: its lowest answer below full marks
    halves = {code: INSTRUMENT.question(code).parse(value) for code, value in {**BEST, "B3": "2", "B5": "2"}.items()}
    assert [(p.section_code, p.question_code) for p in propose(INSTRUMENT, halves, {**scores, "B": 70, "D": 90,
                                                                                 "E": 90, "G": 90})] == [("B", "B3")]
    choice = Choice.model_validate({"type": "choice", "code": "X1", "text": {"id": "Buku kas?", "en": "Cash book?"},
                                    "options": [{"code": "no", "label": {"id": "Tidak ada", "en": "None"}, "score": 0},
                                                {"code": "yes", "label": {"id": "Rapi", "en": "Tidy"}, "score": 1}]})
    assert better(choice, "no") == 'Buku kas: capai "Rapi"' and better(choice, "no", "en") == 'Cash book: reach "Tidy"'
    assert better(INSTRUMENT.question("B3"), 3).endswith("tingkat 4: " + INSTRUMENT.question("B3").rubric[4].id)
