"""Regions: provinces, regencies, kecamatan and villages, and the `flask regions` commands."""
from flask import Blueprint

bp = Blueprint("regions", __name__, cli_group="regions")
