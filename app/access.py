"""Who may see what: the one place that scopes data to a user's area and role.

Every view goes through `scope()` for data and `role_required` for actions, so a user
never sees another area's cooperatives, assessments, users or kecamatan. Out-of-area records are 404,
not 403, so their existence is not revealed.
"""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import bindparam, exists, or_, select, true
from sqlalchemy.orm import Load, contains_eager, selectinload

from app.assessments.models import Assessment
from app.auth.models import User, user_district
from app.cooperatives.models import Cooperative
from app.extensions import db
from app.regions.models import District, Village
from app.roles import ADMIN


def role_required(*roles):
    """Let a logged-in user through only if their role is one of `roles`."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


class Scope:
    """The kecamatan, cooperatives and users one user may see."""

    def __init__(self, user):
        self.user = user

    @property
    def national(self):
        """An admin without a regency covers the whole country."""
        return self.user.role == ADMIN and self.user.regency_code is None

    @property
    def kind(self):
        """How this user's area is drawn: "national", "regency" (an admin's) or "districts" (assigned)."""
        if self.national:
            return "national"
        return "regency" if self.user.role == ADMIN else "districts"

    def district_clause(self):
        """A WHERE clause on District selecting the kecamatan this user covers. Its values are named
        bound parameters (see `params`), so a statement built from it once can serve every user of its kind."""
        if self.kind == "national":
            return true()
        if self.kind == "regency":
            return District.regency_code == bindparam("scope_regency", self.user.regency_code)
        return District.code.in_(select(user_district.c.district_code)
                                 .where(user_district.c.user_id == bindparam("scope_user", self.user.id)))

    @property
    def params(self):
        """The values of district_clause()'s parameters for this user."""
        return {"scope_regency": self.user.regency_code, "scope_user": self.user.id}

    def districts(self):
        return select(District).where(self.district_clause()).order_by(District.name)

    def cooperatives(self):
        """Cooperatives in this user's area with their village and kecamatan, ordered by place."""
        return (joined_to_districts(select(Cooperative)).options(places_loaded(Load(Cooperative)))
                .where(self.district_clause()).order_by(District.name, Village.name))

    def cooperative_or_404(self, cooperative_id):
        return db.one_or_404(self.cooperatives().where(Cooperative.id == cooperative_id))

    def assessments(self):
        """Assessments of the cooperatives in this user's area, with their cooperative, village and kecamatan,
        and their instrument version (its definition stays deferred), newest first."""
        return (joined_to_districts(select(Assessment).join(Assessment.cooperative))
                .join(Assessment.instrument_version)
                .options(places_loaded(contains_eager(Assessment.cooperative)),
                         contains_eager(Assessment.instrument_version))
                .where(self.district_clause()).order_by(Assessment.updated_at.desc()))

    def own_assessments(self):
        """The assessments in this user's area that they started (see is_own)."""
        return self.assessments().where(Assessment.facilitator_id == self.user.id)

    def assessment_rows(self, *columns):
        """A select of `columns` of the assessments in this user's area: rows, not objects, for a list."""
        return (joined_to_districts(select(*columns).select_from(Assessment).join(Assessment.cooperative))
                .where(self.district_clause()))

    def assessment_or_404(self, assessment_id):
        return db.one_or_404(self.assessments().where(Assessment.id == assessment_id))

    def assessment_to_change(self, name, columns):
        """The statement `name`: the `columns()` select of the assessment "assessment_id" (a bound parameter) in
        this user's area, with its instrument version, joined from the assessment up (four lookups however
        large the area). Saves, and the autosave above all, run it on every change, and building it costs more
        than running it: it is built once per kind of area and run with each user's `params`."""
        statement = _TO_CHANGE.get((name, self.kind))
        if statement is None:
            statement = _TO_CHANGE[name, self.kind] = (
                joined_to_districts(columns().join(Assessment.cooperative)).join(Assessment.instrument_version)
                .where(Assessment.id == bindparam("assessment_id"), self.district_clause()))
        return statement

    def assessment_to_change_or_404(self, assessment_id):
        """The assessment in this user's area with its instrument version, but not its cooperative and
        places: what a save needs, not what a page shows."""
        statement = self.assessment_to_change("assessment", lambda: select(Assessment).options(
            contains_eager(Assessment.instrument_version)))
        found = db.session.execute(statement, {"assessment_id": assessment_id, **self.params}).scalar_one_or_none()
        if found is None:
            abort(404)
        return found

    def users(self):
        """Users an admin may manage: those of their regency, by assignment or by kecamatan."""
        users = select(User).options(selectinload(User.districts)).order_by(User.username)
        if self.user.role != ADMIN:
            return users.where(User.id == self.user.id)
        if self.national:
            return users
        in_regency = exists().where(
            user_district.c.user_id == User.id,
            user_district.c.district_code == District.code,
            District.regency_code == self.user.regency_code,
        )
        return users.where(or_(User.regency_code == self.user.regency_code, in_regency))

    def user_or_404(self, user_id):
        return db.one_or_404(self.users().where(User.id == user_id))


_TO_CHANGE = {}  # (name, Scope.kind) -> a statement built by Scope.assessment_to_change


def joined_to_districts(statement):
    """`statement`, which selects from Cooperative, joined to the cooperative's village and kecamatan: the
    tables a user's district_clause() names, and a list's order by place."""
    return statement.join(Cooperative.village).join(Village.district)


def joined_to_areas(statement):
    """The same joined on to the kecamatan's regency: every table an area clause may name (a user's
    district_clause(), or a province, regency or kecamatan asked for). A clause on a table not joined here
    would multiply the rows by that table's."""
    return joined_to_districts(statement).join(District.regency)


def places_loaded(load):
    """`load`, a loader option that reaches cooperatives, also filling their village and kecamatan from the
    rows that joined_to_districts() joined, rather than one query each."""
    return load.contains_eager(Cooperative.village).contains_eager(Village.district)


def scope():
    """The Scope of the logged-in user."""
    return Scope(current_user)


def is_own(assessment):
    """Whether the logged-in user started `assessment`: only they change it or submit it."""
    return assessment.facilitator_id == current_user.id
