"""Change between approved rounds of assessment, and how cooperatives that attended a Bimtek changed against
those that did not. Plain Python: no Flask, no database.

A round is one approved assessment as stored (its total, level and section scores). A cooperative's rounds
are compared only within one instrument code, and section by section only where both rounds have the same
section codes.
"""
from dataclasses import dataclass, field
from statistics import fmean as mean

UP, DOWN, SAME = "up", "down", "same"


@dataclass(frozen=True, slots=True)
class Round:
    """One approved assessment: whose, when approved and visited, its stored result, and where it counts."""
    cooperative_id: int
    approved_at: object
    visit_date: object
    score: float
    level: str
    sections: dict              # section code -> score 0-100, or None
    instrument: str = ""        # the instrument's code
    area: str | None = None     # the code of the area it is counted under


def round_of(cooperative_id, approved_at, visit_date, score, level, result, instrument="", area=None):
    """A Round from an assessment's stored columns; `result` as stored ({"sections": {code: {score}}})."""
    sections = {code: entry.get("score") for code, entry in ((result or {}).get("sections") or {}).items()}
    return Round(cooperative_id, approved_at, visit_date, score, level, sections, instrument, area)


def direction(change):
    """UP, DOWN or SAME as the change reads rounded to one decimal, as pages show it; None without one."""
    if change is None:
        return None
    shown = round(change, 1)
    return UP if shown > 0 else DOWN if shown < 0 else SAME


@dataclass(frozen=True)
class Comparison:
    """A cooperative's `current` round against its `previous` one (None: only one round)."""
    current: Round
    previous: Round | None = None

    @property
    def change(self):
        return None if self.previous is None else self.current.score - self.previous.score

    @property
    def sections_comparable(self):
        """Whether the two rounds have the same section codes: only then are sections compared."""
        return self.previous is not None and set(self.current.sections) == set(self.previous.sections)

    def section_change(self, code):
        """The change of section `code`'s score, None where it cannot be compared."""
        if not self.sections_comparable:
            return None
        now, before = self.current.sections.get(code), self.previous.sections.get(code)
        return None if now is None or before is None else now - before


def by_cooperative(rounds):
    """{cooperative id: its rounds, oldest first (by approval, then visit)}."""
    grouped = {}
    for item in sorted(rounds, key=lambda r: (r.cooperative_id, r.approved_at, r.visit_date)):
        grouped.setdefault(item.cooperative_id, []).append(item)
    return grouped


def latest(rounds):
    """The Comparison of the latest of `rounds` (oldest first) with the one before it of the same
    instrument; None without rounds."""
    if not rounds:
        return None
    current = rounds[-1]
    earlier = [r for r in rounds[:-1] if r.instrument == current.instrument]
    return Comparison(current, earlier[-1] if earlier else None)


def around(rounds, first_day, last_day):
    """The Comparison of the latest round visited after `last_day` with the last visited before `first_day`
    (of the same instrument); None unless there are both."""
    after = [r for r in rounds if r.visit_date > last_day]
    if not after:
        return None
    before = [r for r in rounds if r.visit_date < first_day and r.instrument == after[-1].instrument]
    return Comparison(after[-1], before[-1]) if before else None


@dataclass(frozen=True)
class SectionMean:
    code: str
    now: float | None
    before: float | None
    n: int

    @property
    def change(self):
        return None if self.n == 0 else self.now - self.before


def section_means(comparisons, section_codes):
    """[SectionMean] per section: the mean score now and before over the comparisons whose rounds both score
    the section (and have the same sections), with their number."""
    found = []
    for code in section_codes:
        pairs = [(c.current.sections[code], c.previous.sections[code]) for c in comparisons
                 if c.section_change(code) is not None]
        found.append(SectionMean(code, mean(p[0] for p in pairs) if pairs else None,
                                 mean(p[1] for p in pairs) if pairs else None, len(pairs)))
    return found


def topic_change(comparisons, section_codes):
    """(mean, N) of a training topic's change: over the comparisons scoring any of the topic's
    `section_codes` in both rounds, each one's mean change of those sections; (None, 0) without any."""
    changes = []
    for comparison in comparisons:
        found = [c for c in map(comparison.section_change, section_codes) if c is not None]
        if found:
            changes.append(mean(found))
    return (mean(changes) if changes else None, len(changes))


@dataclass
class Group:
    """The cooperatives of one kind (attended or not) that two rounds compare."""
    compared: list = field(default_factory=list)   # Comparisons with a previous round

    @property
    def n(self):
        return len(self.compared)

    @property
    def change(self):
        """The mean change of the total, None when none is compared."""
        return mean(c.change for c in self.compared) if self.compared else None

    def sections(self, section_codes):
        return section_means(self.compared, section_codes)

    def topic(self, section_codes):
        return topic_change(self.compared, section_codes)


@dataclass
class Split:
    """Cooperatives that attended ("sudah ikut Bimtek") against those that did not ("belum ikut")."""
    attended: Group = field(default_factory=Group)
    not_attended: Group = field(default_factory=Group)
    incomparable: int = 0  # cooperatives lacking two rounds to compare ("belum bisa dibandingkan")

    def add(self, comparison, attended):
        if comparison is None or comparison.previous is None:
            self.incomparable += 1
        else:
            (self.attended if attended else self.not_attended).compared.append(comparison)


def attended_between(sessions, after, before):
    """Whether any of `sessions` ((first day, last day) of each session attended) was held wholly after the
    visit date `after` and before the visit date `before`."""
    return any(after < first and last < before for first, last in sessions)


def split_between_rounds(cooperative_ids, rounds, sessions):
    """The Split of `cooperative_ids` by latest against previous round, each grouped by whether it attended a
    session held between the two; `rounds` {cooperative: rounds oldest first}, `sessions` {cooperative:
    [(first day, last day)] of the sessions it attended}."""
    split = Split()
    for cooperative in cooperative_ids:
        comparison = latest(rounds.get(cooperative, []))
        attended = comparison is not None and comparison.previous is not None and attended_between(
            sessions.get(cooperative, ()), comparison.previous.visit_date, comparison.current.visit_date)
        split.add(comparison, attended)
    return split


def split_around_session(cooperative_ids, rounds, attended, first_day, last_day):
    """The Split of `cooperative_ids` for a session from `first_day` to `last_day`: each one's latest round
    after it against its last round before it, grouped by whether it is among `attended` (ids)."""
    split = Split()
    for cooperative in cooperative_ids:
        split.add(around(rounds.get(cooperative, []), first_day, last_day), cooperative in attended)
    return split
