"""Bimtek sessions: the Dinas's training days, the kecamatan each covers, and their readiness."""
from flask import Blueprint

bp = Blueprint("bimtek", __name__)
