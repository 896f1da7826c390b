"""Apply a validated user form to a User (shared by the admin page and the CLI)."""
from sqlalchemy import select

from app.regions.models import District
from app.roles import ADMIN


def apply_user_form(session, form, user, regency_code):
    """Copy the form onto `user`; an admin covers `regency_code`, others their kecamatan."""
    user.name = form.name.data
    user.role = form.role.data
    if user.active and not form.active.data:
        user.end_sessions()  # so that reactivating them later does not bring their old sessions back
    user.active = form.active.data
    if user.role == ADMIN:
        user.regency_code, user.districts = regency_code, []
    else:
        user.regency_code = None
        user.districts = list(session.scalars(select(District).where(District.code.in_(form.districts.data))))
    if form.password.data:
        user.set_password(form.password.data)
