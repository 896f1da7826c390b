"""The pre-test and post-test of a Bimtek session: questions, scores typed from paper, answer sheets, the session
page's means and gains, and the scores exports; the arithmetic alone in app.bimtek.gains."""
import csv
import io
from datetime import date

import openpyxl
import pytest
from hypothesis import given
from playwright.sync_api import expect
from hypothesis import strategies as st
from sqlalchemy import select

from app.bimtek.gains import (Gain, Question, ScoreError, paired_gain, person_gain, read_score, sheet_score,
                              topic_gains, topic_shares)
from app.bimtek.models import BimtekSession, Participant, Person, TestAnswer, TestQuestion
from app.cooperatives.models import Cooperative
from app.extensions import db
from app.instruments.models import publish
from app.regions.models import District, Village
from tests.support import DIWEK, INSTRUMENT, SOURCE, WONOSALAM, add_user, csrf_token

# --- The arithmetic, without Flask ---------------------------------------------------------------------------


@pytest.mark.parametrize("text, value", [("72,5", 72.5), ("72.5", 72.5), (" 100 ", 100.0), ("0", 0.0), ("", None),
                                         ("-0", 0.0), ("99,75", 99.75)])
def test_a_typed_score_reads_a_decimal_comma_or_point(text, value):
    assert read_score(text, 100) == value


@pytest.mark.parametrize("text, kind", [("100,5", "over"), ("101", "over"), ("-1", "negative"), ("-0,5", "negative"),
                                        ("abc", "format"), ("1.000", "format"), ("7,2,5", "format"), ("--1", "format"),
                                        ("1e2", "format")])
def test_a_typed_score_is_refused_with_its_reason(text, kind):
    with pytest.raises(ScoreError) as refused:
        read_score(text, 100)
    assert refused.value.kind == kind


QUESTIONS = [Question(1, "a", 0), Question(2, "a", 1), Question(3, "b", 2), Question(4, "b", 0)]


def test_an_answer_sheet_scores_right_over_questions_times_the_full_score():
    assert sheet_score({1: 0, 2: 1, 3: 0}, QUESTIONS, 100) == 50  # question 4 left blank: wrong
    assert sheet_score({1: 0, 2: 1, 3: 2, 4: 0}, QUESTIONS, 40) == 40
    assert sheet_score({}, [], 100) is None
    assert topic_shares({1: 0, 2: 0, 3: 2}, QUESTIONS) == {"a": 50, "b": 50}


def test_the_paired_mean_leaves_out_whoever_misses_a_phase():
    gain = paired_gain([(40, 70), (60, 80), (None, 90), (50, None)], 100)
    assert (gain.paired, gain.pre, gain.post, gain.gain) == (2, 50, 75, 25)
    assert gain.normalised == pytest.approx(0.5)
    assert paired_gain([(None, 1)], 100) == Gain(0, None, None, 100)
    assert paired_gain([(None, 1)], 100).gain is None and paired_gain([(100, 100)], 100).normalised is None
    assert person_gain(40, 70) == 30 and person_gain(None, 70) is None


def test_topic_gains_count_only_people_with_both_sheets():
    sheets = [({1: 0, 2: 0, 3: 0, 4: 0}, {1: 0, 2: 1, 3: 2, 4: 0}), ({1: 1}, None)]
    gains = topic_gains(sheets, QUESTIONS)
    assert list(gains) == ["a", "b"]
    assert (gains["a"].paired, gains["a"].pre, gains["a"].post) == (1, 50, 100)
    assert (gains["b"].pre, gains["b"].post, gains["b"].gain) == (50, 100, 50)


scores = st.one_of(st.none(), st.floats(0, 100, allow_nan=False))


@given(st.lists(st.tuples(scores, scores), max_size=30))
def test_the_gain_is_the_mean_of_each_persons_gain_over_the_paired(pairs):
    gain = paired_gain(pairs, 100)
    both = [(pre, post) for pre, post in pairs if pre is not None and post is not None]
    assert gain.paired == len(both)
    if both:
        assert gain.gain == pytest.approx(sum(post - pre for pre, post in both) / len(both), abs=1e-9)
        assert 0 <= gain.pre <= 100 and 0 <= gain.post <= 100
        assert gain.normalised is None or gain.normalised <= 1 + 1e-9
    else:
        assert gain.gain is None and gain.normalised is None


@given(st.lists(st.integers(0, 3), min_size=4, max_size=4), st.integers(1, 1000))
def test_a_sheet_score_stays_within_the_full_score_and_matches_the_topic_shares(picks, full):
    choices = {q.id: pick for q, pick in zip(QUESTIONS, picks)}
    score = sheet_score(choices, QUESTIONS, full)
    assert 0 <= score <= full
    shares = topic_shares(choices, QUESTIONS)  # two topics of two questions each: the mean share is the score
    assert sum(shares.values()) / len(shares) / 100 * full == pytest.approx(score)


@given(st.decimals(0, 100, places=2))
def test_any_score_written_with_a_comma_reads_back(value):
    assert read_score(f"{value:.2f}".replace(".", ","), 100) == pytest.approx(float(value))


# --- Over HTTP -------------------------------------------------------------------------------------------------


def cooperatives_of(district, n):
    return db.session.scalars(select(Cooperative).join(Cooperative.village).where(Village.district_code == district)
                              .order_by(Cooperative.id).limit(n)).all()


def register(session, cooperative, name, position="pengurus:ketua", **scores):
    person = Person(cooperative=cooperative, name=name, position=position)
    participant = Participant(session=session, person=person, cooperative=cooperative, position=position, **scores)
    db.session.add(participant)
    return participant


@pytest.fixture
def training(app, jombang):
    """The shared session of Diwek and Wonosalam (14 Oct 2025) with two Diwek and one Wonosalam participants, the
    default instrument published, and a supervisor of Wonosalam alone."""
    publish(db.session, INSTRUMENT, SOURCE)
    add_user("sup.wonosalam", "supervisor", (WONOSALAM,))
    session = BimtekSession(title="Bimtek Diwek Wonosalam", held_on=date(2025, 10, 14), regency_code="35.17",
                            districts=[db.session.get(District, DIWEK), db.session.get(District, WONOSALAM)])
    diwek, wono = cooperatives_of(DIWEK, 2), cooperatives_of(WONOSALAM, 1)
    people = [register(session, diwek[0], "Siti Diwek"), register(session, diwek[1], "=HYPERLINK(\"x\") Budi"),
              register(session, wono[0], "Wati Wonosalam", position="Bendahara koperasi")]
    db.session.add(session)
    db.session.commit()
    return session.id, [p.id for p in people]


def login(client, auth, username):
    auth.login(username)
    return csrf_token(client.get("/bimtek/").get_data(as_text=True)) if username != "fas.diwek" else None


def rows(people, **values):
    """The scores form: `values` maps 'pre0' / 'post1' (phase and person's index) to what is typed."""
    data = {}
    for i, person in enumerate(people):
        data[f"rows-{i}-participant"] = str(person)
        for phase in ("pre", "post"):
            if f"{phase}{i}" in values:
                data[f"rows-{i}-{phase}"] = values[f"{phase}{i}"]
    return data


def stored(people):
    db.session.expire_all()
    return [(db.session.get(Participant, p).pre_score, db.session.get(Participant, p).post_score) for p in people]


def test_typed_scores_are_saved_in_one_submit_with_a_decimal_comma(training, client, auth):
    sid, people = training
    token = login(client, auth, "dinas")
    page = client.get(f"/bimtek/{sid}/scores").get_data(as_text=True)
    assert "Siti Diwek" in page and "Wati Wonosalam" in page
    response = client.post(f"/bimtek/{sid}/scores", data={"csrf_token": token, **rows(
        people, pre0="40", post0="72,5", pre1="55.5", post1="", pre2="60", post2="90")})
    assert response.status_code == 302
    assert stored(people) == [(40, 72.5), (55.5, None), (60, 90)]
    page = client.get(f"/bimtek/{sid}").get_data(as_text=True)
    assert "2 peserta dengan kedua nilai" in page
    assert 'class="num pre">50</dd>' in page and 'class="num post">81,2</dd>' in page  # 81,25 shown to one decimal
    assert 'class="num gain">31,2</dd>' in page


def test_a_score_over_the_maximum_names_the_participant_and_saves_nothing(training, client, auth):
    sid, people = training
    token = login(client, auth, "dinas")
    before = stored(people)
    response = client.post(f"/bimtek/{sid}/scores", data={"csrf_token": token, **rows(
        people, pre0="40", post0="100,5", pre1="-3", post1="50", pre2="7,2,5")})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nilai post-test Siti Diwek melebihi nilai maksimum (100)." in page
    assert "Nilai pre-test =HYPERLINK(&#34;x&#34;) Budi tidak boleh negatif." in page
    assert "Nilai pre-test Wati Wonosalam bukan angka; tulis misalnya 72,5." in page
    assert "Tidak ada nilai yang disimpan." in page
    assert 'value="100,5"' in page  # what was typed comes back to be corrected
    assert stored(people) == before  # the good pre-test 40 is not saved either


def test_the_maximum_is_the_sessions_and_english_speaks_english(training, client, auth):
    sid, people = training
    token = login(client, auth, "dinas")
    assert client.post(f"/bimtek/{sid}/test", data={"csrf_token": token, "test_max": "40"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(BimtekSession, sid).test_max == 40
    client.post("/language/en", data={"csrf_token": token})
    response = client.post(f"/bimtek/{sid}/scores", data={"csrf_token": token, **rows(people,
                                                                                              post2="41")})
    assert "The post-test score of Wati Wonosalam is over the maximum (40)." in response.get_data(as_text=True)
    assert stored(people)[2] == (None, None)


def test_a_lower_maximum_that_a_typed_score_exceeds_is_refused(training, client, auth):
    sid, people = training
    token = login(client, auth, "dinas")
    client.post(f"/bimtek/{sid}/scores", data={"csrf_token": token, **rows(people, post0="80")})
    response = client.post(f"/bimtek/{sid}/test", data={"csrf_token": token, "test_max": "50"})
    assert response.status_code == 422
    assert "Nilai post-test Siti Diwek (80) melebihi nilai maksimum itu." in response.get_data(as_text=True)
    saved = client.post(f"/bimtek/{sid}/test", data={"csrf_token": token, "test_max": "1000"}, follow_redirects=True)
    assert "Nilai maksimum disimpan." in saved.get_data(as_text=True)
    client.post(f"/bimtek/{sid}/scores", data={"csrf_token": token, **rows(people, pre0="1000")})
    assert 'value="1000"' in client.get(f"/bimtek/{sid}/scores").get_data(as_text=True)  # no "1.000" to misread
    for bad in ("0", "abc", ""):
        assert client.post(f"/bimtek/{sid}/test", data={"csrf_token": token, "test_max": bad}).status_code == 422
    db.session.expire_all()
    assert db.session.get(BimtekSession, sid).test_max == 1000


def question_form(token, **extra):
    return {"csrf_token": token, "number": "1", "topic_code": "tugas-pengurus-pengawas", "text": "Siapa mengawasi?",
            "option_1": "Pengawas", "option_2": "Anggota", "option_3": "", "answer": "1", **extra}


def questions(session_id):
    db.session.expire_all()
    return db.session.scalars(select(TestQuestion).where(TestQuestion.session_id == session_id)
                              .order_by(TestQuestion.number)).all()


def test_questions_are_added_edited_and_deleted(training, client, auth):
    sid, people = training
    token = login(client, auth, "dinas")
    page = client.get(f"/bimtek/{sid}/test/new").get_data(as_text=True)
    assert "Tugas dan tanggung jawab pengurus serta pengawas" in page and 'value="1"' in page
    assert client.post(f"/bimtek/{sid}/test/new", data=question_form(token)).status_code == 302
    # options with a gap are packed, and the right one follows its text
    assert client.post(f"/bimtek/{sid}/test/new", data=question_form(
        token, number="2", topic_code="penguatan-kelembagaan", text="RAT diadakan?", option_1="Tiap tahun",
        option_2="", option_3="Tidak pernah", option_4="Sekali lima tahun", answer="4")).status_code == 302
    first, second = questions(sid)
    assert (first.number, first.options, first.answer) == (1, ["Pengawas", "Anggota"], 0)
    assert (second.options, second.answer, second.topic_code) == (
        ["Tiap tahun", "Tidak pernah", "Sekali lima tahun"], 2, "penguatan-kelembagaan")
    page = client.get(f"/bimtek/{sid}/test").get_data(as_text=True)
    assert "Siapa mengawasi?" in page and "RAT diadakan?" in page
    assert client.post(f"/bimtek/{sid}/test/{second.id}/edit", data=question_form(
        token, number="2", text="RAT tahunan?", answer="2")).status_code == 302
    assert (questions(sid)[1].text, questions(sid)[1].answer) == ("RAT tahunan?", 1)
    confirm = client.post(f"/bimtek/{sid}/test/{first.id}/delete", data={"csrf_token": token})
    assert confirm.status_code == 200 and "Hapus soal 1?" in confirm.get_data(as_text=True)
    assert len(questions(sid)) == 2
    client.post(f"/bimtek/{sid}/test/{first.id}/delete", data={"csrf_token": token, "confirmed": "y"})
    assert [q.number for q in questions(sid)] == [2]


@pytest.mark.parametrize("change, message", [
    ({"number": "1"}, "Nomor 1 sudah dipakai soal lain."),
    ({"option_2": ""}, "Isi paling sedikit 2 pilihan."),
    ({"answer": "3"}, "Jawaban yang benar harus pilihan yang diisi."),
    ({"answer": ""}, "Pilih jawaban yang benar."),
    ({"text": "  "}, "Wajib diisi."),
    ({"topic_code": "bukan-topik"}, "Pilihan tidak valid."),
    ({"number": "satu"}, "Harus berupa bilangan bulat.")])
def test_a_bad_question_is_refused_with_a_message(training, client, auth, change, message):
    sid, _ = training
    token = login(client, auth, "dinas")
    client.post(f"/bimtek/{sid}/test/new", data=question_form(token))
    response = client.post(f"/bimtek/{sid}/test/new", data=question_form(token, **{"number": "2", **change}))
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert len(questions(sid)) == 1


def add_questions(session_id):
    """Four questions: two on one topic, two on another; the right option is the first of each."""
    session = db.session.get(BimtekSession, session_id)
    for n, topic in enumerate(["tugas-pengurus-pengawas"] * 2 + ["penguatan-kelembagaan"] * 2, start=1):
        db.session.add(TestQuestion(session=session, number=n, topic_code=topic, text=f"Soal {n}",
                                    options=["Benar", "Salah", "Ragu"], answer=0))
    db.session.commit()
    return questions(session_id)


def sheet(token, asked, picks):
    return {"csrf_token": token, **{f"q{q.id}": str(pick) for q, pick in zip(asked, picks) if pick is not None}}


def test_an_answer_sheet_scores_the_phase_and_locks_it_on_the_typed_page(training, client, auth):
    sid, people = training
    asked = add_questions(sid)
    token = login(client, auth, "dinas")
    siti = people[0]
    assert "Soal 3" in client.get(f"/bimtek/{sid}/scores/{siti}/pre").get_data(as_text=True)
    response = client.post(f"/bimtek/{sid}/scores/{siti}/pre", data=sheet(token, asked, [0, 1, 0, None]),
                           follow_redirects=True)
    assert "Lembar jawaban pre-test Siti Diwek disimpan: 2 dari 4 benar, nilai 50." in response.get_data(as_text=True)
    assert stored(people)[0] == (50, None)
    kept = db.session.scalars(select(TestAnswer).where(TestAnswer.participant_id == siti)).all()
    assert sorted((a.phase, a.choice) for a in kept) == [("pre", 0), ("pre", 0), ("pre", 1)]
    # the sheet's phase is shown, not typed: a pre-test sent for it anyway is left alone
    page = client.get(f"/bimtek/{sid}/scores").get_data(as_text=True)
    assert "dari lembar jawaban" in page and 'name="rows-0-pre"' not in page
    client.post(f"/bimtek/{sid}/scores", data={"csrf_token": token, **rows(people, pre0="99",
                                                                                   post0="70")})
    assert stored(people)[0] == (50, 70)
    # a post sheet replaces the typed post score; the session page shows the topics
    client.post(f"/bimtek/{sid}/scores/{siti}/post", data=sheet(token, asked, [0, 0, 0, 1]))
    assert stored(people)[0] == (50, 75)
    page = client.get(f"/bimtek/{sid}").get_data(as_text=True)
    assert "Per topik pelatihan" in page
    row = page[page.index('<tr id="result-tugas-pengurus-pengawas">'):]
    row = row[:row.index("</tr>")]
    cells = [cell.split("<")[0] for cell in row.split('class="num')[1:]]
    assert cells == ['">1', ' pre">50', ' post">100', ' gain">50']  # one person: pre 50, post 100 of its two
    # the full score changes: the sheets are scored again
    client.post(f"/bimtek/{sid}/test", data={"csrf_token": token, "test_max": "40"})
    assert stored(people)[0] == (20, 30)
    # a question deleted: the sheets are scored on the three left
    client.post(f"/bimtek/{sid}/test/{asked[3].id}/delete", data={"csrf_token": token, "confirmed": "y"})
    assert stored(people)[0] == (pytest.approx(40 * 2 / 3), 40)
    # "not answered" takes a choice back
    client.post(f"/bimtek/{sid}/scores/{siti}/pre", data=sheet(token, asked, [0, 1, -1]))
    assert stored(people)[0] == (pytest.approx(40 / 3), 40)
    page = client.get(f"/bimtek/{sid}/scores/{siti}/pre").get_data(as_text=True)
    assert f'<input checked id="q{asked[2].id}-0" name="q{asked[2].id}" type="radio" value="-1">' in page
    # the sheet's remove button removes it, whatever is chosen, and the score can be typed again
    response = client.post(f"/bimtek/{sid}/scores/{siti}/pre", data={**sheet(token, asked, [0, 0, 0]), "clear": "y"},
                           follow_redirects=True)
    assert "Lembar jawaban pre-test Siti Diwek dihapus" in response.get_data(as_text=True)
    assert stored(people)[0] == (None, 40)
    assert 'name="rows-0-pre"' in client.get(f"/bimtek/{sid}/scores").get_data(as_text=True)


def test_an_answer_sheet_refuses_an_option_that_is_not_there(training, client, auth):
    sid, people = training
    asked = add_questions(sid)
    token = login(client, auth, "dinas")
    response = client.post(f"/bimtek/{sid}/scores/{people[0]}/pre", data=sheet(token, asked, [0, 7]))
    assert response.status_code == 422 and "Pilihan tidak valid." in response.get_data(as_text=True)
    assert stored(people)[0] == (None, None)
    assert client.get(f"/bimtek/{sid}/scores/{people[0]}/mid").status_code == 404


def test_a_participant_of_another_regency_or_session_is_not_found(training, client, auth):
    sid, people = training
    other = BimtekSession(title="Lain", held_on=date(2025, 11, 1), regency_code="35.17",
                          districts=[db.session.get(District, DIWEK)])
    db.session.add(other)
    db.session.commit()
    other_id = other.id
    token = login(client, auth, "dinas")
    assert client.get(f"/bimtek/{other_id}/scores/{people[0]}/pre").status_code == 404
    response = client.post(f"/bimtek/{other_id}/scores", data={"csrf_token": token, **rows(people[:1],
                                                                                            pre0="50")})
    assert response.status_code == 422 and "Peserta ini tidak terdaftar di sesi ini." in response.get_data(as_text=True)
    assert stored(people)[0] == (None, None)


def test_a_supervisor_sees_only_their_kecamatans_results_read_only(training, client, auth):
    sid, people = training
    siti, wati = db.session.get(Participant, people[0]), db.session.get(Participant, people[2])
    siti.pre_score, siti.post_score, wati.pre_score, wati.post_score = 40, 70, 10, 20
    db.session.commit()
    login(client, auth, "sup.wonosalam")
    page = client.get(f"/bimtek/{sid}").get_data(as_text=True)
    assert "1 peserta dengan kedua nilai" in page and 'class="num pre">10</dd>' in page
    assert f"/bimtek/{sid}/scores\"" not in page  # no link to enter scores
    assert client.get(f"/bimtek/{sid}/scores").status_code == 403
    body = client.get(f"/bimtek/{sid}/scores.csv", buffered=True).get_data(as_text=True)
    assert "Wati Wonosalam" in body and "Siti Diwek" not in body


def read_xlsx(data, name="Nilai"):
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [list(row) for row in book[name].iter_rows(values_only=True)]


def test_the_exports_hold_every_score_of_the_database_and_no_formula(training, client, auth):
    sid, people = training
    asked = add_questions(sid)
    token = login(client, auth, "dinas")
    client.post(f"/bimtek/{sid}/scores", data={"csrf_token": token, **rows(
        people, pre1="33,3", post1="66,7", pre2="50")})
    client.post(f"/bimtek/{sid}/scores/{people[0]}/pre", data=sheet(token, asked, [0, 1, 1, 1]))
    client.post(f"/bimtek/{sid}/scores/{people[0]}/post", data=sheet(token, asked, [0, 0, 0, 1]))
    xlsx = client.get(f"/bimtek/{sid}/scores.xlsx")
    assert xlsx.status_code == 200 and "siapkop-nilai-tes-2025-10-14" in xlsx.headers["Content-Disposition"]
    table = read_xlsx(xlsx.data)
    text = client.get(f"/bimtek/{sid}/scores.csv", buffered=True).get_data(as_text=True).lstrip("\ufeff")
    lines = list(csv.reader(io.StringIO(text)))
    assert table[0] == lines[0] and table[0][:9] == ["No", "Nama", "Jabatan", "Koperasi", "Desa/Kelurahan",
                                                     "Kecamatan", "Pre-test", "Post-test", "Selisih"]
    assert table[0][9:] == ["Tugas dan tanggung jawab pengurus serta pengawas (pre-test, %)",
                            "Tugas dan tanggung jawab pengurus serta pengawas (post-test, %)",
                            "Penguatan kelembagaan (pre-test, %)", "Penguatan kelembagaan (post-test, %)"]
    db.session.expire_all()
    by_name = {row[1]: row for row in table[1:]}
    assert len(by_name) == 3
    for participant in db.session.scalars(select(Participant).where(Participant.session_id == sid)):
        row = by_name[participant.person.name]
        cooperative = participant.cooperative
        assert row[3:6] == [cooperative.name, cooperative.village.name, cooperative.village.district.name]
        for value, expected in zip(row[6:9], (participant.pre_score, participant.post_score,
                                              None if None in (participant.pre_score, participant.post_score)
                                              else participant.post_score - participant.pre_score)):
            assert value == (None if expected is None else pytest.approx(round(expected, 1)))
    siti = by_name["Siti Diwek"]
    assert siti[6:] == [25, 75, 50, 50, 100, 0, 50]
    assert by_name["Wati Wonosalam"][2] == "Bendahara koperasi" and siti[2] == "Ketua"
    csv_rows = {line[1]: line for line in lines[1:]}
    for name, row in by_name.items():  # the CSV holds the same numbers, written with a point
        line = csv_rows["'" + name if name.startswith("=") else name]
        assert [float(cell) if cell else None for cell in line[6:]] == [
            None if cell is None else pytest.approx(cell) for cell in row[6:]]
    assert csv_rows["'=HYPERLINK(\"x\") Budi"][6:9] == ["33.3", "66.7", "33.4"]
    assert "=HYPERLINK(\"x\") Budi" in by_name  # a string in the XLSX, never a formula
    summary = read_xlsx(xlsx.data, "Ringkasan")
    near = lambda value: pytest.approx(value, abs=0.051)  # noqa: E731  (a mean rounded to one decimal)
    assert summary[1][:5] == ["Semua soal", 2, near(29.15), near(70.85), near(41.7)]
    assert client.get(f"/bimtek/{sid}/scores.pdf").status_code == 404


def test_pages_without_participants_or_questions_say_so(app, jombang, client, auth):
    publish(db.session, INSTRUMENT, SOURCE)
    session = BimtekSession(title="Kosong", held_on=date(2025, 10, 14), regency_code="35.17",
                            districts=[db.session.get(District, DIWEK)])
    db.session.add(session)
    db.session.commit()
    sid = session.id
    login(client, auth, "dinas")
    assert "Belum ada peserta terdaftar." in client.get(f"/bimtek/{sid}/scores").get_data(as_text=True)
    assert "Belum ada soal." in client.get(f"/bimtek/{sid}/test").get_data(as_text=True)
    page = client.get(f"/bimtek/{sid}").get_data(as_text=True)
    assert "Belum ada peserta dengan nilai pre-test dan post-test." in page and "0 peserta dengan kedua nilai" in page
    assert read_xlsx(client.get(f"/bimtek/{sid}/scores.xlsx").data)[1:] == []




# --- On the phone ------------------------------------------------------------------------------------------------


@pytest.mark.browser
def test_the_dinas_types_two_scores_on_a_phone_and_sees_the_means(live_server, page, shot):
    from tests.test_browser import log_in, publish_default_instrument
    publish_default_instrument(live_server)
    with live_server.app.app_context():
        session = BimtekSession(title="Bimtek Diwek", held_on=date(2025, 10, 14), regency_code="35.17",
                                districts=[db.session.get(District, DIWEK)])
        first, second = cooperatives_of(DIWEK, 2)
        register(session, first, "Siti Diwek")
        register(session, second, "Budi Diwek", position="pengurus:bendahara")
        db.session.add(session)
        db.session.commit()
        sid, people = session.id, [p.id for p in session.participants]
    log_in(page, live_server, "dinas")
    page.goto(f"{live_server.url}/bimtek/{sid}")
    page.get_by_role("link", name="Isi nilai").click()
    page.get_by_label("pre-test Siti Diwek").fill("40")
    page.get_by_label("post-test Siti Diwek").fill("100,5")
    page.get_by_label("pre-test Budi Diwek").fill("60")
    page.get_by_label("post-test Budi Diwek").fill("85")
    page.get_by_role("button", name="Simpan nilai").click()
    expect(page.get_by_role("alert")).to_contain_text("Nilai post-test Siti Diwek melebihi nilai maksimum (100).")
    shot(page, "refused")
    assert blocking(page) == []
    with live_server.app.app_context():
        assert [(p.pre_score, p.post_score) for p in map(lambda i: db.session.get(Participant, i), people)] == [
            (None, None), (None, None)]
    page.get_by_label("post-test Siti Diwek").fill("72,5")
    page.get_by_role("button", name="Simpan nilai").click()
    expect(page.get_by_text("Nilai disimpan.")).to_be_visible()
    expect(page.get_by_label("post-test Siti Diwek")).to_have_value("72,5")
    shot(page, "saved")
    with live_server.app.app_context():
        assert [(p.pre_score, p.post_score) for p in map(lambda i: db.session.get(Participant, i), people)] == [
            (40, 72.5), (60, 85)]
    page.goto(f"{live_server.url}/bimtek/{sid}")
    results = page.locator("#test-results")
    expect(results).to_contain_text("2 peserta dengan kedua nilai")
    expect(results.locator("#result-all .pre")).to_have_text("50")  # (40 + 60) / 2
    expect(results.locator("#result-all .post")).to_have_text("78,8")  # (72,5 + 85) / 2 = 78,75
    expect(results.locator("#result-all .gain")).to_have_text("28,8")
    results.scroll_into_view_if_needed()
    shot(page, "session")


@pytest.mark.browser
def test_the_dinas_writes_a_test_and_fills_an_answer_sheet_on_a_phone(live_server, page, shot):
    from tests.test_browser import log_in, publish_default_instrument
    publish_default_instrument(live_server)
    with live_server.app.app_context():
        session = BimtekSession(title="Bimtek Diwek", held_on=date(2025, 10, 14), regency_code="35.17",
                                districts=[db.session.get(District, DIWEK)])
        register(session, cooperatives_of(DIWEK, 1)[0], "Siti Diwek")
        db.session.add(session)
        db.session.commit()
        sid, siti = session.id, session.participants[0].id
    log_in(page, live_server, "dinas")
    page.goto(f"{live_server.url}/bimtek/{sid}")
    page.get_by_role("link", name="Soal tes").click()
    for text, options, right, topic in [("Siapa mengawasi pengurus?", ["Pengawas", "Anggota"], "A",
                                         "Tugas dan tanggung jawab pengurus serta pengawas"),
                                        ("Kapan RAT?", ["Tiap tahun", "Tidak pernah", "Lima tahun"], "A",
                                         "Penguatan kelembagaan")]:
        page.get_by_role("link", name="Tambah soal").click()
        page.get_by_label("Topik pelatihan").select_option(label=topic)
        page.get_by_label("Soal", exact=True).fill(text)
        for letter, option in zip("ABC", options):
            page.get_by_label(f"Pilihan {letter}").fill(option)
        page.locator("fieldset").get_by_label(right, exact=True).check()
        page.get_by_role("button", name="Simpan soal").click()
        expect(page.locator(".flash.success")).to_contain_text("disimpan")
    shot(page, "questions")
    page.get_by_role("link", name="Isi nilai").click()
    page.locator(f"#participant-{siti}").get_by_role("link", name="isi lembar jawaban").first.click()
    page.get_by_label("A. Pengawas").check()
    page.get_by_label("B. Tidak pernah").check()
    shot(page, "sheet")
    assert blocking(page) == []
    page.get_by_role("button", name="Simpan lembar jawaban").click()
    expect(page.locator(".flash.success")).to_have_text(
        "Lembar jawaban pre-test Siti Diwek disimpan: 1 dari 2 benar, nilai 50.")
    expect(page.locator(f"#participant-{siti} .sheet-score")).to_have_text("50")
    with live_server.app.app_context():
        assert db.session.get(Participant, siti).pre_score == 50
    # deleting the second question asks first (the browser's dialog), then scores the sheet again
    page.goto(f"{live_server.url}/bimtek/{sid}/test")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Hapus soal 2").click()
    expect(page.locator(".flash.success")).to_have_text("Soal 2 dihapus.")
    with live_server.app.app_context():
        assert db.session.get(Participant, siti).pre_score == 100
        assert [q.number for q in db.session.get(BimtekSession, sid).questions] == [1]


def blocking(page):
    """The page's critical or serious axe violations (see tests/test_accessibility.py)."""
    from tests.test_accessibility import BLOCKING, axe_violations
    return [v for v in axe_violations(page) if v["impact"] in BLOCKING]
