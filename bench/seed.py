"""The national benchmark dataset: every village's cooperative, two approved rounds each, and the people.

Writes in bulk, one regency per transaction, so an interrupted seed resumes where it stopped and a
rerun adds nothing. The answers are scored by the real scoring module, as a submit would.
"""
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import func, insert, select
from werkzeug.security import check_password_hash, generate_password_hash

from app import ROOT
from app.access import joined_to_areas
from app.assessments.models import Answer, Assessment, Event
from app.assessments.service import stored_result
from app.assessments.workflow import APPROVED, DRAFT, SUBMITTED
from app.auth.models import User, user_district
from app.cooperatives.models import Cooperative
from app.cooperatives.seed import seed_cooperatives
from app.rollups.stats import Tally
from app.rollups.tallies import add_to_tallies, result_tally
from app.demo import INSTRUMENT_FILE
from app.instruments.definition import NA, load_text
from app.instruments.models import publish, version_in_use
from app.instruments.scoring import score
from app.regions.files import read_regions
from app.regions.models import District, Regency, Village
from app.regions.store import save_regions
from app.roles import ADMIN, FACILITATOR, SUPERVISOR
from bench import synthetic

PASSWORD = "siapkop-bench"  # every benchmark user's password: the dataset is synthetic
WIB = timezone(timedelta(hours=7))


def facilitator_name(district_code):
    return f"f-{district_code}"


def supervisor_name(district_code):
    return f"s-{district_code}"


def admin_name(regency_code):
    return f"dinas-{regency_code}" if regency_code else "nasional"


class NotABenchDatabase(Exception):
    """The database holds users the benchmark did not create: it is someone's real data."""


def strangers(session):
    """The usernames of users this benchmark did not create: a name it never gives (its names come from the
    kecamatan and regencies loaded), or one of its names with a password that is not PASSWORD (a real
    "nasional", say). Each distinct hash is checked once: a seed hashes PASSWORD once for all its users."""
    ours = {admin_name(None), *map(admin_name, session.scalars(select(Regency.code)))}
    for district in session.scalars(select(District.code)):
        ours.update((facilitator_name(district), supervisor_name(district)))
    known_hashes = {}
    found = []
    for username, password_hash in session.execute(select(User.username, User.password_hash).order_by(User.username)):
        if password_hash not in known_hashes:
            known_hashes[password_hash] = check_password_hash(password_hash, PASSWORD)
        if username not in ours or not known_hashes[password_hash]:
            found.append(username)
    return found


def seed(session, seed_text, regencies=(), echo=print):
    """Build (or finish building) the dataset for `regencies` (Kemendagri codes), or the whole country.

    Raises NotABenchDatabase, having written nothing, if the database holds users the benchmark did not
    create: it would add admins whose password is in this repository to a real database."""
    found = strangers(session)
    session.rollback()  # end the read: nothing is held open, nothing was written
    if found:
        raise NotABenchDatabase(found)
    source = INSTRUMENT_FILE.read_text(encoding="utf-8")
    instrument = load_text(source)
    version = version_in_use(session, instrument.code) or publish(session, instrument, source)[0]
    for code in regencies or (None,):
        save_regions(session, read_regions(ROOT / "data" / "regions", code))
    codes = list(regencies) or session.scalars(select(Regency.code).order_by(Regency.code)).all()
    for code in codes:
        seed_cooperatives(session, code)
    session.commit()
    seed_users(session, codes)
    done = 0
    for code in codes:
        if session.scalar(joined_to_areas(select(func.count()).select_from(Assessment).join(Assessment.cooperative))
                          .where(District.regency_code == code)):
            continue
        done += seed_assessments(session, seed_text, code, version)
        session.commit()
    echo(f"{len(codes)} regencies; {done} assessments added.")


def seed_users(session, regency_codes):
    """A facilitator and a supervisor per kecamatan, a Dinas admin per regency, one national admin."""
    known = set(session.scalars(select(User.username)))
    password = generate_password_hash(PASSWORD)
    districts = session.scalars(select(District.code).where(District.regency_code.in_(regency_codes))).all()
    people = [(name(d), role, None) for d in districts
              for name, role in ((facilitator_name, FACILITATOR), (supervisor_name, SUPERVISOR))]
    people += [(admin_name(r), ADMIN, r) for r in (*regency_codes, None)]
    users = [{"username": username, "name": username, "role": role, "regency_code": regency, "password_hash": password}
             for username, role, regency in people]
    users = [u for u in users if u["username"] not in known]
    if users:
        session.execute(insert(User), users)
        ids = dict(session.execute(select(User.username, User.id).where(User.username.in_([u["username"] for u in users]))).all())
        session.execute(insert(user_district), [
            {"user_id": ids[name(d)], "district_code": d} for d in districts
            for name in (facilitator_name, supervisor_name) if name(d) in ids])
    session.commit()


def seed_assessments(session, seed_text, regency_code, version):
    """Two approved rounds for every cooperative of the regency; returns how many assessments."""
    instrument = version.instrument
    users = dict(session.execute(select(User.username, User.id)).all())  # small next to the answers
    cooperatives = session.execute(
        joined_to_areas(select(Cooperative.id, Village.code, Village.district_code))
        .where(District.regency_code == regency_code).order_by(Village.code)).all()
    assessments, answers, events, counted = [], [], [], []
    for cooperative_id, village_code, district_code in cooperatives:
        rng = synthetic.rng_for(seed_text, village_code)
        typical = synthetic.district_readiness(seed_text, district_code)
        facilitator, supervisor = users[facilitator_name(district_code)], users[supervisor_name(district_code)]
        for round_index, readiness in enumerate(synthetic.cooperative_readiness(rng, typical)):
            values = synthetic.answers(rng, instrument, readiness)
            visit = synthetic.visit_day(rng, round_index)
            submitted = datetime.combine(visit, time(15), WIB).astimezone(timezone.utc)
            approved = submitted + timedelta(days=rng.randrange(1, 10), hours=rng.randrange(6))
            aid = synthetic.new_uuid(rng)
            assessments.append({
                "id": aid, "cooperative_id": cooperative_id, "instrument_version_id": version.id,
                "facilitator_id": facilitator, "status": APPROVED, "status_at": approved, "version": 3,
                "visit_date": visit,
                "attendees": ["Ketua (ketua)", "Sekretaris (sekretaris)"], "created_at": submitted,
                "updated_at": approved, "submitted_at": submitted,
                **stored_result(score(instrument, values, version.number))})
            answers += [answer_row(aid, instrument.question(code), value, submitted) for code, value in values.items()
                        if value != ""]
            events += [
                {"assessment_id": aid, "at": submitted - timedelta(hours=5), "user_id": facilitator, "action": "start",
                 "source": None, "target": DRAFT},
                {"assessment_id": aid, "at": submitted, "user_id": facilitator, "action": "submit", "source": DRAFT,
                 "target": SUBMITTED},
                {"assessment_id": aid, "at": approved, "user_id": supervisor, "action": "approve",
                 "source": SUBMITTED, "target": APPROVED}]
        counted.append((district_code, assessments[-1]))  # the second round, approved last, counts
    if assessments:
        session.execute(insert(Assessment), assessments)
        session.execute(insert(Answer), answers)
        session.execute(insert(Event), events)
        add_to_tallies(session, tallies_of(session, regency_code, version, counted))
    return len(assessments)


def tallies_of(session, regency_code, version, counted):
    """{(area code, version id): Tally} of the assessments that count, [(kecamatan code, assessment row)], in
    their kecamatan, the regency and its province: what the transitions would have kept."""
    province = session.scalar(select(Regency.province_code).where(Regency.code == regency_code))
    changes = {}
    for district_code, row in counted:
        tally = result_tally(row["score"], row["level"], row["result"])
        for area in (district_code, regency_code, province):
            changes.setdefault((area, version.id), Tally()).add(tally)
    return changes


def answer_row(assessment_id, question, value, at):
    not_applicable = value is NA
    return {"assessment_id": assessment_id, "question_code": question.code, "updated_at": at,
            "value": None if not_applicable else question.encode(value), "not_applicable": not_applicable,
            "client_ts": int(at.timestamp() * 1000), "client_seq": 0}
