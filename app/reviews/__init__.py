"""Reviews: the supervisors' queue, the review page, and approve / return / reopen."""
from flask import Blueprint

bp = Blueprint("reviews", __name__)
