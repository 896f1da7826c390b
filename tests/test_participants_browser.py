"""The Dinas registers a session's participants on a phone (Pixel 5), through the real form."""
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.bimtek.models import BimtekSession, Participant, Person
from app.cooperatives.models import Officer
from app.extensions import db
from app.regions.models import District
from tests.support import DIWEK, WONOSALAM
from tests.test_browser import log_in, no_horizontal_scroll
from tests.test_participants import cooperatives_of

pytestmark = pytest.mark.browser

NIK = "3517084507850001"


def demo_like_session(live_server):
    """The 14-15 October 2025 session for Diwek and Wonosalam; the first Diwek cooperative with three
    officers, the second with none. Returns (session id, first id, second id)."""
    with live_server.app.app_context():
        first, second = cooperatives_of(DIWEK, 2)
        first.officers = [Officer(role="pengurus:ketua", name="Slamet Riyadi", phone="0812 1111"),
                          Officer(role="pengurus:sekretaris", name="Dewi Lestari"),
                          Officer(role="pengawas:ketua", name="Sri Wahyuni")]
        session = BimtekSession(title="Bimtek Tata Kelola", held_on=date(2025, 10, 14), ends_on=date(2025, 10, 15),
                                regency_code="35.17", districts=[db.session.get(District, DIWEK),
                                                                 db.session.get(District, WONOSALAM)])
        db.session.add(session)
        db.session.commit()
        return session.id, first.id, second.id


def registered(live_server):
    with live_server.app.app_context():
        return db.session.execute(select(Participant.cooperative_id, Participant.position, Person.name,
                                         Person.officer_id.is_not(None), Person.nik, Person.phone)
                                  .join(Participant.person).order_by(Participant.id)).all()


def test_dinas_registers_two_officers_and_a_new_person_on_a_phone(page, live_server, shot):
    session_id, first, second = demo_like_session(live_server)
    log_in(page, live_server, "dinas")
    page.get_by_role("link", name="Bimtek").click()
    page.get_by_role("link", name="Bimtek Tata Kelola").click()
    expect(page.locator("#participants")).to_contain_text("0 peserta")
    page.get_by_role("link", name="Daftarkan peserta").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Daftarkan peserta")
    assert no_horizontal_scroll(page)
    shot(page, "register-page")

    section = page.locator(f"#koperasi-{first}")
    section.get_by_label("Slamet Riyadi · Ketua", exact=True).check()
    section.get_by_label("Dewi Lestari · Sekretaris", exact=True).check()
    section.get_by_role("button", name="Daftarkan").click()  # no box is `required`: the browser sends it
    expect(section.get_by_role("status")).to_have_text("2 peserta didaftarkan.")  # the section, swapped in place
    expect(section.get_by_label("Slamet Riyadi · Ketua (terdaftar)")).to_be_disabled()
    expect(section.get_by_label("Slamet Riyadi · Ketua (terdaftar)")).to_be_checked()
    expect(section.get_by_label("Sri Wahyuni · Ketua Pengawas", exact=True)).to_be_enabled()

    section = page.locator(f"#koperasi-{second}")
    expect(section).to_contain_text("Pengurus dan pengawas koperasi ini belum dicatat.")
    section.get_by_text("Orang baru").click()
    section.get_by_label("Nama").fill("Siti Aminah")
    section.get_by_label("Jabatan", exact=True).select_option(label="Bendahara")
    section.get_by_label("Telepon").fill("0812 3000 1985")
    section.get_by_label("NIK (tidak wajib)").fill(NIK[:15])
    section.get_by_role("button", name="Daftarkan").click()
    expect(section.locator(f"#nik-{second}-error")).to_have_text("NIK harus 16 angka.")
    expect(section.get_by_role("alert")).to_contain_text("Ada isian yang perlu diperbaiki")
    expect(section.get_by_label("Nama")).to_have_value("Siti Aminah")  # the form as it was sent
    assert no_horizontal_scroll(page)
    shot(page, "nik-refused")
    assert len(registered(live_server)) == 2

    section.get_by_label("NIK (tidak wajib)").fill(NIK)
    section.get_by_role("button", name="Daftarkan").click()
    expect(section.get_by_role("status")).to_have_text("1 peserta didaftarkan.")
    expect(page.locator(f"#koperasi-{second} .people")).to_contain_text("Siti Aminah · Bendahara")
    shot(page, "registered")
    assert registered(live_server) == [
        (first, "pengurus:ketua", "Slamet Riyadi", True, None, "0812 1111"),
        (first, "pengurus:sekretaris", "Dewi Lestari", True, None, None),
        (second, "pengurus:bendahara", "Siti Aminah", False, NIK, "0812 3000 1985")]

    page.get_by_role("link", name="Bimtek Tata Kelola").click()
    coverage = page.locator("#participants")
    expect(coverage).to_contain_text("3 peserta")
    expect(coverage).to_contain_text("Ada peserta, tetapi kurang dari 2 pengurus: 1 koperasi")
    assert no_horizontal_scroll(page)
    shot(page, "session-coverage")
