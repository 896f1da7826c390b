"""The bytes of every stored photo: an assessment's evidence photo (keyed by Photo.id) or a follow-up
action's (keyed by FollowupAction.photo_id). Both ids are random UUIDs, so one table serves both."""
import uuid
from datetime import datetime

from sqlalchemy import DateTime, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.extensions import db


class PhotoBytes(db.Model):
    """A photo's JPEG, its thumbnail (None for photos kept before thumbnails were), and the JPEG's sha256."""
    __tablename__ = "photo_bytes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    jpeg: Mapped[bytes] = mapped_column(LargeBinary)
    thumb: Mapped[bytes | None] = mapped_column(LargeBinary)
    size: Mapped[int]  # bytes of the JPEG
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
