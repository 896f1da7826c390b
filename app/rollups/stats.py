"""Readiness rolled up per kecamatan, regency and Bimtek session. Plain Python: no Flask, no database.

Rows are assessments already scored when they were submitted: these functions read their stored
total, level and section scores and never re-score answers.
"""
from dataclasses import dataclass
from statistics import fmean as mean
from statistics import median


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


def rollup(cooperatives, latest, level_codes, section_codes):
    """The rollup of `cooperatives` (a count) from their latest scored assessments (Scored rows)."""
    scores = [row.score for row in latest]
    levels = {code: sum(1 for row in latest if row.level == code) for code in level_codes}
    return Rollup(cooperatives, len(latest), mean(scores) if scores else None,
                  median(scores) if scores else None, levels, weakest_sections(latest, section_codes, 2))


def section_means(latest, section_codes):
    """{section code: mean score across the rows that have one}, None where none has; one pass."""
    sums, counts = dict.fromkeys(section_codes, 0.0), dict.fromkeys(section_codes, 0)
    for row in latest:
        for code, value in row.sections.items():
            if value is not None and code in sums:
                sums[code] += value
                counts[code] += 1
    return {code: sums[code] / counts[code] if counts[code] else None for code in section_codes}


def weakest_sections(latest, section_codes, count):
    """The `count` sections with the lowest mean score (ties in instrument order)."""
    means = section_means(latest, section_codes)
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
