"""The national-scale benchmark: `flask bench seed` builds the dataset, `flask bench run` measures it."""
from flask import Blueprint

bp = Blueprint("bench", __name__, cli_group="bench")
