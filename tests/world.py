"""A world of three areas with real data in every state, for the access and CSRF walks over the url_map.

Diwek is the home kecamatan, Wonosalam another kecamatan of Jombang, and Pacet a kecamatan of another
regency (Mojokerto), so that the Dinas of Jombang has an "other area" too. Every record made here
carries its area's marker (TAGS) in a name, note or comment, so a body that shows another area's data
is found by searching it for that area's marker.
"""
import hashlib
import io
import re
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from PIL import Image
from sqlalchemy import event, select

from app.assessments.photos import process_photo
from app.assessments.service import parse_answer, save_answer, save_note, start, store_photo, transition
from app.auth.models import User
from app.bimtek.models import Attendance, BimtekSession, Participant, Person, TestAnswer, TestQuestion
from app.cooperatives.models import Cooperative, Officer
from app.cooperatives.seed import seed_cooperatives
from app.extensions import db
from app.followup.models import FollowupAction
from app.instruments.models import publish
from app.regions.files import read_regions
from app.regions.models import District, Village
from app.regions.store import save_regions
from app.roles import FACILITATOR, SUPERVISOR
from tests.support import BEST, DIWEK, INSTRUMENT, REGIONS_DIR, SOURCE, WONOSALAM, Auth, add_user, csrf_token

MOJOKERTO, PACET = "35.16", "35.16.03"
HOME, OTHER, FOREIGN = "home", "other", "foreign"
TAGS = {HOME: "ZQDIWEK", OTHER: "ZQWONO", FOREIGN: "ZQPACET"}
DISTRICTS = {HOME: DIWEK, OTHER: WONOSALAM, FOREIGN: PACET}
FACILITATORS = {HOME: "fas.diwek", OTHER: "fas.wonosalam", FOREIGN: "fas.pacet"}
SUPERVISORS = {HOME: "sup.diwek", OTHER: "sup.wonosalam", FOREIGN: "sup.pacet"}
STATES = ("draft", "complete", "submitted", "returned", "approved")
WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|TRUNCATE)\b", re.IGNORECASE)
# Who is logged in for each role of the walks (None: nobody), and the area each may see.
ROLES = {"anonymous": None, "facilitator": "fas.diwek", "supervisor": "sup.diwek", "admin": "dinas",
         "facilitator-other": "fas.wonosalam", "supervisor-other": "sup.wonosalam"}
VISIBLE = {"anonymous": (), "facilitator": (HOME,), "supervisor": (HOME,), "admin": (HOME, OTHER),
           "facilitator-other": (OTHER,), "supervisor-other": (OTHER,)}


@dataclass
class Area:
    """The ids of one area's records."""
    district: str
    cooperative: int = 0
    assessments: dict = field(default_factory=dict)  # state -> assessment id
    photo: uuid.UUID = None
    session: int = 0
    shared_session: int = 0  # the Bimtek covering Diwek and Wonosalam
    facilitator: int = 0
    participant: int = 0  # the first cooperative's ketua at the area's own session, present on day 1
    question: int = 0  # the session's test question, answered in the pre-test
    action: int = 0  # the first cooperative's follow-up action after the session


def jpeg():
    """A small photo, as a phone would send it."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(out, "JPEG")
    return out.getvalue()


def build(photo_folder):
    """Mojokerto, the default instrument and every area's records, beside Jombang; returns {area: Area}."""
    save_regions(db.session, read_regions(REGIONS_DIR, MOJOKERTO))
    seed_cooperatives(db.session, MOJOKERTO)
    add_user(FACILITATORS[FOREIGN], FACILITATOR, (PACET,))
    for area, district in DISTRICTS.items():
        add_user(SUPERVISORS[area], SUPERVISOR, (district,))
    version = publish(db.session, INSTRUMENT, SOURCE)[0]
    db.session.commit()
    areas = {area: build_area(area, version, photo_folder) for area in DISTRICTS}
    shared = BimtekSession(title="Bimtek Bersama Diwek Wonosalam", held_on=date(2025, 10, 14), venue="Pendopo",
                           regency_code="35.17", districts=[db.session.get(District, DIWEK),
                                                            db.session.get(District, WONOSALAM)])
    db.session.add(shared)
    db.session.commit()
    areas[HOME].shared_session = areas[OTHER].shared_session = shared.id
    return areas


def build_area(area, version, photo_folder):
    """Cooperatives, users, assessments in each state (notes, a photo, comments) and a Bimtek, all marked."""
    tag, district = TAGS[area], DISTRICTS[area]
    user = lambda name: db.session.scalar(select(User).where(User.username == name))  # noqa: E731
    facilitator, supervisor = user(FACILITATORS[area]), user(SUPERVISORS[area])
    facilitator.name, supervisor.name = f"Pendamping {tag}", f"Supervisor {tag}"
    cooperatives = db.session.scalars(select(Cooperative).join(Cooperative.village).where(
        Village.district_code == district).order_by(Cooperative.id).limit(len(STATES))).all()
    for n, cooperative in enumerate(cooperatives, start=1):
        cooperative.village.name = f"{cooperative.village.name} {tag}"
        cooperative.name, cooperative.address, cooperative.phone = f"Koperasi {tag} {n}", f"Jalan {tag}", "0321 555 123"
        cooperative.officers = [Officer(role="pengurus:ketua", name=f"Ketua {tag} {n}", phone="0812 3456 789")]
    db.session.commit()
    ids = Area(district, cooperative=cooperatives[0].id, facilitator=facilitator.id)
    for state, cooperative in zip(STATES, cooperatives):
        visit = start(uuid.uuid4(), cooperative, facilitator, version, visit_date=date(2025, 10, 1),
                      attendees=[f"Ketua {tag} (Ketua)"], latitude=-7.6, longitude=112.2, accuracy_m=8)
        questions = visit.instrument.questions if state != "draft" else visit.instrument.questions[:3]
        for question in questions:
            save_answer(visit, question, parse_answer(question, BEST[question.code], False))
        save_note(visit, "A", f"Catatan {tag} {state}")
        if state == "draft":
            ids.photo = store_photo(visit, "A1", process_photo(jpeg())).id
        db.session.commit()
        if state in ("submitted", "returned", "approved"):
            transition(visit, "submit", facilitator, visit.version)
        if state == "returned":
            transition(visit, "return", supervisor, visit.version, f"Komentar {tag}", {"A1": f"Komentar soal {tag}"})
        if state == "approved":
            transition(visit, "approve", supervisor, visit.version, f"Disetujui {tag}")
        ids.assessments[state] = visit.id
    session = BimtekSession(title=f"Bimtek {tag}", held_on=date(2025, 10, 14), ends_on=date(2025, 10, 15),
                            venue=f"Balai {tag}", notes=f"Catatan Bimtek {tag}", regency_code=district[:5],
                            districts=[db.session.get(District, district)])
    db.session.add(session)
    db.session.commit()
    ids.session = session.id
    build_training(ids, session, cooperatives[0], tag)
    return ids


def build_training(ids, session, cooperative, tag):
    """The area's session: its ketua registered, present on day 1, a test question answered in the pre-test,
    scores, and a follow-up action owned by the ketua."""
    ketua = cooperative.officers[0]
    person = Person(cooperative=cooperative, officer=ketua, name=ketua.name, position=ketua.role, phone=ketua.phone)
    participant = Participant(session=session, person=person, cooperative=cooperative, position=ketua.role,
                              pre_score=40, post_score=70)
    question = TestQuestion(session=session, number=1, topic_code="tugas-pengurus-pengawas",
                            text=f"Soal {tag}: siapa yang mengawasi pengurus?", options=["Pengawas", "Anggota"],
                            answer=0)
    db.session.add_all([person, participant, question])
    db.session.flush()
    db.session.add_all([Attendance(participant_id=participant.id, day=session.held_on, present=True),
                        TestAnswer(participant_id=participant.id, question_id=question.id, phase="pre", choice=1)])
    action = FollowupAction(session=session, cooperative=cooperative, section_code="D", question_code="D1",
                            text=f"Lengkapi pengurus {tag}", owner=ketua, due_on=date(2026, 1, 14))
    db.session.add(action)
    db.session.commit()
    ids.participant, ids.question, ids.action = participant.id, question.id, action.id


ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def arguments(rule):
    """The names of a url_map rule's arguments, e.g. ["assessment_id", "code"]."""
    return ARGUMENT.findall(rule)


def path_of(rule, values):
    """The rule's path with its arguments filled from `values`."""
    return ARGUMENT.sub(lambda m: str(values[m.group(1)]), rule)


def snapshot(photo_folder):
    """A digest of every table's rows and of the photo files: {name: digest}, to tell what a request changed."""
    digests = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
        digests[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    files = sorted((str(p.relative_to(photo_folder)), p.stat().st_size)
                   for p in Path(photo_folder).rglob("*") if p.is_file())
    digests["photo files"] = hashlib.sha256(repr(files).encode()).hexdigest()
    db.session.rollback()  # end the read transaction, so the next snapshot sees new commits
    return digests


def changed(before, after):
    return sorted(name for name in before if before[name] != after[name])


def copy_photos(source, target):
    shutil.rmtree(target, ignore_errors=True)
    if Path(source).exists():  # photos are kept in the database: a file there is an older version's
        shutil.copytree(source, target)
    else:
        Path(target).mkdir(parents=True)


class World:
    """The app on a working copy of the built world, one logged-in session per role, and a way back."""

    def __init__(self, app, areas, photos, built_photos, reset_database):
        self.app, self.areas, self._reset_database = app, areas, reset_database
        self.photos, self._built_photos = Path(photos), Path(built_photos)
        self.cookies, self.tokens, self.names = {}, {}, {}
        for role, username in ROLES.items():
            client = app.test_client()
            if username:
                Auth(client).login(username)
                self.names[role] = db.session.scalar(select(User.name).where(User.username == username))
            self.tokens[role] = csrf_token(client.get("/offline").get_data(as_text=True))
            self.cookies[role] = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
        self.built_files = self.files()
        self.watch_writes()

    def watch_writes(self):
        """Record every statement that writes, from now on: a GET must send none."""
        self.writes = []

        def record(_conn, _cursor, statement, *_args):
            if WRITE.match(statement):
                self.writes.append(statement.split("(")[0].strip())
        event.listen(db.engine, "before_cursor_execute", record)

    def client(self, role):
        """A new client holding `role`'s session (and so its CSRF token)."""
        client = self.app.test_client()
        client.set_cookie(self.app.config["SESSION_COOKIE_NAME"], self.cookies[role])
        return client

    def snapshot(self):
        return snapshot(self.photos)

    def files(self):
        return sorted(str(p.relative_to(self.photos)) for p in self.photos.rglob("*"))

    def restore(self):
        """Put the database and the photo files back as built."""
        db.session.remove()
        db.engine.dispose()
        self._reset_database()
        copy_photos(self._built_photos, self.photos)


def session_of(app, client):
    """The decoded session a client holds, less Flask-Login's freshness mark (set on any anonymous request)."""
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    session = app.session_interface.get_signing_serializer(app).loads(cookie.value) if cookie else {}
    session.pop("_fresh", None)
    return session
