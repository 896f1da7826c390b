"""Assessments: a facilitator's visit to a cooperative, answered section by section on a phone."""
from flask import Blueprint

bp = Blueprint("assessments", __name__)
