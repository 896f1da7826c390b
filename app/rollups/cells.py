"""What goes into a cell of an exported file, and how wide its column is. Plain Python: no Flask, no database.

Excel, LibreOffice and Google Sheets read a CSV cell that starts with = + - or @ as a formula (and
skip a leading tab or line break before one): a cooperative's name or a text answer typed as
=HYPERLINK(...) or =cmd|... would run on the Dinas's computer when the file is opened.
"""
import textwrap

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


def column_width(header, least, most=40):
    """How wide (in characters) a column is made: wide enough for `header` on one line and for its values
    (`least`), but never past `most`; a longer header wraps (see header_lines)."""
    return min(max(len(header) + 2, least), most)


def header_lines(headers, widths):
    """How many lines the tallest of `headers` takes, each wrapped at word breaks in its column's width."""
    return max((len(textwrap.wrap(header, max(width - 2, 1))) for header, width in zip(headers, widths)), default=1)
