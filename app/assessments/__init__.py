"""Assessments: a facilitator's visit to a cooperative, answered section by section on a phone."""
from flask import Blueprint

bp = Blueprint("assessments", __name__)

from app.assessments import photo_routes, routes, sync  # noqa: E402,F401
