"""Home page and site-wide bits: the language switch."""
from flask import Blueprint

bp = Blueprint("main", __name__)
