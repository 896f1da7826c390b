"""`flask users create`: add a user from the command line, with the admin page's rules."""
import click
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.auth.models import ROLES, User
from app.extensions import db
from app.forms import choices
from app.regions.models import District, Regency
from app.roles import ADMIN
from app.users import bp
from app.users.forms import NewUserForm
from app.users.service import apply_user_form


@bp.cli.command("create")
@click.argument("username")
@click.option("--name", required=True, help="Full name.")
@click.option("--role", required=True, type=click.Choice(list(ROLES)))
@click.option("--district", "districts", multiple=True, help="Kecamatan code covered (repeatable).")
@click.option("--regency", help="Regency code an admin covers; none means the whole country.")
@click.password_option(help="Prompted for when not given.")
def create(username, name, role, districts, regency, password):
    """Create USERNAME with a role and the kecamatan (or, for an admin, the regency) covered."""
    if regency and db.session.get(Regency, regency) is None:
        raise SystemExit(f"Unknown regency {regency}.")
    form = NewUserForm(formdata=MultiDict(
        [("username", username), ("name", name), ("role", role), ("password", password), ("active", "y")]
        + [("districts", code) for code in districts]), meta={"csrf": False})
    form.districts.choices = choices((d.code, d.name) for d in db.session.scalars(
        select(District).where(District.code.in_(districts))))
    if not form.validate():
        for field, errors in form.errors.items():
            for error in errors:
                click.echo(f"error: {field}: {error}", err=True)
        raise SystemExit(1)
    user = User(username=form.username.data)
    apply_user_form(db.session, form, user, regency if role == ADMIN else None)
    db.session.add(user)
    db.session.commit()
    click.echo(f"user {user.username} created ({role})")
