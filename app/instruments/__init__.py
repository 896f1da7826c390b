"""Instruments: the readiness questionnaire as versioned data, its scoring, and `flask instruments`."""
from flask import Blueprint

bp = Blueprint("instruments", __name__, cli_group="instruments")
