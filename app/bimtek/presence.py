"""Attendance rules: which day a day number names, and which of two changes stands. Plain Python: no Flask,
no database.

A day is named by its number in the session, 1 for the first. A change of attendance stands when it was
made (on the server's clock, see app.assessments.merge.corrected) no earlier than the one stored: the later
change stands, as for answers, so a tap queued offline does not undo a later one sent from another device.
"""
from datetime import datetime, timezone


def day_of(days, number):
    """The date of day `number` (1-based) of a session whose days are `days`, or None outside them."""
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= len(days):
        return None
    return days[number - 1]


def millis(moment):
    """A stored time as milliseconds since 1970; a time without a zone (SQLite gives those) is UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return round(moment.timestamp() * 1000)


def moment(ms):
    """Milliseconds since 1970 as a UTC time."""
    return datetime.fromtimestamp(ms / 1000, timezone.utc)


def stands(incoming, stored):
    """Whether a change made at `incoming` (ms) replaces one stored as made at `stored` (ms; None: none)."""
    return stored is None or incoming >= stored


def tally(present_ids, participant_ids):
    """(how many of `participant_ids` are present, how many there are), counting only those registered."""
    registered = set(participant_ids)
    return len(registered & set(present_ids)), len(registered)
