"""Rollups: the regency dashboard, the kecamatan page, exports and the printable readiness sheet."""
from flask import Blueprint

bp = Blueprint("rollups", __name__)
