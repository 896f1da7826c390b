"""The whole training loop in the real browser, for the 14-15 October 2025 session of Diwek and Wonosalam:
the Dinas registers participants (officers and a new person), takes attendance on both days (one
cooperative's on day 2 without signal), types the pre-test and post-test scores and proposes follow-up plans;
the facilitator marks two actions done at a later visit on a phone. Then every number on the session page and
in each export is checked against the database."""
import csv
import io
from dataclasses import dataclass
from datetime import date

import openpyxl
import pytest
from flask import render_template_string
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.bimtek.models import Attendance, BimtekSession, Participant, Person
from app.cooperatives.models import Cooperative, Officer
from app.extensions import db
from app.followup.models import DONE, FollowupAction
from app.instruments.models import publish
from app.regions.models import District, Village
from tests.support import BEST, DIWEK, INSTRUMENT, SOURCE, WONOSALAM
from tests.test_browser import log_in, no_signal, signal_back
from tests.test_followup import WEAKENED, approved_visit, cooperatives_of
from tests.test_offline import controlled_by_the_worker

pytestmark = pytest.mark.browser

TITLE = "Bimtek Tata Kelola Koperasi Desa/Kelurahan Merah Putih"  # the demo's session (app/demo)
DAYS = (date(2025, 10, 14), date(2025, 10, 15))
NIK = "3517084507850001"
# name -> (pre-test, post-test) as typed from paper; Siti missed the post-test
SCORES = {"Slamet Riyadi": ("40", "80"), "Sri Wahyuni": ("55,5", "70"), "Budi Santoso": ("60", "90"),
          "Rina Wati": ("35", "60"), "Siti Aminah": ("50", "")}


@dataclass
class Loop:
    session: int
    diwek: int  # the Diwek cooperative: its ketua and its ketua pengawas come
    wonosalam: int  # the Wonosalam cooperative: its ketua, its sekretaris and a new person come


def build(app):
    """The session as the demo has it (no participants yet), two cooperatives with officers, each with an
    approved assessment before the session that is weak in some sections."""
    with app.app_context():
        publish(db.session, INSTRUMENT, SOURCE)
        diwek, wonosalam = cooperatives_of(DIWEK, 1)[0], cooperatives_of(WONOSALAM, 1)[0]
        diwek.officers = [Officer(role="pengurus:ketua", name="Slamet Riyadi", phone="0812 1111 222"),
                          Officer(role="pengurus:sekretaris", name="Dewi Lestari"),
                          Officer(role="pengawas:ketua", name="Sri Wahyuni")]
        wonosalam.officers = [Officer(role="pengurus:ketua", name="Budi Santoso", phone="0813 2222 333"),
                              Officer(role="pengurus:sekretaris", name="Rina Wati")]
        session = BimtekSession(title=TITLE, held_on=DAYS[0], ends_on=DAYS[1], venue="Ruang Bung Tomo",
                                regency_code="35.17", districts=[db.session.get(District, DIWEK),
                                                                 db.session.get(District, WONOSALAM)])
        db.session.add(session)
        db.session.commit()
        for cooperative in (diwek, wonosalam):
            approved_visit(cooperative, {**BEST, **WEAKENED})
        db.session.commit()
        return Loop(session.id, diwek.id, wonosalam.id)


def participants(app):
    """{name: participant id}, as registered."""
    with app.app_context():
        return dict(db.session.execute(select(Person.name, Participant.id).join(Participant.person)).all())


def attendance(app):
    """{(name, day): present}, as stored."""
    with app.app_context():
        return {(name, day): present for name, day, present in db.session.execute(
            select(Person.name, Attendance.day, Attendance.present).join(Attendance.participant)
            .join(Participant.person))}


def shown(app, value, places=1):
    """`value` as the Indonesian page shows a decimal."""
    with app.test_request_context(headers={"Accept-Language": "id"}):
        return render_template_string("{{ value|decimal(places) }}", value=value, places=places)


def register(page, loop):
    page.get_by_role("link", name="Daftarkan peserta").click()
    section = page.locator(f"#koperasi-{loop.diwek}")
    section.get_by_label("Slamet Riyadi · Ketua", exact=True).check()
    section.get_by_label("Sri Wahyuni · Ketua Pengawas", exact=True).check()
    section.get_by_role("button", name="Daftarkan").click()
    expect(section.get_by_role("status")).to_have_text("2 peserta didaftarkan.")
    section = page.locator(f"#koperasi-{loop.wonosalam}")
    section.get_by_label("Budi Santoso · Ketua", exact=True).check()
    section.get_by_label("Rina Wati · Sekretaris", exact=True).check()
    section.get_by_text("Orang baru").click()
    section.get_by_label("Nama").fill("Siti Aminah")
    section.get_by_label("Jabatan", exact=True).select_option(label="Bendahara")
    section.get_by_label("Telepon").fill("0812 3000 1985")
    section.get_by_label("NIK (tidak wajib)").fill(NIK)
    section.get_by_role("button", name="Daftarkan").click()
    expect(section.get_by_role("status")).to_have_text("3 peserta didaftarkan.")


def tap(page, participant, status):
    page.locator(f"#p-{participant} button").click()
    expect(page.locator(f"#p-{participant} .status")).to_have_text(status, timeout=15000)


def take_attendance(page, live_server, loop, ids):
    """Day 1 with signal, everyone; day 2 Budi with signal, then the Diwek cooperative's two without."""
    page.goto(f"{live_server.url}/bimtek/{loop.session}")
    page.get_by_role("link", name="Hari 1 · 14 Oktober 2025").click()
    for name in ids:
        tap(page, ids[name], "Terkirim")
    page.get_by_role("link", name="Hari 2").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Daftar hadir hari ke-2")
    tap(page, ids["Budi Santoso"], "Terkirim")
    no_signal(page)
    for name in ("Slamet Riyadi", "Sri Wahyuni"):
        tap(page, ids[name], "Menunggu dikirim")
    expect(page.locator("#outbox")).to_contain_text("2 perubahan belum terkirim")
    assert {key for key in attendance(live_server.app) if key[1] == DAYS[1]} == {("Budi Santoso", DAYS[1])}
    signal_back(page)
    for name in ("Slamet Riyadi", "Sri Wahyuni"):
        expect(page.locator(f"#p-{ids[name]} .status")).to_have_text("Terkirim", timeout=20000)
    expect(page.locator("#outbox")).to_be_hidden()


def type_scores(page, live_server, loop):
    page.goto(f"{live_server.url}/bimtek/{loop.session}")
    page.get_by_role("link", name="Isi nilai").click()
    for name, (pre, post) in SCORES.items():
        page.get_by_label(f"pre-test {name}").fill(pre)
        page.get_by_label(f"post-test {name}").fill(post)
    page.get_by_role("button", name="Simpan nilai").click()
    expect(page.get_by_text("Nilai disimpan.")).to_be_visible()


def propose_plans(page, live_server, loop):
    page.goto(f"{live_server.url}/bimtek/{loop.session}")
    page.get_by_role("button", name="Usulkan rencana dari penilaian").click()
    expect(page.locator(".flash.success")).to_contain_text("tindakan baru diusulkan")
    with live_server.app.app_context():
        made = db.session.scalar(select(func.count()).select_from(FollowupAction))
    assert made > 0
    expect(page.get_by_text(f"{made} tindakan baru diusulkan.")).to_be_visible()


def mark_two_done(browser, browser_context_args, live_server, loop):
    """The facilitator of Diwek, at a later visit, on a phone of their own."""
    context = browser.new_context(**browser_context_args)
    phone = context.new_page()
    log_in(phone, live_server, "fas.diwek")
    phone.goto(f"{live_server.url}/cooperatives/{loop.diwek}")
    with live_server.app.app_context():
        first, second = db.session.scalars(select(FollowupAction.id).where(
            FollowupAction.cooperative_id == loop.diwek).order_by(FollowupAction.id).limit(2)).all()
    for action in (first, second):
        phone.locator(f"#action-{action}").get_by_role("button", name="Selesai").click()
        expect(phone.locator(f"#action-{action} .status")).to_have_text("Tersimpan.")
    context.close()
    return first, second


def download(page, url):
    response = page.request.get(url)
    assert response.status == 200, url
    return response.body()


def table(rows):
    """The rows of a sheet or CSV from its header row (the first starting with "No") on: [{column: value}]."""
    rows = [list(row) for row in rows]
    start = next(n for n, row in enumerate(rows) if row and row[0] in ("No", "No."))
    header = rows[start]
    return [dict(zip(header, row)) for row in rows[start + 1:] if any(cell not in (None, "") for cell in row)]


def workbook(page, url):
    return openpyxl.load_workbook(io.BytesIO(download(page, url)))


def csv_rows(page, url):
    return list(csv.reader(io.StringIO(download(page, url).decode("utf-8-sig"))))


def test_the_dinas_and_a_facilitator_walk_the_whole_training_loop(page, browser, browser_context_args,
                                                                    live_server, shot):
    app, loop = live_server.app, build(live_server.app)
    log_in(page, live_server, "dinas")
    controlled_by_the_worker(page)
    page.goto(f"{live_server.url}/bimtek/{loop.session}")
    register(page, loop)
    ids = participants(app)
    assert set(ids) == set(SCORES)
    take_attendance(page, live_server, loop, ids)
    type_scores(page, live_server, loop)
    propose_plans(page, live_server, loop)
    done = mark_two_done(browser, browser_context_args, live_server, loop)

    page.goto(f"{live_server.url}/bimtek/{loop.session}")
    shot(page, "session-page", full_page=True)
    check_the_session_page(page, app, loop, done)
    check_the_exports(page, live_server, app, loop, done)


def check_the_session_page(page, app, loop, done):
    with app.app_context():
        registered = db.session.execute(select(Participant.cooperative_id, Participant.position)).all()
        in_session = db.session.scalar(select(func.count()).select_from(Cooperative).join(Cooperative.village)
                                       .where(Village.district_code.in_((DIWEK, WONOSALAM))))
        stored = db.session.execute(select(Participant.pre_score, Participant.post_score)).all()
        actions = db.session.execute(select(FollowupAction.cooperative_id, FollowupAction.status)).all()
    marks = attendance(app)
    sending = {cooperative for cooperative, _position in registered}
    pengurus = {c: sum(1 for cc, position in registered if cc == c and position.startswith("pengurus:"))
                for c in sending}
    assert len(registered) == 5 and sending == {loop.diwek, loop.wonosalam}
    expect(page.locator("#participants .coverage")).to_contain_text(
        f"{len(registered)} peserta · {len(sending)} dari {in_session} koperasi mengirim peserta")
    expect(page.locator("#without-count")).to_have_text(f"Belum ada peserta: {in_session - len(sending)} koperasi")
    expect(page.locator("#few-pengurus-count")).to_contain_text(
        f"kurang dari 2 pengurus: {sum(1 for n in pengurus.values() if n < 2)} koperasi")
    assert pengurus == {loop.diwek: 1, loop.wonosalam: 3}  # the ketua pengawas is not a pengurus
    for number, day in enumerate(DAYS, start=1):
        present = sum(1 for (_name, d), here in marks.items() if d == day and here)
        expect(page.locator(f"#present-{number}")).to_have_text(f"hadir {present} dari {len(registered)}")
    assert sum(1 for (_name, d), here in marks.items() if d == DAYS[1] and here) == 3

    paired = [(pre, post) for pre, post in stored if pre is not None and post is not None]
    assert len(paired) == 4
    pre, post = sum(p for p, _ in paired) / len(paired), sum(q for _, q in paired) / len(paired)
    results = page.locator("#test-results")
    expect(results).to_contain_text(f"{len(paired)} peserta dengan kedua nilai")
    expect(results.locator("#result-all .pre")).to_have_text(shown(app, pre))
    expect(results.locator("#result-all .post")).to_have_text(shown(app, post))
    expect(results.locator("#result-all .gain")).to_have_text(shown(app, post - pre))

    for cooperative in (loop.diwek, loop.wonosalam):
        row = page.locator(f"#plan-{cooperative} td.num")
        expect(row.nth(0)).to_have_text(str(sum(1 for c, _s in actions if c == cooperative)))
        expect(row.nth(1)).to_have_text(str(sum(1 for c, s in actions if c == cooperative and s == DONE)))
    assert sum(1 for _c, s in actions if s == DONE) == len(done) == 2


def check_the_exports(page, live_server, app, loop, done):
    base = f"{live_server.url}/bimtek/{loop.session}"
    with app.app_context():
        people = {p.person.name: p for p in db.session.scalars(select(Participant))}
        for p in people.values():
            p.person, p.cooperative.village.district  # loaded while the session is open
        actions = {a.id: (a.status, a.checked_on, a.text) for a in db.session.scalars(select(FollowupAction))}
    marks = attendance(app)

    listed = table(workbook(page, f"{base}/participants.xlsx").worksheets[0].values)
    assert {row["Nama"]: (row["Koperasi"], row["Desa/Kelurahan"], row["Kecamatan"], row["NIK"] or None)
            for row in listed} == {
        name: (p.cooperative.name, p.cooperative.village.name, p.cooperative.village.district.name, p.person.nik)
        for name, p in people.items()}
    assert {row["Nama"]: row["Hari hadir (dari 2)"] for row in listed} == {
        name: sum(1 for (n, _d), here in marks.items() if n == name and here) for name in people}
    assert table(csv_rows(page, f"{base}/participants.csv"))[0]["Nama"] == listed[0]["Nama"]

    book = workbook(page, f"{base}/attendance.xlsx")
    assert book.sheetnames == ["Hari 1", "Hari 2"]
    for sheet, day in zip(book.worksheets, DAYS):
        rows = table(sheet.values)
        assert {row["Nama"] for row in rows} == set(people)
        assert {row["Nama"] for row in rows if row["Hadir"] == "Hadir"} == {
            name for (name, d), here in marks.items() if d == day and here}
        assert all(row["Tanda tangan"] in (None, "") for row in rows)

    for rows in (table(next(s for s in workbook(page, f"{base}/scores.xlsx").worksheets
                             if any(row and row[0] == "No" for row in s.values)).values),
                 table(csv_rows(page, f"{base}/scores.csv"))):
        assert {row["Nama"]: (number(row["Pre-test"]), number(row["Post-test"])) for row in rows} == {
            name: (p.pre_score, p.post_score) for name, p in people.items()}

    url = f"{live_server.url}/followup/actions.xlsx?session={loop.session}"
    rows = [dict(zip(header, row)) for header, *data in [list(workbook(page, url).worksheets[0].values)]
            for row in data]
    assert len(rows) == len(actions)
    assert sorted(row["Status"] for row in rows) == sorted(
        {"open": "Belum diperiksa", "done": "Selesai"}.get(s, s) for s, _c, _t in actions.values())
    assert {row["Tindakan"] for row in rows if row["Status"] == "Selesai"} == {actions[a][2] for a in done}
    checked = [row["Diperiksa"] for row in rows if row["Status"] == "Selesai"]
    assert [c.date() if hasattr(c, "date") else c for c in checked] == [actions[a][1] for a in done]
    lines = list(csv.DictReader(io.StringIO(download(
        page, url.replace("actions.xlsx", "actions.csv")).decode("utf-8-sig"))))
    assert [line["Status"] for line in lines] == [row["Status"] for row in rows]


def number(cell):
    """A score cell (a number in XLSX, text with a decimal point or comma in CSV) as a float, None if empty."""
    if cell in (None, ""):
        return None
    return float(str(cell).replace(",", ".")) if isinstance(cell, str) else float(cell)
