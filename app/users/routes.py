"""The admin's pages to list, add and edit users and assign their kecamatan."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from flask_login.config import COOKIE_NAME

from app.access import role_required, scope
from app.auth.models import User
from app.extensions import db
from app.forms import choices
from app.rendering import form_page
from app.roles import ADMIN
from app.users import bp
from app.users.forms import NewUserForm, UserForm
from app.users.service import apply_user_form


def district_choices():
    return choices((d.code, d.name) for d in db.session.scalars(scope().districts()))


@bp.get("/")
@role_required(ADMIN)
def index():
    """Users of the admin's area."""
    users = db.session.scalars(scope().users()).all()
    return render_template("users/index.html", users=users)


@bp.route("/new", methods=["GET", "POST"])
@role_required(ADMIN)
def new():
    """Add a user and assign their kecamatan."""
    form = NewUserForm()
    form.districts.choices = district_choices()
    if form.validate_on_submit():
        user = User(username=form.username.data)
        apply_user_form(db.session, form, user, current_user.regency_code)
        db.session.add(user)
        db.session.commit()
        flash(_("Pengguna %(username)s ditambahkan.", username=user.username), "success")
        return redirect(url_for("users.index"))
    return form_page("users/form.html", form, user=None)


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@role_required(ADMIN)
def edit(user_id):
    """Change a user's name, role, kecamatan, status or password."""
    user = scope().user_or_404(user_id)
    form = UserForm(obj=user)
    form.districts.choices = district_choices()
    if form.validate_on_submit():
        if user.id == current_user.id and (form.role.data != ADMIN or not form.active.data):
            form.role.errors.append(_("Anda tidak dapat mencabut peran admin atau menonaktifkan akun sendiri."))
        else:
            apply_user_form(db.session, form, user, user.regency_code or current_user.regency_code)
            db.session.commit()
            if user.id == current_user.id:  # their own new password ends their other sessions, not this one
                login_user(user, remember=COOKIE_NAME in request.cookies)
            flash(_("Perubahan pengguna %(username)s disimpan.", username=user.username), "success")
            return redirect(url_for("users.index"))
    return form_page("users/form.html", form, user=user)
