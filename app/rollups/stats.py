"""Readiness rolled up per kecamatan, regency and Bimtek session. Plain Python: no Flask, no database.

Rows are assessments already scored when they were submitted: these functions read their stored
total, level and section scores and never re-score answers.
"""
from dataclasses import dataclass, field
from statistics import fmean as mean


@dataclass(slots=True)  # many thousands per national rollup: slots keep them small and quick to make
class Scored:
    """One counted assessment as stored: who, when it counted, and its result."""
    cooperative_id: int
    assessment_id: object
    counted_at: object        # when it reached the counted state (approved, or submitted if included)
    visit_date: object
    score: float
    level: str
    sections: dict            # section code -> score 0-100, or None
    area: str | None = None   # the code of the area it is counted under (a kecamatan, regency or province)


@dataclass(frozen=True)
class Latest:
    current: Scored
    previous: Scored | None

    @property
    def change(self):
        return None if self.previous is None else self.current.score - self.previous.score


def latest_per_cooperative(rows):
    """{cooperative id: Latest}: each cooperative's latest counted assessment and the one before it."""
    by_cooperative = {}
    for row in sorted(rows, key=lambda r: (r.cooperative_id, r.counted_at, r.visit_date)):
        by_cooperative.setdefault(row.cooperative_id, []).append(row)
    return {coop: Latest(items[-1], items[-2] if len(items) > 1 else None) for coop, items in by_cooperative.items()}


@dataclass(frozen=True)
class Rollup:
    cooperatives: int
    assessed: int
    mean: float | None
    median: float | None
    levels: dict              # level code -> number of cooperatives
    weakest: tuple            # the two section codes with the lowest mean score

    @property
    def coverage(self):
        return 100 * self.assessed / self.cooperatives if self.cooperatives else 0.0


UNIT = 1_000_000  # sums are kept in millionths of a point: integers, so counting in and out in any order is exact


def millionths(score):
    return round(score * UNIT)


def tenths(score):
    """A total as it is shown (rounded to 0.1; see level_for), in tenths of a point."""
    return round(round(score, 1) * 10)


@dataclass(slots=True)
class Tally:
    """What a rollup shows of a set of counted assessments, kept so that sets add up: how many, their
    totals' sum, each level's count, each section's count and sum, and the totals as shown (to 0.1) with
    how many have each, from which the median is exact at every level. The tally of several areas is the
    sum of theirs."""
    assessed: int = 0
    score_sum: int = 0                            # millionths of a point
    levels: dict = field(default_factory=dict)    # level code -> count
    sections: dict = field(default_factory=dict)  # section code -> (count, sum in millionths)
    totals: dict = field(default_factory=dict)    # a total as shown, in tenths of a point -> count

    @classmethod
    def of(cls, rows):
        """The tally of Scored rows (each with a score)."""
        tally = cls()
        for row in rows:
            tally.count(row.score, row.level, row.sections)
        return tally

    def count(self, score, level, sections, times=1):
        """Count one assessment in (`times` 1) or out (-1): its total, level and {section code: score or None};
        returns self."""
        return self.add(Tally(1, millionths(score), {level: 1}, {
            code: (1, millionths(value)) for code, value in sections.items() if value is not None},
            {tenths(score): 1}), times)

    def add(self, other, times=1):
        """Add `times` (1, or -1 to take away) the assessments `other` counts to this one's; returns self.
        A level, section or total no assessment counts any more is left out."""
        self.assessed += times * other.assessed
        self.score_sum += times * other.score_sum
        for key, n in other.levels.items():
            _bump(self.levels, key, times * n)
        for key, n in other.totals.items():
            _bump(self.totals, key, times * n)
        for code, (n, total) in other.sections.items():
            mine = self.sections.get(code, (0, 0))
            self.sections[code] = (mine[0] + times * n, mine[1] + times * total)
            if self.sections[code] == (0, 0):  # a change may count a section out and in: (0, the sum's change)
                del self.sections[code]
        return self

    @property
    def mean(self):
        return self.score_sum / UNIT / self.assessed if self.assessed else None

    @property
    def median(self):
        """The median of the totals as shown (to 0.1)."""
        if not self.assessed:
            return None
        middle, values, seen = ((self.assessed - 1) // 2, self.assessed // 2), [], 0
        for value in sorted(self.totals):
            seen += self.totals[value]
            while len(values) < 2 and seen > middle[len(values)]:
                values.append(value)
        return (values[0] + values[1]) / 20

    def section_means(self, section_codes):
        """{section code: mean score across the assessments that have one}, None where none has."""
        return {code: self.sections[code][1] / UNIT / self.sections[code][0] if code in self.sections else None
                for code in section_codes}

    def rollup(self, cooperatives, level_codes, section_codes):
        """The Rollup of `cooperatives` (a count) whose counted assessments this tallies."""
        return Rollup(cooperatives, self.assessed, self.mean, self.median,
                      {code: self.levels.get(code, 0) for code in level_codes},
                      weakest_sections(self.section_means(section_codes), section_codes, 2))


def _bump(counts, key, n):
    """Add `n` to counts[key], leaving out a key whose count comes to 0."""
    counts[key] = counts.get(key, 0) + n
    if not counts[key]:
        del counts[key]


def section_means(latest, section_codes):
    """{section code: mean score across the rows that have one}, None where none has."""
    return Tally.of(latest).section_means(section_codes)


def weakest_sections(means, section_codes, count):
    """The `count` sections with the lowest mean score in `means` ({code: mean or None}), ties in
    instrument order."""
    scored = [code for code in section_codes if means[code] is not None]
    return tuple(sorted(scored, key=lambda code: means[code])[:count])


def topics_by_weakness(latest, topics, section_codes):
    """[(topic, mean of its sections' means, [(section, mean)] weakest first)], weakest topic first.

    `topics` is [(topic, [section codes])], as the instrument maps Bimtek topics to sections.
    """
    means = section_means(latest, section_codes)
    grouped = []
    for topic, codes in topics:
        sections = sorted(((code, means[code]) for code in codes if means.get(code) is not None), key=lambda p: p[1])
        if sections:
            grouped.append((topic, mean(value for _, value in sections), sections))
    return sorted(grouped, key=lambda item: item[1])


def to_strengthen(sections, section_codes, threshold):
    """The sections a cooperative needs to strengthen: every one of `section_codes` whose score in
    `sections` ({code: score or None}), rounded to 0.1 as it is shown, is below `threshold`; weakest first,
    ties in instrument order. A section without a score is not flagged: nothing shows it weak."""
    below = [code for code in section_codes
             if sections.get(code) is not None and round(sections[code], 1) < threshold]
    return tuple(sorted(below, key=lambda code: sections[code]))
