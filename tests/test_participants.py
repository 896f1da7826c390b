"""Registering a Bimtek session's participants, its coverage, the cooperative's Bimtek history, and the
participants export, over HTTP."""
import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.bimtek.models import Attendance, BimtekSession, Participant, Person, TestAnswer, TestQuestion
from app.cooperatives.models import Cooperative, Officer
from app.cooperatives.seed import seed_cooperatives
from app.extensions import db
from app.regions.files import read_regions
from app.regions.models import District, Village
from app.regions.store import save_regions
from app.auth.models import User
from app.roles import SUPERVISOR
from tests.support import DIWEK, PASSWORD_HASH, REGIONS_DIR, WONOSALAM, add_user
from tests.world import snapshot

NIK = "3517084507850001"
PACET = "35.16.03"


def cooperatives_of(district, n=3):
    return db.session.scalars(select(Cooperative).join(Cooperative.village).where(Village.district_code == district)
                              .order_by(Village.name).limit(n)).all()


@pytest.fixture
def training(jombang):
    """A 2-day session for Diwek, three Diwek cooperatives with a ketua, sekretaris and ketua pengawas each,
    and one Wonosalam cooperative with officers."""
    session = BimtekSession(title="Bimtek Diwek", held_on=date(2025, 10, 14), ends_on=date(2025, 10, 15),
                            regency_code="35.17", districts=[db.session.get(District, DIWEK)])
    db.session.add(session)
    coops = cooperatives_of(DIWEK) + cooperatives_of(WONOSALAM, 1)
    for n, cooperative in enumerate(coops):
        cooperative.officers = [Officer(role="pengurus:ketua", name=f"Ketua {n}", phone="0812 1"),
                                Officer(role="pengurus:sekretaris", name=f"Sekretaris {n}"),
                                Officer(role="pengawas:ketua", name=f"Pengawas {n}")]
    db.session.commit()
    return session.id, [c.id for c in coops]


def officer_ids(cooperative_id, *roles):
    return [db.session.scalar(select(Officer.id).where(Officer.cooperative_id == cooperative_id,
                                                       Officer.role == role)) for role in roles]


def post(client, auth, session_id, **data):
    url = f"/bimtek/{session_id}/participants"
    return client.post(url, data={"csrf_token": auth.token(url), **data})


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def new_session(title, district=DIWEK):
    session = BimtekSession(title=title, held_on=date(2026, 3, 2), regency_code=district[:5],
                            districts=[db.session.get(District, district)])
    db.session.add(session)
    db.session.commit()
    return session.id


def test_admin_registers_officers_and_a_new_person(client, auth, training):
    session_id, (first, second, *_) = training
    auth.login("dinas")
    page = client.get(f"/bimtek/{session_id}/participants").get_data(as_text=True)
    assert "Kec. Diwek" in page and "Ketua 0 · Ketua" in page and "Orang baru" in page
    assert "Ketua 3" not in page  # the Wonosalam cooperative is not of the session
    assert 'required' not in page.split('name="officers"')[1].split(">")[0]
    ketua, sekretaris = officer_ids(first, "pengurus:ketua", "pengurus:sekretaris")
    response = post(client, auth, session_id, cooperative=first, officers=[ketua, sekretaris])
    assert response.status_code == 302, response.get_data(as_text=True)[:4000]
    assert response.headers["Location"].endswith(f"#koperasi-{first}")
    response = post(client, auth, session_id, cooperative=second, name="Siti Aminah", position="lainnya",
                    position_other="Manajer Usaha", phone="0812 3000", nik="3517 0845 0785 0001")
    assert response.status_code == 302
    rows = db.session.execute(select(Participant.cooperative_id, Participant.position, Person.name, Person.officer_id,
                                     Person.nik).join(Participant.person).order_by(Participant.id)).all()
    assert rows == [(first, "pengurus:ketua", "Ketua 0", ketua, None),
                    (first, "pengurus:sekretaris", "Sekretaris 0", sekretaris, None),
                    (second, "Manajer Usaha", "Siti Aminah", None, NIK)]
    page = client.get(f"/bimtek/{session_id}/participants", follow_redirects=True).get_data(as_text=True)
    assert f'value="{ketua}" checked disabled' in page and "Ketua 0 · Ketua (terdaftar)" in page


def test_flash_says_how_many_were_registered(client, auth, training):
    session_id, (first, *_) = training
    auth.login("dinas")
    ketua, = officer_ids(first, "pengurus:ketua")
    page = client.post(f"/bimtek/{session_id}/participants", follow_redirects=True, data={
        "csrf_token": auth.token(f"/bimtek/{session_id}/participants"), "cooperative": first, "officers": [ketua]})
    assert "1 peserta didaftarkan." in page.get_data(as_text=True)


def test_a_person_is_one_across_sessions_by_officer_record_or_nik(client, auth, training):
    session_id, (first, second, *_) = training
    auth.login("dinas")
    ketua, = officer_ids(first, "pengurus:ketua")
    post(client, auth, session_id, cooperative=first, officers=[ketua])
    post(client, auth, session_id, cooperative=second, name="Siti", position="pengurus:bendahara", nik=NIK)
    later = new_session("Bimtek Lanjutan")
    db.session.get(Officer, ketua).phone = "0813 999"
    db.session.commit()
    assert post(client, auth, later, cooperative=first, officers=[ketua]).status_code == 302
    assert post(client, auth, later, cooperative=second, name="Siti Aminah", position="pengurus:bendahara",
                phone="0857 1", nik=NIK).status_code == 302
    assert count(Person) == 2 and count(Participant) == 4
    siti = db.session.scalar(select(Person).where(Person.nik == NIK))
    assert (siti.name, siti.phone) == ("Siti Aminah", "0857 1")
    assert db.session.scalar(select(Person.phone).where(Person.officer_id == ketua)) == "0813 999"


@pytest.mark.parametrize("nik, message", [
    ("351708450785000", "NIK harus 16 angka."),
    ("35170845078500012", "NIK harus 16 angka."),
    ("3517O84507850001", "NIK harus 16 angka."),
    ("0017084507850001", "Enam angka pertama NIK harus kode kecamatan (kode provinsi 11 sampai 96)."),
    ("3517083207850001", "Angka ke-7 sampai ke-12 NIK harus tanggal lahir"),
    ("3517084507850000", "Empat angka terakhir NIK tidak boleh 0000."),
])
def test_a_bad_nik_gets_a_message_and_changes_nothing(client, auth, training, tmp_path, nik, message):
    session_id, (first, *_) = training
    auth.login("dinas")
    before = snapshot(tmp_path)
    response = post(client, auth, session_id, cooperative=first, name="Siti", position="pengurus:bendahara", nik=nik)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and f'id="nik-{first}-error"' in page and "open" in page.split(f'koperasi-{first}')[1][:2000]
    assert snapshot(tmp_path) == before


def test_the_nik_message_in_english(client, auth, training):
    session_id, (first, *_) = training
    auth.login("dinas")
    client.post("/language/en", data={"csrf_token": auth.token()})
    response = post(client, auth, session_id, cooperative=first, name="Siti", position="pengurus:ketua",
                    nik="351708450785000")
    assert response.status_code == 422 and "The NIK must be 16 digits." in response.get_data(as_text=True)


def refused(client, auth, session_id, tmp_path, message, **data):
    """Post `data`; assert the message came back with 422 and nothing changed."""
    before = snapshot(tmp_path)
    response = post(client, auth, session_id, **data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422, response.status_code
    assert message in page, page[:3000]
    assert snapshot(tmp_path) == before


def test_another_regencys_or_kecamatans_cooperative_is_refused(app, client, auth, training, tmp_path):
    save_regions(db.session, read_regions(REGIONS_DIR, "35.16"))
    seed_cooperatives(db.session, "35.16")
    db.session.commit()
    cooperative = cooperatives_of(PACET, 1)[0]
    cooperative.officers = [Officer(role="pengurus:ketua", name="Ketua Pacet")]
    db.session.commit()
    pacet, pacet_ketua = cooperative.id, cooperative.officers[0].id
    session_id, (first, _, _, wonosalam) = training
    auth.login("dinas")
    message = "Koperasi ini tidak termasuk kecamatan sesi ini."
    refused(client, auth, session_id, tmp_path, message, cooperative=pacet, officers=[pacet_ketua])
    refused(client, auth, session_id, tmp_path, message, cooperative=pacet, name="Orang Pacet",
            position="pengurus:ketua")
    refused(client, auth, session_id, tmp_path, message, cooperative=wonosalam,
            officers=officer_ids(wonosalam, "pengurus:ketua"))
    refused(client, auth, session_id, tmp_path, message, cooperative="x", name="Siapa", position="pengurus:ketua")
    refused(client, auth, session_id, tmp_path, "Pengurus atau pengawas yang dipilih bukan dari koperasi ini.",
            cooperative=first, officers=officer_ids(wonosalam, "pengurus:ketua"))
    refused(client, auth, session_id, tmp_path, "Pilihan tidak valid.", cooperative=first, officers=["abc"])


def test_a_second_registration_of_the_same_person_is_refused(client, auth, training, tmp_path):
    session_id, (first, second, *_) = training
    auth.login("dinas")
    ketua, = officer_ids(first, "pengurus:ketua")
    post(client, auth, session_id, cooperative=first, officers=[ketua])
    post(client, auth, session_id, cooperative=second, name="Siti", position="pengurus:bendahara", nik=NIK)
    post(client, auth, session_id, cooperative=second, name="Budi", position="pengurus:ketua")
    assert count(Participant) == 3
    refused(client, auth, session_id, tmp_path, "Ketua 0 sudah terdaftar di sesi ini.", cooperative=first,
            officers=[ketua])
    refused(client, auth, session_id, tmp_path, "Siti Aminah sudah terdaftar di sesi ini.", cooperative=second,
            name="Siti Aminah", position="pengurus:bendahara", nik=NIK)
    refused(client, auth, session_id, tmp_path, "budi sudah terdaftar di sesi ini.", cooperative=second,
            name="budi", position="pengurus:ketua")
    refused(client, auth, session_id, tmp_path, "NIK ini sudah tercatat untuk orang dari koperasi lain.",
            cooperative=first, name="Siti", position="pengurus:bendahara", nik=NIK)
    sekretaris, = officer_ids(first, "pengurus:sekretaris")  # ticked, and typed again as a new person
    refused(client, auth, session_id, tmp_path, "sekretaris 0 sudah terdaftar di sesi ini.", cooperative=first,
            officers=[sekretaris], name="sekretaris 0", position="pengurus:sekretaris")
    refused(client, auth, session_id, tmp_path, "Ketua 0 sudah terdaftar di sesi ini.", cooperative=first,
            name="Ketua 0", position="pengurus:ketua")


def test_an_officer_and_a_new_person_with_their_nik_in_one_form_are_one(client, auth, training, tmp_path):
    session_id, (first, *_) = training
    auth.login("dinas")
    ketua, sekretaris = officer_ids(first, "pengurus:ketua", "pengurus:sekretaris")
    post(client, auth, session_id, cooperative=first, name="Ketua Nol", position="pengurus:ketua", nik=NIK)
    person = db.session.scalar(select(Person))
    person.officer_id, person.cooperative_id = ketua, first  # the Dinas's new person was the ketua all along
    db.session.execute(Participant.__table__.delete())
    db.session.commit()
    refused(client, auth, session_id, tmp_path, "Ketua 0 sudah terdaftar di sesi ini.", cooperative=first,
            officers=[ketua, sekretaris], name="Ketua 0", position="pengurus:ketua", nik=NIK)


def test_a_registration_made_meanwhile_on_another_screen_is_refused(client, auth, training, tmp_path, monkeypatch):
    session_id, (first, *_) = training
    auth.login("dinas")
    ketua, = officer_ids(first, "pengurus:ketua")
    post(client, auth, session_id, cooperative=first, officers=[ketua])
    # the other screen's check ran before this one's registration was saved: only the database can tell
    monkeypatch.setattr("app.bimtek.people.already_registered", lambda *args: False)
    refused(client, auth, session_id, tmp_path, "Peserta ini baru saja didaftarkan dari layar lain.",
            cooperative=first, officers=[ketua])
    assert count(Participant) == 1


def test_an_empty_or_half_filled_form_says_what_is_missing(client, auth, training, tmp_path):
    session_id, (first, *_) = training
    auth.login("dinas")
    refused(client, auth, session_id, tmp_path, "Centang pengurus/pengawas atau isi nama orang baru.",
            cooperative=first)
    refused(client, auth, session_id, tmp_path, "Pilih jabatan orang baru.", cooperative=first, name="Siti")
    refused(client, auth, session_id, tmp_path, "Tulis jabatannya.", cooperative=first, name="Siti",
            position="lainnya")


def test_only_the_dinas_registers(client, auth, training):
    session_id, (first, *_) = training
    for username in ("supervisor", "fas.diwek"):
        auth.login(username)
        assert client.get(f"/bimtek/{session_id}/participants").status_code == 403
        assert post(client, auth, session_id, cooperative=first, name="X", position="pengurus:ketua").status_code \
            == 403
    assert count(Participant) == 0


def test_removing_a_participant_asks_first_and_takes_their_attendance_and_answers(client, auth, training):
    session_id, (first, *_) = training
    auth.login("dinas")
    ketua, sekretaris = officer_ids(first, "pengurus:ketua", "pengurus:sekretaris")
    post(client, auth, session_id, cooperative=first, officers=[ketua, sekretaris])
    participant = db.session.scalar(select(Participant).order_by(Participant.id))
    question = TestQuestion(session_id=session_id, number=1, topic_code="x", text="?", options=["a", "b"], answer=0)
    db.session.add(question)
    db.session.flush()
    db.session.add_all([Attendance(participant_id=participant.id, day=date(2025, 10, 14), present=True),
                        TestAnswer(participant_id=participant.id, question_id=question.id, phase="pre", choice=0)])
    db.session.commit()
    url = f"/bimtek/{session_id}/participants/{participant.id}/remove"
    asked = client.post(url, data={"csrf_token": auth.token()})
    assert asked.status_code == 200 and "Hapus Ketua 0 dari peserta sesi ini?" in asked.get_data(as_text=True)
    assert count(Participant) == 2
    done = client.post(url, data={"csrf_token": auth.token(), "confirmed": "y"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"#koperasi-{first}")
    assert count(Participant) == 1 and count(Attendance) == 0 and count(TestAnswer) == 0
    assert count(Person) == 2  # the person stays, for their other sessions
    assert client.post(url, data={"csrf_token": auth.token(), "confirmed": "y"}).status_code == 404
    other = new_session("Bimtek Lain")
    remaining = db.session.scalar(select(Participant.id))
    assert client.post(f"/bimtek/{other}/participants/{remaining}/remove",
                       data={"csrf_token": auth.token(), "confirmed": "y"}).status_code == 404


def register_some(client, auth, training):
    """Ketua and sekretaris of the first, the ketua pengawas of the second, a new person in the third."""
    session_id, (first, second, third, _) = training
    auth.login("dinas")
    post(client, auth, session_id, cooperative=first, officers=officer_ids(first, "pengurus:ketua",
                                                                           "pengurus:sekretaris"))
    post(client, auth, session_id, cooperative=second, officers=officer_ids(second, "pengawas:ketua"))
    post(client, auth, session_id, cooperative=third, name="=HYPERLINK(\"http://x\")", position="lainnya",
         position_other="Manajer Usaha", phone="+62 812", nik=NIK)
    participant = db.session.scalar(select(Participant).order_by(Participant.id))
    db.session.add_all([Attendance(participant_id=participant.id, day=date(2025, 10, 14), present=True),
                        Attendance(participant_id=participant.id, day=date(2025, 10, 15), present=False)])
    db.session.commit()
    return session_id, first, second, third


def test_the_session_page_shows_the_coverage(client, auth, training):
    session_id, first, second, third = register_some(client, auth, training)
    ids = db.session.scalars(select(Cooperative.id).join(Cooperative.village)
                             .where(Village.district_code == DIWEK)).all()
    page = client.get(f"/bimtek/{session_id}").get_data(as_text=True)
    assert "4 peserta" in page
    assert f"3 dari {len(ids)} koperasi mengirim peserta" in page
    assert f"Belum ada peserta: {len(ids) - 3} koperasi" in page
    assert "Ada peserta, tetapi kurang dari 2 pengurus: 2 koperasi" in page
    few = page.split('id="few-pengurus"')[1].split("</details>")[0]
    assert f"/cooperatives/{second}" in few and f"/cooperatives/{third}" in few and f"/cooperatives/{first}" not in few
    without = page.split('id="without"')[1].split("</details>")[0]
    assert without.count("<li>") == len(ids) - 3 and f"/cooperatives/{first}\"" not in without
    assert "Daftarkan peserta" in page and "Unduh peserta (Excel)" in page


def test_a_supervisor_sees_only_their_kecamatans_participants(client, auth, training):
    session_id, first, *_ = register_some(client, auth, training)
    session = db.session.get(BimtekSession, session_id)
    session.districts.append(db.session.get(District, WONOSALAM))
    db.session.commit()
    wonosalam = training[1][3]
    post(client, auth, session_id, cooperative=wonosalam, officers=officer_ids(wonosalam, "pengurus:ketua"))
    assert "5 peserta" in client.get(f"/bimtek/{session_id}").get_data(as_text=True)
    auth.login("supervisor")  # Diwek and Wonosalam
    page = client.get(f"/bimtek/{session_id}").get_data(as_text=True)
    assert "5 peserta" in page and "Ketua 3" in page and "Daftarkan peserta" not in page
    add_user("sup.wono", SUPERVISOR, (WONOSALAM,))
    db.session.commit()
    auth.login("sup.wono")
    page = client.get(f"/bimtek/{session_id}").get_data(as_text=True)
    assert "1 peserta" in page and "Ketua 3" in page and "Ketua 0" not in page
    xlsx = load_workbook(io.BytesIO(client.get(f"/bimtek/{session_id}/participants.xlsx").get_data()))
    assert [row[1] for row in xlsx.active.iter_rows(min_row=2, values_only=True)] == ["Ketua 3"]
    auth.login("fas.diwek")
    assert client.get(f"/bimtek/{session_id}").status_code == 403


def test_the_cooperative_page_shows_its_bimtek_history(client, auth, training):
    session_id, first, *_ = register_some(client, auth, training)
    page = client.get(f"/cooperatives/{first}").get_data(as_text=True)
    history = page.split("Riwayat Bimtek")[1].split("<h2>")[0]
    assert "Ketua 0" in history and "Sekretaris 0" in history and "14 Oktober 2025 – 15 Oktober 2025" in history
    assert "hadir 1 dari 2 hari" in history and history.count("hadir ") == 1  # the sekretaris: no attendance yet
    assert f'href="/bimtek/{session_id}"' in history
    auth.login("fas.diwek")  # facilitators see the history, not the session
    history = client.get(f"/cooperatives/{first}").get_data(as_text=True).split("Riwayat Bimtek")[1]
    assert "Ketua 0" in history and "Bimtek Diwek" in history and f"/bimtek/{session_id}" not in history
    auth.login("dinas")
    empty = client.get(f"/cooperatives/{training[1][3]}").get_data(as_text=True)
    assert "Belum ada yang mengikuti Bimtek." in empty


def test_the_participants_export_reads_back(client, auth, training):
    session_id, first, second, third = register_some(client, auth, training)
    response = client.get(f"/bimtek/{session_id}/participants.xlsx")
    assert response.status_code == 200 and "siapkop-peserta-2025-10-14-bimtek-diwek.xlsx" in \
        response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("No", "Nama", "Jabatan", "Koperasi", "Desa/Kelurahan", "Kecamatan", "Telepon", "NIK",
                       "Hari hadir (dari 2)")
    coop = {c.id: c for c in db.session.scalars(select(Cooperative).where(Cooperative.id.in_([first, second, third])))}
    assert rows[1] == (1, "Ketua 0", "Ketua", coop[first].name, coop[first].village.name, "Diwek", "0812 1", None, 1)
    assert rows[2][1:3] == ("Sekretaris 0", "Sekretaris") and rows[2][8] == 0
    assert rows[3][1:3] == ("Pengawas 1", "Ketua Pengawas")
    assert rows[4][1:3] == ('=HYPERLINK("http://x")', "Manajer Usaha") and rows[4][6:8] == ("+62 812", NIK)
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)  # no formula
    text = client.get(f"/bimtek/{session_id}/participants.csv", buffered=True).get_data(as_text=True)
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert lines[4][1] == "'=HYPERLINK(\"http://x\")" and lines[4][6] == "'+62 812" and len(lines) == 5
    auth.login("supervisor")  # no NIK column for a supervisor
    sheet = load_workbook(io.BytesIO(client.get(f"/bimtek/{session_id}/participants.xlsx").get_data())).active
    header = next(sheet.iter_rows(values_only=True))
    assert "NIK" not in header and len(header) == 8
    assert NIK not in client.get(f"/bimtek/{session_id}/participants.csv", buffered=True).get_data(as_text=True)
    assert client.get(f"/bimtek/{session_id}/participants.pdf").status_code == 404
    auth.login("fas.diwek")
    assert client.get(f"/bimtek/{session_id}/participants.xlsx").status_code == 403


def test_demo_load_gives_the_demo_session_participants_once(app, runner, client, auth):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    session = db.session.scalar(select(BimtekSession))
    assert session.held_on == date(2025, 10, 14) and session.ends_on == date(2025, 10, 15)
    participants = session.participants
    assert len(participants) == 13 and "Bimtek 14-10-2025: 13 participants." in result.output
    by_district = {}
    for participant in participants:
        by_district.setdefault(participant.cooperative.village.district_code, set()).add(participant.cooperative_id)
    assert {k: len(v) for k, v in by_district.items()} == {DIWEK: 3, WONOSALAM: 3}
    newcomer = [p for p in participants if p.person.officer_id is None]
    assert [(p.person.name, p.person.nik) for p in newcomer] == [("Siti Aminah", NIK)]
    assert sum(p.position.startswith("pengurus:") for p in participants) == 12
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0 and "13 participants." in again.output
    db.session.expire_all()
    assert count(Participant) == 13 and count(Person) == 13
    db.session.scalar(select(User).where(User.username == "dinas")).password_hash = PASSWORD_HASH
    session_id = session.id
    db.session.commit()
    auth.login("dinas")  # what `make run` shows a new user
    page = client.get(f"/bimtek/{session_id}").get_data(as_text=True)
    assert "13 peserta" in page and "14 Oktober 2025 – 15 Oktober 2025" in page
    assert "Siti Aminah" in page and "Manajer Usaha" in page
    assert "Ada peserta, tetapi kurang dari 2 pengurus: 0 koperasi" in page


HTMX = {"HX-Request": "true"}


def test_with_htmx_the_cooperatives_section_alone_comes_back(client, auth, training, tmp_path):
    session_id, (first, second, *_) = training
    auth.login("dinas")
    url = f"/bimtek/{session_id}/participants"
    ketua, = officer_ids(first, "pengurus:ketua")
    response = client.post(url, headers=HTMX, data={"csrf_token": auth.token(url), "cooperative": first,
                                                    "officers": [ketua]})
    section = response.get_data(as_text=True)
    assert response.status_code == 200
    assert section.lstrip().startswith(f'<section class="register" id="koperasi-{first}"')
    assert "<html" not in section and "1 peserta didaftarkan." in section and "Ketua 0 · Ketua (terdaftar)" in section
    assert count(Participant) == 1
    before = snapshot(tmp_path)
    response = client.post(url, headers=HTMX, data={"csrf_token": auth.token(url), "cooperative": second,
                                                    "name": "Siti", "position": "pengurus:ketua", "nik": "123"})
    section = response.get_data(as_text=True)
    assert response.status_code == 422 and f'id="koperasi-{second}"' in section and "<html" not in section
    assert "NIK harus 16 angka." in section and 'value="Siti"' in section and snapshot(tmp_path) == before
    response = client.post(url, headers=HTMX, data={"csrf_token": auth.token(url), "cooperative": "0",
                                                    "name": "Siti", "position": "pengurus:ketua"})
    assert response.status_code == 422 and "<html" in response.get_data(as_text=True)  # no section to put it in
    assert "Koperasi ini tidak termasuk kecamatan sesi ini." in response.get_data(as_text=True)
    participant = db.session.scalar(select(Participant.id))
    response = client.post(f"/bimtek/{session_id}/participants/{participant}/remove", headers=HTMX,
                           data={"csrf_token": auth.token(url), "confirmed": "y"})
    section = response.get_data(as_text=True)
    assert response.status_code == 200 and f'id="koperasi-{first}"' in section and "<html" not in section
    assert "Ketua 0 dihapus dari peserta sesi ini." in section and "(terdaftar)" not in section
    assert count(Participant) == 0
