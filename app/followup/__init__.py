"""Follow-up plans (Rencana Tindak Lanjut): after a Bimtek, each cooperative's actions, their owners,
due dates and status, checked by the facilitator at the next visit."""
from flask import Blueprint

bp = Blueprint("followup", __name__)
