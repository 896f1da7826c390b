"""Cooperatives: the list with active search, the profile page, the admin's edit, and seeding."""
from flask import Blueprint

bp = Blueprint("cooperatives", __name__, cli_group="cooperatives")
