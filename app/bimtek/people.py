"""A session's participants: registering them (one Person across sessions), removing one, and the reads the
session page, the cooperative page and the export share."""
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.bimtek.coverage import coverage
from app.bimtek.models import BimtekSession, Participant, Person, TestAnswer
from app.cooperatives.models import position_label
from app.extensions import db


class Refused(Exception):
    """A registration that changes nothing, with the reason in the user's language."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass
class NewPerson:
    name: str
    position: str  # an OFFICER_ROLES key, or the position in words
    phone: str | None = None
    nik: str | None = None


def register(session, cooperative, officers, new=None):
    """Register `officers` (of `cooperative`) and `new`, a NewPerson, at `session`, all or none (the caller
    rolls back on Refused). The same officer record or NIK finds the same Person again, updated."""
    people = [person_for_officer(officer) for officer in officers]
    if new is not None:
        people.append(person_for_new(cooperative, new))
    for n, person in enumerate(people):
        if already_registered(session, cooperative, person, people[:n]):
            raise Refused(_("%(name)s sudah terdaftar di sesi ini.", name=person.name))
    added = [Participant(session=session, person=person, cooperative=cooperative, position=person.position)
             for person in people]
    db.session.add_all(added)
    try:
        db.session.flush()
    except IntegrityError:  # someone else registered the same person, or used the NIK, a moment before
        raise Refused(_("Peserta ini baru saja didaftarkan dari layar lain. Muat ulang halaman.")) from None
    return added


def already_registered(session, cooperative, person, earlier=()):
    """Whether `person` is a participant of `session` already, or among `earlier` (of the same request): the
    same Person, or for a new person with neither NIK nor officer record, one of the same name from the same
    cooperative."""
    if any(p is person for p in earlier) or (
            person.id is not None and any(p.person_id == person.id for p in session.participants)):
        return True
    namesakes = [*earlier, *(p.person for p in session.participants if p.cooperative_id == cooperative.id)]
    return person.nik is None and person.officer_id is None and person.officer is None and any(
        p.nik is None and p.name.casefold() == person.name.casefold() for p in namesakes)


def person_for_officer(officer):
    """The officer's Person, made or brought up to date from the officer record."""
    person = db.session.scalar(select(Person).where(Person.officer_id == officer.id))
    if person is None:
        return Person(cooperative_id=officer.cooperative_id, officer=officer, name=officer.name,
                      position=officer.role, phone=officer.phone)
    person.name, person.position, person.phone = officer.name, officer.role, officer.phone or person.phone
    return person


def person_for_new(cooperative, new):
    """The Person with `new`'s NIK, updated, or a new one; a NIK already of another cooperative is refused."""
    person = db.session.scalar(select(Person).where(Person.nik == new.nik)) if new.nik else None
    if person is None:
        return Person(cooperative_id=cooperative.id, name=new.name, position=new.position, phone=new.phone,
                      nik=new.nik)
    if person.cooperative_id != cooperative.id:
        raise Refused(_("NIK ini sudah tercatat untuk orang dari koperasi lain."))
    person.name, person.position, person.phone = new.name, new.position, new.phone or person.phone
    return person


def remove(participant):
    """Take a participant off the session, with their attendance and test answers (their Person stays)."""
    db.session.execute(delete(TestAnswer).where(TestAnswer.participant_id == participant.id))
    db.session.delete(participant)


def participants_of(session, cooperative_ids):
    """The session's participants from `cooperative_ids` (the user's), with their person and attendance."""
    return db.session.scalars(
        select(Participant).where(Participant.session_id == session.id,
                                  Participant.cooperative_id.in_(cooperative_ids))
        .options(selectinload(Participant.person), selectinload(Participant.attendance))
        .order_by(Participant.id)).all()


def days_present(participant):
    """How many days a participant was marked present."""
    return sum(1 for row in participant.attendance if row.present)


class Labelled:
    """What a template needs to show a participant: their position in words and the days they came."""
    label = staticmethod(position_label)
    days_present = staticmethod(days_present)


@dataclass
class Roster(Labelled):
    """A session's participants from some cooperatives (the user's, of its kecamatan), and their coverage."""
    participants: list
    by_cooperative: dict  # cooperative id -> its participants
    cooperatives: dict  # id -> Cooperative, in the order given
    coverage: object  # app.bimtek.coverage.Coverage

    def present_on(self, day):
        """How many of these participants were marked present on `day`."""
        return sum(1 for p in self.participants for mark in p.attendance if mark.day == day and mark.present)


@dataclass
class History(Labelled):
    """A cooperative's Bimtek history: its participants of every session, newest session first."""
    participants: list


def participation(session, cooperatives):
    """The template context of a session's participants from `cooperatives` (the user's, in the session's
    kecamatan): {"roster": Roster}."""
    ids = [c.id for c in cooperatives]
    found = participants_of(session, ids)
    by_cooperative = {}
    for participant in found:
        by_cooperative.setdefault(participant.cooperative_id, []).append(participant)
    return {"roster": Roster(found, by_cooperative, {c.id: c for c in cooperatives},
                             coverage(ids, [(p.cooperative_id, p.position) for p in found]))}


def trainings(cooperative_id):
    """The template context of a cooperative's Bimtek history: {"bimtek_history": History}."""
    found = db.session.scalars(
        select(Participant).join(Participant.session).where(Participant.cooperative_id == cooperative_id)
        .options(selectinload(Participant.person), selectinload(Participant.attendance),
                 selectinload(Participant.session))
        .order_by(BimtekSession.held_on.desc(), BimtekSession.id, Participant.id)).all()
    return {"bimtek_history": History(found)}
