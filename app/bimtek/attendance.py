"""Attendance per day of a Bimtek session. The Dinas marks who came, a tap per person: online, or without
signal through the outbox and /assessments/sync (see `record`). Supervisors of a covered kecamatan see it,
read only."""
from itertools import groupby

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from app.access import joined_to_districts, places_loaded, role_required, scope
from app.bimtek import bp
from app.bimtek.models import Attendance, BimtekSession, Participant, Person
from app.bimtek.presence import day_of, millis, moment, stands, tally
from app.bimtek.routes import session_or_404, sessions
from app.clock import utcnow
from app.cooperatives.models import Cooperative, position_label
from app.extensions import db
from app.regions.models import District, Village
from app.roles import ADMIN, SUPERVISOR


class NotMarked(Exception):
    """A change of attendance that cannot be stored: (reason code, message for the user)."""



def registered(session):
    """The session's participants from the user's area, by kecamatan, desa, cooperative and name, with their
    person and their cooperative's places."""
    return db.session.scalars(
        joined_to_districts(select(Participant).join(Participant.cooperative)).join(Participant.person)
        .options(places_loaded(contains_eager(Participant.cooperative)), contains_eager(Participant.person))
        .where(Participant.session_id == session.id, scope().district_clause())
        .order_by(District.name, Village.name, Cooperative.name, Person.name, Participant.id)).all()


def marks(session, day):
    """{participant id: present} as recorded for `day` of `session`."""
    return dict(db.session.execute(select(Attendance.participant_id, Attendance.present).join(Participant)
                                   .where(Participant.session_id == session.id, Attendance.day == day)).all())


def record(session_id, participant_id, number, present, at, user_id):
    """Store that a participant was (not) there on day `number` of a session, made at `at` (ms, server's
    clock), if it is the later change; (whether it was stored, what now stands). Raises NotMarked for a session
    outside the user's area, a day outside the session, or a person not registered for it in the user's area.
    The caller commits."""
    session = db.session.scalar(sessions().where(BimtekSession.id == session_id))
    if session is None:
        raise NotMarked("unknown_session", _("Sesi Bimtek ini tidak ditemukan di wilayah Anda."))
    day = day_of(session.days, number)
    if day is None:
        raise NotMarked("day_outside", _("Hari ke-%(day)s tidak ada: sesi ini %(days)s hari.", day=number,
                                         days=len(session.days)))
    participant = db.session.scalar(joined_to_districts(select(Participant).join(Participant.cooperative)).where(
        Participant.id == participant_id, Participant.session_id == session.id, scope().district_clause()))
    if participant is None:
        raise NotMarked("not_registered", _("Orang ini tidak terdaftar sebagai peserta sesi ini di wilayah Anda."))
    mark = db.session.get(Attendance, (participant.id, day))
    if mark is not None and not stands(at, millis(mark.changed_at)):
        return False, mark.present
    if mark is None:
        mark = Attendance(participant_id=participant.id, day=day)
        db.session.add(mark)
    mark.present, mark.changed_at, mark.changed_by = present, moment(at), user_id
    return True, present


@bp.get("/<int:session_id>/attendance/<int:day>")
@role_required(ADMIN, SUPERVISOR)
def attendance(session_id, day):
    """Who came on one day of the session, by cooperative; the Dinas taps a person to mark them."""
    session = session_or_404(session_id)
    if day_of(session.days, day) is None:
        abort(404)
    return attendance_page(session, day)


def attendance_page(session, number, status=200):
    """The attendance page of day `number` (a day of the session)."""
    participants, day = registered(session), session.days[number - 1]
    present = marks(session, day)
    count = tally([pid for pid, here in present.items() if here], [p.id for p in participants])
    return render_template("bimtek/attendance.html", session=session, number=number, day=day, count=count,
                           present=present, position=position_label,
                           groups=[(c, list(ps)) for c, ps in groupby(participants, lambda p: p.cooperative)]), status


@bp.post("/<int:session_id>/attendance/<int:day>/<int:participant_id>")
@role_required(ADMIN)
def mark(session_id, day, participant_id):
    """Mark one participant present or absent on one day (the page's form, without JavaScript)."""
    session = session_or_404(session_id)
    if request.form.get("present") not in ("0", "1"):
        flash(_("Pilih hadir atau tidak hadir."), "error")
        return attendance_page(session, day if day_of(session.days, day) else 1, 422)
    try:
        record(session.id, participant_id, day, request.form["present"] == "1", millis(utcnow()), current_user.id)
    except NotMarked as refusal:
        db.session.rollback()
        flash(refusal.args[1], "error")
        return attendance_page(session, day if day_of(session.days, day) else 1, 422)
    db.session.commit()
    flash(_("Kehadiran disimpan."), "success")
    return redirect(url_for("bimtek.attendance", session_id=session.id, day=day, _anchor=f"p-{participant_id}"))
