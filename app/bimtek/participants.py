"""A session's participants: the Dinas registers them per cooperative, removes one, and exports the list."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from jinja2_fragments.flask import render_block
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.access import role_required, scope
from app.bimtek import bp
from app.bimtek.models import Participant
from app.bimtek.participant_export import participants_file
from app.bimtek.participant_form import RegisterForm
from app.bimtek.people import Refused, participants_of, participation, register, remove
from app.bimtek.routes import session_or_404
from app.cooperatives.models import Cooperative
from app.extensions import db
from app.forms import ConfirmForm
from app.regions.models import District
from app.rendering import wants_fragment
from app.roles import ADMIN, SUPERVISOR



def session_cooperatives(session):
    """The cooperatives of the session's kecamatan in the user's area, with their officers."""
    return db.session.scalars(scope().cooperatives().where(District.code.in_(session.district_codes))
                              .options(selectinload(Cooperative.officers))).all()


@bp.route("/<int:session_id>/participants", methods=["GET", "POST"])
@role_required(ADMIN)
def participants(session_id):
    """Register who comes from each cooperative of the session's kecamatan: officers ticked, or a new person.
    For htmx, the cooperative's section alone comes back."""
    session = session_or_404(session_id)
    cooperatives, form, problem = session_cooperatives(session), RegisterForm(), None
    if form.validate_on_submit():
        try:
            cooperative, officers = chosen(form, cooperatives)
            added = register(session, cooperative, officers, form.new_person())
        except Refused as refused:
            db.session.rollback()
            problem = refused.message
        else:
            db.session.commit()
            return registered(session, cooperative, ngettext(
                "%(num)s peserta didaftarkan.", "%(num)s peserta didaftarkan.", len(added)))
    status = 422 if form.is_submitted() and (problem or form.errors) else 200
    posted = next((c for c in cooperatives if str(c.id) == form.cooperative.data), None)
    if wants_fragment() and posted is not None:
        return cooperative_section(session, posted, form, problem=problem), status
    return render_template("bimtek/participants.html", session=session, form=form, problem=problem, done=None,
                           blank=RegisterForm(formdata=None), **participation(session, cooperatives)), status


def registered(session, cooperative, message):
    """After a change to a cooperative's participants: its section saying `message` (htmx), or back to it."""
    if wants_fragment():
        return cooperative_section(session, cooperative, RegisterForm(formdata=None), done=message)
    flash(message, "success")
    return redirect(url_for("bimtek.participants", session_id=session.id, _anchor=f"koperasi-{cooperative.id}"))


def cooperative_section(session, cooperative, form, problem=None, done=None):
    """One cooperative's section of the register page: its participants and its form."""
    return render_block("bimtek/participants.html", "cooperative", session=session, cooperative=cooperative,
                        form=form, blank=RegisterForm(formdata=None), problem=problem, done=done,
                        **participation(session, [cooperative]))


def chosen(form, cooperatives):
    """(the cooperative, its officers) the form names; a cooperative not of the session, or an officer not of
    the cooperative, is refused."""
    cooperative = next((c for c in cooperatives if str(c.id) == form.cooperative.data), None)
    if cooperative is None:
        raise Refused(_("Koperasi ini tidak termasuk kecamatan sesi ini."))
    officers = [o for o in cooperative.officers if o.id in set(form.officers.data or ())]
    if len(officers) != len(set(form.officers.data or ())):
        raise Refused(_("Pengurus atau pengawas yang dipilih bukan dari koperasi ini."))
    return cooperative, officers


@bp.post("/<int:session_id>/participants/<int:participant_id>/remove")
@role_required(ADMIN)
def remove_participant(session_id, participant_id):
    """Take a participant registered by mistake off the session, once confirmed, with their attendance and
    test answers."""
    session = session_or_404(session_id)
    cooperatives = {c.id: c for c in session_cooperatives(session)}
    participant = db.one_or_404(select(Participant).where(
        Participant.id == participant_id, Participant.session_id == session.id,
        Participant.cooperative_id.in_(cooperatives)))
    cooperative = cooperatives[participant.cooperative_id]
    if not ConfirmForm().confirmed.data:
        return render_template("bimtek/remove_participant.html", participant=participant, action=request.path,
                               fields={}, cancel=url_for("bimtek.participants", session_id=session.id,
                                                         _anchor=f"koperasi-{cooperative.id}"))
    name = participant.person.name
    remove(participant)
    db.session.commit()
    return registered(session, cooperative, _("%(name)s dihapus dari peserta sesi ini.", name=name))


@bp.get("/<int:session_id>/participants.<fmt>")
@role_required(ADMIN, SUPERVISOR)
def export_participants(session_id, fmt):
    """The participants from the user's area as XLSX or CSV: who, from where, and the days they attended."""
    session = session_or_404(session_id)
    if fmt not in ("xlsx", "csv"):
        abort(404)
    cooperatives = session_cooperatives(session)
    return participants_file(session, cooperatives, participants_of(session, [c.id for c in cooperatives]), fmt)
