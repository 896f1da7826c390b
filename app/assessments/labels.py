"""An answer in words, as a person reads it: what the history and the answers export show beside its code."""
from flask_babel import format_date, format_decimal, get_locale
from flask_babel import gettext as _

from app.assessments.service import HISTORY_NA
from app.instruments.definition import AnswerError


def answer_label(question, stored, not_applicable=False, short=False):
    """The answer stored as `stored` to `question`, in the user's language: Ya or Tidak, Tidak berlaku, a
    choice's option, a scale's rubric text (its level alone when `short`), a count or a date in the locale's
    format, a text as typed. The stored text as it is for a question the instrument does not have, or a
    value it cannot read; None for no answer."""
    if not_applicable:
        return _("Tidak berlaku")
    if stored is None or question is None:
        return stored
    try:
        value = question.parse(stored)
    except AnswerError:
        return stored
    language = get_locale().language
    if question.type == "yesno":
        return _("Ya") if value else _("Tidak")
    if question.type == "scale":
        return format_decimal(value) if short else f"{value}: {question.rubric[value].get(language)}"
    if question.type == "choice":
        return next(option.label.get(language) for option in question.options if option.code == value)
    if question.type == "count":
        return format_decimal(value)
    if question.type == "date":
        return format_date(value, "long")
    return value


def history_label(question, text):
    """An answer as the history stored it (service.history_text), in words (answer_label, short). HISTORY_NA
    is "Tidak berlaku" only where the question may be answered so: elsewhere it is a text typed in."""
    not_applicable = text == HISTORY_NA and (question is None or question.not_applicable)
    return answer_label(question, None if not_applicable else text, not_applicable, short=True)
