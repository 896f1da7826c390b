"""What a cooperative's follow-up plan proposes after a Bimtek. Plain Python: no Flask, no database.

From one approved assessment (its answers and its stored section scores) the plan takes the sections
below the instrument's top level (scoring.ready_from), weakest first, at most MAX_SECTIONS, and in each
the questions it did not meet; each action says what "better" is in the instrument's own words: the next
rubric level of a scale, the question itself for yes/no, the target of a count, the best option of a choice.
"""
from dataclasses import dataclass

from app.instruments.definition import NA, Choice, Count, Scale, YesNo
from app.instruments.scoring import ready_from, visible_questions, weak_answers
from app.rollups.stats import to_strengthen

MAX_SECTIONS = 3
# How the proposal is worded around the instrument's texts, in each of its languages.
WORDING = {
    "id": {"yesno": "Penuhi: {question}", "scale": "{question}: naik ke tingkat {level}: {rubric}",
           "count": "{question}: capai target {target}", "choice": "{question}: capai \"{option}\""},
    "en": {"yesno": "Achieve: {question}", "scale": "{question}: reach level {level}: {rubric}",
           "count": "{question}: reach the target of {target}", "choice": "{question}: reach \"{option}\""},
}


@dataclass(frozen=True)
class Proposal:
    section_code: str
    question_code: str
    text: str


def unmet(instrument, section, answers):
    """The section's questions to work on: its weak answers (scoring.weak_answers), in instrument order; if it
    has none, the answered question scoring lowest below full marks, so a weak section always gets one."""
    weak = weak_answers(instrument, answers)
    codes = [q.code for q in section.questions if q.code in weak]
    if codes:
        return codes
    visible = visible_questions(instrument, answers)
    scored = [(q.item_score(answers[q.code]), n, q.code) for n, q in enumerate(section.questions)
              if q.scored and q.code in visible and answers.get(q.code) not in (None, NA)
              and q.item_score(answers[q.code]) < 1]
    return [min(scored)[2]] if scored else []


def better(question, value, language="id"):
    """What meeting `question` looks like, answered `value`, in `language`: one step up the rubric of a scale,
    the question itself for yes/no, the target of a count, the best option of a choice."""
    words, text = WORDING.get(language, WORDING["id"]), question.text.get(language).rstrip(" ?")
    if isinstance(question, Scale):
        level = min(4, (value if isinstance(value, int) else -1) + 1)
        return words["scale"].format(question=text, level=level, rubric=question.rubric[level].get(language))
    if isinstance(question, Count):
        return words["count"].format(question=text, target=question.target)
    if isinstance(question, Choice):
        best = max(question.options, key=lambda option: option.score)
        return words["choice"].format(question=text, option=best.label.get(language))
    if isinstance(question, YesNo):
        return words["yesno"].format(question=text)
    return text


def propose(instrument, answers, section_scores, language="id"):
    """[Proposal] for one cooperative from its assessment's typed `answers` ({code: value}) and stored
    `section_scores` ({section code: score or None}): weakest section first, questions in instrument order."""
    weakest = to_strengthen(section_scores, instrument.section_codes, ready_from(instrument))[:MAX_SECTIONS]
    proposals = []
    for code in weakest:
        section = instrument.section(code)
        for question_code in unmet(instrument, section, answers):
            question = instrument.question(question_code)
            proposals.append(Proposal(code, question_code, better(question, answers.get(question_code), language)))
    return proposals


def in_language(instrument, question_code, text, language):
    """`text` in `language` if it is the instrument's own proposal for the question (any rubric step of a
    scale), so an English user reads it in English; a wording the Dinas wrote or changed stays as it is."""
    question = instrument.question(question_code) if question_code else None
    if question is None or language == "id":
        return text
    values = range(-1, 4) if isinstance(question, Scale) else (None,)
    return next((better(question, value, language) for value in values if better(question, value, "id") == text),
                text)
