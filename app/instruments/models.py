"""Published instrument versions (immutable) and the version new assessments use."""
from datetime import datetime

from flask import current_app
from sqlalchemy import JSON, DateTime, ForeignKey, String, Text, UniqueConstraint, event, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import db
from app.instruments.definition import Instrument


class InstrumentVersion(db.Model):
    """One published instrument, frozen: assessments answered with it keep scoring by it."""
    __tablename__ = "instrument_version"
    __table_args__ = (UniqueConstraint("code", "number", name="uq_instrument_version_code_number"),
                      UniqueConstraint("code", "fingerprint", name="uq_instrument_version_code_fingerprint"))

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    number: Mapped[int]
    fingerprint: Mapped[str] = mapped_column(String(64))
    # Both tens of KB, and read rarely (`instrument` is parsed once per process): not loaded with the row.
    definition: Mapped[dict] = mapped_column(JSON, deferred=True)
    source: Mapped[str] = mapped_column(Text, deferred=True)  # the YAML as published, comments included
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def instrument(self):
        """The Instrument, parsed once per process: a published version never changes."""
        parsed = _PARSED.get(self.fingerprint)
        if parsed is None:
            parsed = _PARSED[self.fingerprint] = Instrument.model_validate(self.definition)
        return parsed

    @property
    def label(self):
        return f"{self.code} v{self.number}"


_PARSED = {}  # fingerprint -> Instrument; versions are few and immutable


def instrument_of(session, version_id, fingerprint):
    """The Instrument of version `version_id`, whose fingerprint is known: the version's row is read
    only the first time this process meets it."""
    return _PARSED.get(fingerprint) or session.get(InstrumentVersion, version_id).instrument


@event.listens_for(InstrumentVersion, "before_update")
@event.listens_for(InstrumentVersion, "before_delete")
def _immutable(_mapper, _connection, version):
    raise ValueError(f"instrument {version.label} is published and cannot change")


class InstrumentInUse(db.Model):
    """For each instrument code, the version that new assessments are started with."""
    __tablename__ = "instrument_in_use"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("instrument_version.id"))
    version: Mapped[InstrumentVersion] = relationship()


def publish(session, instrument, source, use=True):
    """Store `instrument` as a new version unless its content is already published.

    Returns (version, created). With `use`, new assessments use that version from now on.
    """
    version = session.scalar(select(InstrumentVersion).where(
        InstrumentVersion.code == instrument.code, InstrumentVersion.fingerprint == instrument.fingerprint()))
    created = version is None
    if created:
        last = session.scalar(select(func.max(InstrumentVersion.number))
                              .where(InstrumentVersion.code == instrument.code)) or 0
        version = InstrumentVersion(code=instrument.code, number=last + 1, fingerprint=instrument.fingerprint(),
                                    definition=instrument.to_data(), source=source)
        session.add(version)
        session.flush()
    if use:
        use_version(session, version)
    return version, created


def use_version(session, version):
    """Make `version` the one new assessments of its instrument start with."""
    in_use = session.get(InstrumentInUse, version.code) or InstrumentInUse(code=version.code)
    in_use.version = version
    session.add(in_use)


def version_in_use(session, code):
    """The version new assessments of instrument `code` use, or None before any is published."""
    in_use = session.get(InstrumentInUse, code)
    return in_use.version if in_use else None


def current_version():
    """The version in use of this deployment's instrument (config INSTRUMENT), or None: what new
    assessments start with and what the rollups are read by."""
    return version_in_use(db.session, current_app.config["INSTRUMENT"])
