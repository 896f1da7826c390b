"""Scores an assessment's answers against its instrument. Plain Python: no Flask, no database.

`answers` maps question codes to values: True/False (yes/no), 0-4 (scale), a whole number
(count), an option code (choice), a date or a text; `NA` for "Tidak berlaku". Unanswered
questions are simply absent. Answers to hidden questions are ignored.

- An item scores in [0, 1]. A section's score is 100 x the mean of its answered, visible,
  scored items; N/A, hidden and unanswered items are out of numerator and denominator.
- The total is the weighted mean of the sections that have a score (with every section
  scored, the weighted sum / 100). The level comes from the total rounded to one decimal,
  as it is shown, and gates then cap it.
"""
from dataclasses import dataclass

from app.instruments.definition import NA

# An answer scoring less than this share of its item is weak: a "no", a scale level 0 or 1, a count
# under half its target (or under its floor), an option worth less than half.
WEAK = 0.5


@dataclass(frozen=True)
class SectionResult:
    code: str
    weight: float
    score: float | None        # 0-100, None while no scored item is answered
    completeness: float        # 0-100: share of its visible required questions answered
    missing: tuple[str, ...]   # visible required questions without an answer


@dataclass(frozen=True)
class Result:
    instrument: str
    version: int | None
    sections: tuple[SectionResult, ...]
    total: float | None
    level: str | None           # after gates
    uncapped_level: str | None  # from the total alone
    gates: tuple[str, ...]      # codes of the gates that capped the level

    @property
    def missing(self):
        return tuple(code for section in self.sections for code in section.missing)

    @property
    def complete(self):
        return not self.missing


def visible_questions(instrument, answers):
    """Codes of the questions shown: those without a relevance rule, or whose rule holds."""
    visible = set()
    for question in instrument.questions:
        rule = question.show_if
        if rule is None or (rule.question in visible and rule.holds(answers.get(rule.question))):
            visible.add(question.code)
    return visible


def weak_answers(instrument, answers):
    """Codes of the shown answers a reviewer should look at first: a scored answer worth less than WEAK of its
    item, and an answer that makes a gate cap the level."""
    visible = visible_questions(instrument, answers)
    weak = {gate.when.question for gate in instrument.gates
            if gate.when.question in visible and gate.when.holds(answers.get(gate.when.question))}
    for question in instrument.questions:
        value = answers.get(question.code)
        answered = question.code in visible and value is not None and value is not NA
        if answered and question.scored and question.item_score(value) < WEAK:
            weak.add(question.code)
    return weak


def score(instrument, answers, version=None):
    """The Result of `answers` on `instrument` (published as `version`, if it is)."""
    visible = visible_questions(instrument, answers)
    sections = tuple(section_result(section, answers, visible) for section in instrument.sections)
    scored = [s for s in sections if s.score is not None]
    weight = sum(s.weight for s in scored)
    total = sum(s.weight * s.score for s in scored) / weight if scored else None
    if total is None:
        return Result(instrument.code, version, sections, None, None, None, ())
    uncapped = level_for(instrument, total)
    visible_answers = {code: value for code, value in answers.items() if code in visible}
    rank = [level.code for level in instrument.levels]
    level, gates = uncapped, []
    for gate in instrument.gates:
        if gate.when.holds(visible_answers.get(gate.when.question)) and rank.index(gate.cap) < rank.index(uncapped):
            gates.append(gate.code)
            level = min(level, gate.cap, key=rank.index)
    return Result(instrument.code, version, sections, total, level, uncapped, tuple(gates))


def level_for(instrument, total):
    """The highest level whose minimum the total (rounded to 0.1, as shown) reaches."""
    rounded = round(total, 1)
    return [level.code for level in instrument.levels if level.min <= rounded][-1]


def section_result(section, answers, visible):
    """The SectionResult of one section, given the codes of the questions shown (visible_questions)."""
    items, missing, required = [], [], 0
    for question in section.questions:
        if question.code not in visible:
            continue
        value = answers.get(question.code)
        if question.required:
            required += 1
            if value is None:
                missing.append(question.code)
        if question.scored and value is not None and value is not NA:
            items.append(question.item_score(value))
    score = 100 * sum(items) / len(items) if items else None
    completeness = 100 * (required - len(missing)) / required if required else 100.0
    return SectionResult(section.code, section.weight, score, completeness, tuple(missing))


def ready_from(instrument):
    """The score from which a section counts as ready: where the instrument's highest level starts. A
    section below it is one the cooperative still has to strengthen (stats.to_strengthen)."""
    return instrument.levels[-1].min


def level_bands(instrument):
    """[(level, lowest score, highest score)] of each level, as totals are shown (to 0.1): a level runs
    from its min up to just below the next one's, the highest up to 100."""
    levels = instrument.levels
    tops = [round(later.min - 0.1, 1) for later in levels[1:]] + [100]
    return [(level, level.min, top) for level, top in zip(levels, tops)]
