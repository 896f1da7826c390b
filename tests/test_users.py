"""User management: the admin page, the CLI, roles and areas."""
import re

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from tests.support import DIWEK, WONOSALAM


def user(username):
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


def test_admin_adds_a_facilitator_with_kecamatan(client, auth, jombang):
    auth.login("dinas")
    page = client.get("/users/new").get_data(as_text=True)
    assert page.count('type="checkbox" value="35.17.') == 21  # every kecamatan of Jombang, no other
    response = client.post("/users/new", data={
        "csrf_token": auth.token(), "username": "  Fas.Baru ", "name": "Fasilitator Baru", "role": "facilitator",
        "districts": [DIWEK, WONOSALAM], "password": "rahasia-panjang", "active": "y"})
    assert response.status_code == 302
    created = user("fas.baru")
    assert created.role == "facilitator" and {d.code for d in created.districts} == {DIWEK, WONOSALAM}
    assert created.check_password("rahasia-panjang") and created.regency_code is None
    assert "Fasilitator Baru" in client.get("/users/").get_data(as_text=True)


def test_new_user_form_errors_are_indonesian_and_nothing_is_saved(client, auth, jombang):
    auth.login("dinas")
    response = client.post("/users/new", data={
        "csrf_token": auth.token(), "username": "fas.diwek", "name": "", "role": "facilitator",
        "password": "pendek"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nama pengguna sudah dipakai." in html
    assert "Wajib diisi." in html
    assert "Pilih paling sedikit satu kecamatan." in html
    assert "Panjang isian harus 8 sampai 200 karakter." in html
    assert len(db.session.scalars(select(User)).all()) == 4


def test_admin_cannot_assign_a_kecamatan_outside_the_regency(client, auth, jombang):
    auth.login("dinas")
    response = client.post("/users/new", data={
        "csrf_token": auth.token(), "username": "luar", "name": "Luar", "role": "facilitator",
        "districts": ["35.16.01"], "password": "rahasia-panjang"})
    assert response.status_code == 422
    assert "&#39;35.16.01&#39; bukan pilihan yang valid." in response.get_data(as_text=True)
    assert user("luar") is None


def test_admin_reassigns_kecamatan_and_password(client, auth, jombang):
    target = user("fas.diwek")
    auth.login("dinas")
    response = client.post(f"/users/{target.id}/edit", data={
        "csrf_token": auth.token(), "name": "Pendamping Wonosalam", "role": "facilitator",
        "districts": [WONOSALAM], "password": "sandi-baru-123", "active": "y"})
    assert response.status_code == 302
    changed = user("fas.diwek")
    assert [d.code for d in changed.districts] == [WONOSALAM] and changed.check_password("sandi-baru-123")


def test_editing_a_supervisor_ticks_their_kecamatan_and_a_new_password_keeps_them(client, auth, jombang):
    target = user("supervisor")
    auth.login("dinas")
    html = client.get(f"/users/{target.id}/edit").get_data(as_text=True)
    boxes = re.findall(r'<input ([^>]*)name="districts"([^>]*)value="([0-9.]+)">', html)
    ticked = [code for before, after, code in boxes if "checked" in before + after]
    assert len(boxes) == 21 and sorted(ticked) == [WONOSALAM, DIWEK]
    assert not any("required" in before + after for before, after, _ in boxes)
    # What the browser sends when the admin only types a new password: the ticked boxes as they came.
    response = client.post(f"/users/{target.id}/edit", data={
        "csrf_token": auth.token(), "name": target.name, "role": "supervisor", "districts": ticked,
        "password": "sandi-baru-123", "active": "y"})
    assert response.status_code == 302
    changed = user("supervisor")
    assert {d.code for d in changed.districts} == {DIWEK, WONOSALAM} and changed.check_password("sandi-baru-123")
    refused = client.post(f"/users/{target.id}/edit", data={
        "csrf_token": auth.token(), "name": target.name, "role": "supervisor", "active": "y"})
    assert refused.status_code == 422 and "Pilih paling sedikit satu kecamatan." in refused.get_data(as_text=True)
    assert {d.code for d in user("supervisor").districts} == {DIWEK, WONOSALAM}


def test_admin_cannot_demote_or_deactivate_themselves(client, auth, jombang):
    me = user("dinas")
    auth.login("dinas")
    response = client.post(f"/users/{me.id}/edit", data={
        "csrf_token": auth.token(), "name": "Dinas", "role": "facilitator", "districts": [DIWEK]})
    assert response.status_code == 422
    assert user("dinas").role == "admin" and user("dinas").active


def test_only_admins_manage_users(client, auth, jombang):
    target = user("fas.wonosalam")
    for username in ("fas.diwek", "supervisor"):
        auth.login(username)
        assert client.get("/users/").status_code == 403
        assert client.get("/users/new").status_code == 403
        assert client.post(f"/users/{target.id}/edit", data={"csrf_token": auth.token()}).status_code == 403
        client.post("/auth/logout", data={"csrf_token": auth.token()})


def test_admin_of_another_regency_cannot_see_jombang_users(client, auth, jombang):
    from app.regions.models import Regency
    from tests.support import add_user
    db.session.add(Regency(code="35.16", province_code="35", name="Kabupaten Mojokerto"))
    add_user("dinas.mojokerto", "admin", regency="35.16")
    db.session.commit()
    auth.login("dinas.mojokerto")
    assert "fas.diwek" not in client.get("/users/").get_data(as_text=True)
    assert client.get(f"/users/{user('fas.diwek').id}/edit").status_code == 404


def test_cli_creates_a_user(app, runner, jombang):
    result = runner.invoke(args=["users", "create", "sup.baru", "--name", "Supervisor Baru", "--role", "supervisor",
                                 "--district", DIWEK, "--password", "rahasia-panjang"])
    assert result.exit_code == 0, result.output
    created = user("sup.baru")
    assert created.role == "supervisor" and [d.code for d in created.districts] == [DIWEK]
    assert created.check_password("rahasia-panjang")


def test_cli_refuses_bad_users(app, runner, jombang):
    no_area = runner.invoke(args=["users", "create", "sup.x", "--name", "X", "--role", "supervisor",
                                  "--password", "rahasia-panjang"])
    assert no_area.exit_code != 0 and "Pilih paling sedikit satu kecamatan." in no_area.output
    unknown = runner.invoke(args=["users", "create", "sup.y", "--name", "Y", "--role", "supervisor",
                                  "--district", "99.99.99", "--password", "rahasia-panjang"])
    assert unknown.exit_code != 0
    duplicate = runner.invoke(args=["users", "create", "dinas", "--name", "D", "--role", "admin",
                                    "--regency", "35.17", "--password", "rahasia-panjang"])
    assert duplicate.exit_code != 0 and "Nama pengguna sudah dipakai." in duplicate.output
    assert user("sup.x") is None and user("sup.y") is None


def test_demo_load_prints_working_logins(app, runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "306 cooperatives created" in result.output
    logins = {line.split()[1]: line.split()[2] for line in result.output.splitlines() if line.startswith("  ")}
    assert set(logins) == {"dinas", "supervisor", "pendamping"}
    assert user("pendamping").check_password(logins["pendamping"])
    assert [d.code for d in user("pendamping").districts] == [DIWEK]
    again = runner.invoke(args=["demo", "load"])
    assert "0 cooperatives created" in again.output
