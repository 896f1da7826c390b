"""Every model, imported in one place so Flask-Migrate sees all tables."""
from app.regions.models import District, Province, Regency, Village  # noqa: F401
from app.auth.models import User, user_district  # noqa: F401
from app.cooperatives.models import Cooperative, Officer  # noqa: F401
from app.instruments.models import InstrumentInUse, InstrumentVersion  # noqa: F401
from app.assessments.models import Answer, Assessment, Event, Photo, SectionNote  # noqa: F401
from app.bimtek.models import (Attendance, BimtekSession, Participant, Person, TestAnswer, TestQuestion,  # noqa: F401
                               bimtek_district)
from app.followup.models import FollowupAction  # noqa: F401
from app.storage.models import PhotoBytes  # noqa: F401
from app.rollups.models import AreaCooperatives, AreaTally  # noqa: F401
