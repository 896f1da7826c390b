"""The clock: now in UTC, as times are stored, and the calendar day where the programme works."""
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


def utcnow():
    """Now, in UTC."""
    return datetime.now(UTC)


def today(timezone):
    """Today's date in `timezone`, not on the server's clock: a server on UTC is still on yesterday from
    00:00 to 07:00 WIB."""
    return datetime.now(ZoneInfo(timezone)).date()


def end_of(day, timezone):
    """The first moment after `day` in `timezone`: "as of 14 October" includes all of it. In UTC, as times
    are stored: SQLite compares them as text."""
    return datetime.combine(day + timedelta(days=1), time(), ZoneInfo(timezone)).astimezone(UTC)
