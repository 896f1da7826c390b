"""Cooperatives: seeding, the list and its active search, the profile page, the admin's edit, scoping."""
from datetime import date

from sqlalchemy import func, select

from app.cooperatives.models import Cooperative, Officer
from app.extensions import db
from app.regions.models import District, Village
from tests.support import WONOSALAM


def cooperative_in(village_name):
    return db.session.scalar(select(Cooperative).join(Cooperative.village).where(Village.name == village_name))


def test_seed_creates_one_cooperative_per_village_idempotently(app, runner, jombang):
    assert db.session.scalar(select(func.count(Cooperative.id))) == 306
    result = runner.invoke(args=["cooperatives", "seed", "--regency", "35.17"])
    assert result.exit_code == 0 and "0 created" in result.output
    assert db.session.scalar(select(func.count(Cooperative.id))) == 306
    assert db.session.scalar(select(func.count(func.distinct(Cooperative.village_code)))) == 306


def test_seed_command_on_a_fresh_regency(app, runner, jombang_regions):
    from app.regions.store import save_regions
    save_regions(db.session, jombang_regions)
    db.session.commit()
    result = runner.invoke(args=["cooperatives", "seed", "--regency", "35.17"])
    assert result.exit_code == 0 and "306 created" in result.output
    unknown = runner.invoke(args=["cooperatives", "seed", "--regency", "35.99"])
    assert unknown.exit_code != 0 and "not loaded" in unknown.output


def test_default_names_follow_the_village_type(jombang):
    assert cooperative_in("Cukir").name == "Koperasi Desa Merah Putih Cukir"
    kelurahan = db.session.scalar(select(Village).where(Village.type == "kelurahan"))
    cooperative = db.session.scalar(select(Cooperative).where(Cooperative.village_code == kelurahan.code))
    assert cooperative.name == f"Koperasi Kelurahan Merah Putih {kelurahan.name}"


def test_facilitator_sees_only_their_kecamatan(client, auth, jombang):
    auth.login("fas.diwek")
    html = client.get("/cooperatives/?page=1").get_data(as_text=True)
    diwek_count = db.session.scalar(select(func.count()).select_from(Village).where(Village.district_code == "35.17.08"))
    assert f"{diwek_count} koperasi" in html
    assert "Kec. Diwek" in html and "Kec. Wonosalam" not in html and "Kec. Perak" not in html


def test_admin_sees_the_whole_regency_paginated(client, auth, jombang):
    auth.login("dinas")
    html = client.get("/cooperatives/").get_data(as_text=True)
    assert "306 koperasi" in html and "Halaman 1 dari 13" in html
    assert "Halaman 13 dari 13" in client.get("/cooperatives/?page=13").get_data(as_text=True)


def test_search_by_village_or_kecamatan_name(client, auth, jombang):
    auth.login("supervisor")
    html = client.get("/cooperatives/?q=cukir").get_data(as_text=True)
    assert "Koperasi Desa Merah Putih Cukir" in html and "1 koperasi" in html
    by_district = client.get("/cooperatives/?q=wonosalam").get_data(as_text=True)
    wonosalam = db.session.scalar(select(func.count()).select_from(Village).where(Village.district_code == WONOSALAM))
    assert f"{wonosalam} koperasi" in by_district
    # The supervisor does not cover Perak, so searching for it finds nothing.
    assert "0 koperasi" in client.get("/cooperatives/?q=perak").get_data(as_text=True)
    # LIKE wildcards are taken literally.
    assert "0 koperasi" in client.get("/cooperatives/?q=%25").get_data(as_text=True)


def test_search_answers_htmx_with_the_results_fragment_only(client, auth, jombang):
    auth.login("fas.diwek")
    full = client.get("/cooperatives/?q=cukir")
    fragment = client.get("/cooperatives/?q=cukir", headers={"HX-Request": "true"})
    boosted = client.get("/cooperatives/?q=cukir", headers={"HX-Request": "true", "HX-Boosted": "true"})
    for response in (full, fragment, boosted):
        assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
        assert "Koperasi Desa Merah Putih Cukir" in response.get_data(as_text=True)
    assert fragment.get_data(as_text=True).lstrip().startswith('<section id="results"')
    assert "<html" not in fragment.get_data(as_text=True)
    assert "<html" in full.get_data(as_text=True) and "<html" in boosted.get_data(as_text=True)


def test_cooperative_page_shows_profile_and_officers(client, auth, jombang):
    cooperative = cooperative_in("Cukir")
    cooperative.nib, cooperative.member_count, cooperative.founded_on = "1234567890123", 1234, date(2025, 7, 21)
    cooperative.officers = [Officer(role="pengurus:ketua", name="Siti Aminah"),
                            Officer(role="pengawas:ketua", name="Budi Santoso")]
    cooperative_id = cooperative.id
    db.session.commit()
    auth.login("fas.diwek")
    html = client.get(f"/cooperatives/{cooperative_id}").get_data(as_text=True)
    assert "Koperasi Desa Merah Putih Cukir" in html and "1234567890123" in html
    assert "1.234" in html and "21 Juli 2025" in html
    assert "Siti Aminah" in html and "Budi Santoso" in html and "Ketua Pengawas" in html
    assert "Ubah profil" not in html  # only an admin edits


def test_diwek_facilitator_cannot_open_a_wonosalam_cooperative(client, auth, jombang):
    wonosalam = db.session.scalar(select(Cooperative).join(Cooperative.village).where(Village.district_code == WONOSALAM))
    auth.login("fas.diwek")
    response = client.get(f"/cooperatives/{wonosalam.id}")
    assert response.status_code == 404
    assert wonosalam.name not in response.get_data(as_text=True)
    auth_other = client.post("/auth/logout", data={"csrf_token": auth.token()})
    assert auth_other.status_code == 302
    auth.login("fas.wonosalam")
    assert client.get(f"/cooperatives/{wonosalam.id}").status_code == 200


def test_admin_of_another_regency_sees_nothing_of_jombang(client, auth, jombang):
    from app.regions.models import Province, Regency
    from tests.support import add_user
    db.session.add(Regency(code="35.16", province_code="35", name="Kabupaten Mojokerto"))
    add_user("dinas.mojokerto", "admin", regency="35.16")
    db.session.commit()
    auth.login("dinas.mojokerto")
    assert "0 koperasi" in client.get("/cooperatives/").get_data(as_text=True)
    assert client.get(f"/cooperatives/{cooperative_in('Cukir').id}").status_code == 404
    assert db.session.get(Province, "35") is not None


def edit_form(cooperative, **changes):
    data = {"name": cooperative.name, "sk_ahu": "AHU-0012345.AH.01.29.TAHUN 2025", "nib": "1234567890123",
            "nik": "3517080010001", "founded_on": "2025-07-21", "address": "Jl. KH. Hasyim Asy'ari 1",
            "phone": "0321 861234", "member_count": "250",
            "officers-0-role": "pengurus:ketua", "officers-0-name": "Siti Aminah", "officers-0-phone": "",
            "officers-1-role": "pengawas:ketua", "officers-1-name": "Budi Santoso", "officers-1-phone": "0812 3456 789",
            "officers-2-role": "pengurus:bendahara", "officers-2-name": "", "officers-2-phone": ""}
    data.update(changes)
    return data


def test_admin_edits_profile_and_officers(client, auth, jombang):
    cooperative = cooperative_in("Cukir")
    auth.login("dinas")
    page = client.get(f"/cooperatives/{cooperative.id}/edit")
    assert page.status_code == 200 and 'name="officers-2-name"' in page.get_data(as_text=True)
    response = client.post(f"/cooperatives/{cooperative.id}/edit",
                           data={"csrf_token": auth.token(), **edit_form(cooperative)})
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Cooperative, cooperative.id)
    assert (saved.nib, saved.member_count, saved.founded_on) == ("1234567890123", 250, date(2025, 7, 21))
    assert [(o.role, o.name, o.phone) for o in saved.officers] == [
        ("pengurus:ketua", "Siti Aminah", None), ("pengawas:ketua", "Budi Santoso", "0812 3456 789")]
    assert "Profil koperasi disimpan." in client.get(response.headers["Location"]).get_data(as_text=True)


def test_bad_profile_input_gets_indonesian_messages_and_saves_nothing(client, auth, jombang):
    cooperative = cooperative_in("Cukir")
    auth.login("dinas")
    response = client.post(f"/cooperatives/{cooperative.id}/edit", data={
        "csrf_token": auth.token(),
        **edit_form(cooperative, nib="12AB", member_count="banyak", founded_on="2999-01-01", phone="x" * 500)})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Ada isian yang perlu diperbaiki" in html
    assert "NIB terdiri dari 13 angka." in html
    assert "Harus berupa bilangan bulat." in html
    assert "Tanggal berdiri tidak boleh di masa depan." in html
    assert "Nomor telepon hanya berisi angka" in html
    db.session.expire_all()
    saved = db.session.get(Cooperative, cooperative.id)
    assert (saved.nib, saved.member_count, saved.officers) == (None, None, [])


def test_a_member_count_too_long_for_a_float_gets_the_range_message(client, auth, jombang):
    """WTForms' NumberRange raised OverflowError (a 500) for a whole number of hundreds of digits."""
    cooperative = cooperative_in("Cukir")
    auth.login("dinas")
    response = client.post(f"/cooperatives/{cooperative.id}/edit", data={
        "csrf_token": auth.token(), **edit_form(cooperative, member_count="9" * 2001)})
    assert response.status_code == 422
    assert "Jumlah anggota harus 0 sampai 1.000.000." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Cooperative, cooperative.id).member_count is None


def test_only_an_admin_may_edit(client, auth, jombang):
    cooperative = cooperative_in("Cukir")
    for username in ("fas.diwek", "supervisor"):
        auth.login(username)
        assert client.get(f"/cooperatives/{cooperative.id}/edit").status_code == 403
        response = client.post(f"/cooperatives/{cooperative.id}/edit",
                               data={"csrf_token": auth.token(), **edit_form(cooperative)})
        assert response.status_code == 403
        client.post("/auth/logout", data={"csrf_token": auth.token()})
    db.session.expire_all()
    assert db.session.get(Cooperative, cooperative.id).nib is None


def test_edit_without_csrf_is_rejected(client, auth, jombang):
    cooperative = cooperative_in("Cukir")
    auth.login("dinas")
    response = client.post(f"/cooperatives/{cooperative.id}/edit", data=edit_form(cooperative))
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Cooperative, cooperative.id).nib is None


def test_anonymous_is_sent_to_login(client, jombang):
    response = client.get("/cooperatives/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert db.session.scalar(select(func.count(District.code))) == 21


def test_expired_session_during_htmx_search_redirects_the_whole_page(client, jombang):
    response = client.get("/cooperatives/?q=cukir", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/auth/login?next=/cooperatives/?q%3Dcukir"


def test_history_restore_gets_the_whole_page(client, auth, jombang):
    auth.login("fas.diwek")
    response = client.get("/cooperatives/?q=cukir",
                          headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in response.get_data(as_text=True)


def test_error_for_an_htmx_request_replaces_the_page_body(client, auth, jombang):
    auth.login("fas.diwek")
    response = client.get("/cooperatives/999999", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert response.status_code == 404
    assert response.headers["HX-Retarget"] == "body" and response.headers["HX-Reswap"] == "innerHTML"
    assert "Halaman tidak ditemukan, atau di luar wilayah Anda." in response.get_data(as_text=True)


def test_list_query_count_does_not_grow_with_the_page(app, client, auth, jombang):
    """Village and kecamatan are loaded with the cooperatives, not one query per row."""
    from sqlalchemy import event
    auth.login("dinas")
    counts = []
    for size in (5, 25):
        app.config["PAGE_SIZE"] = size
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert f"Halaman 1 dari" in client.get("/cooperatives/").get_data(as_text=True)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        counts.append(len(statements))
    assert counts[0] == counts[1] and counts[1] <= 6, counts
