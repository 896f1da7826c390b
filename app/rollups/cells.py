"""What goes into a cell of an exported file. Plain Python: no Flask, no database.

Excel, LibreOffice and Google Sheets read a CSV cell that starts with = + - or @ as a formula (and
skip a leading tab or line break before one): a cooperative's name or a text answer typed as
=HYPERLINK(...) or =cmd|... would run on the Dinas's computer when the file is opened.
"""
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")


def inert(value):
    """A CSV cell no spreadsheet runs: text that starts like a formula gets OWASP's leading apostrophe, which
    a spreadsheet reads as "this is text". Numbers (a negative one too), dates and blanks are left as they are:
    only user text is ever neutralised."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def number(value):
    """A score for a file: one decimal, and a whole number when it is one."""
    if value is None:
        return None
    value = round(value, 1)
    return int(value) if value == int(value) else value
