"""User management: the admin's pages and `flask users create`."""
from flask import Blueprint

bp = Blueprint("users", __name__, cli_group="users")
