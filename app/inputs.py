"""The limits every input keeps before it reaches the database, whatever form, URL or batch brought it.

PostgreSQL refuses NUL characters in text; a Python string decoded from JSON may hold lone
surrogates that no database encoding takes; and a number past 64 bits (32 for a sequence
number) overflows its column. Values breaking these are refused with a message, never stored.
Plain Python: the rule modules use these too (the URL converter keeping MAX_ID is in the factory).
"""
MAX_ID = 2 ** 63 - 1  # the largest id a BIGINT (or SQLite INTEGER) column holds
MAX_SEQ = 2 ** 31 - 1  # an outbox sequence number: an INTEGER column
MAX_STAMP = 2 ** 53  # a phone's clock in ms: JavaScript's largest safe integer
# How deep lists and objects may nest in JSON sent to us: far more than any batch needs, and few enough
# that walking them cannot reach Python's recursion limit.
MAX_DEPTH = 32


def storable_text(text):
    """Whether a string can be stored as text on every database: no NUL, no lone surrogate."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def nested_within(data, limit=MAX_DEPTH):
    """Whether lists and objects in JSON data nest at most `limit` deep; the walk stops there, so any
    depth is safe to ask about."""
    if isinstance(data, dict):
        data = data.values()
    elif not isinstance(data, list):
        return True
    return limit > 0 and all(nested_within(item, limit - 1) for item in data)


def storable(data):
    """Whether every string in nested JSON data (keys too) is storable_text. It recurses: ask
    nested_within first."""
    if isinstance(data, str):
        return storable_text(data)
    if isinstance(data, dict):
        return all(storable(key) and storable(value) for key, value in data.items())
    if isinstance(data, list):
        return all(storable(item) for item in data)
    return True


def whole(value, low, high):
    """Whether `value` is an int (a bool is not) from low to high."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def id_number(text):
    """A query-string id (`request.args.get(..., type=id_number)`): None unless 1 to MAX_ID."""
    number = int(text)
    if not 1 <= number <= MAX_ID:
        raise ValueError(text)
    return number


def page_number(text):
    """A list's ?page= (`request.args.get("page", 1, type=page_number)`): the first page unless 1 to a million."""
    number = int(text)
    if not 1 <= number <= 1_000_000:  # beyond, the query's OFFSET would overflow its 64 bits
        raise ValueError(text)
    return number
