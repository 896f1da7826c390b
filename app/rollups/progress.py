"""Fieldwork progress: how many cooperatives wait for a first visit, and how far the visits have got, per
area and per facilitator. Plain Python: no Flask, no database.

Each cooperative counts once, by the state of its latest visit: a cooperative approved last month and
visited again this week counts as its new visit's draft.
"""
from collections import Counter
from dataclasses import dataclass, field

from app.assessments.workflow import APPROVED, DRAFT, RETURNED, SUBMITTED, UNVISITED

STATES = (UNVISITED, DRAFT, SUBMITTED, RETURNED, APPROVED)  # in the order the work goes


@dataclass
class Tally:
    """Cooperatives by the state of their latest visit."""
    counts: Counter = field(default_factory=Counter)

    def __getitem__(self, state):
        return self.counts[state]

    @property
    def cooperatives(self):
        return sum(self.counts.values())

    def add(self, state, n):
        self.counts[state] += n


@dataclass
class Progress:
    by_area: dict          # area code -> Tally
    by_facilitator: dict   # facilitator id -> Tally
    total: Tally

    def of_area(self, code):
        """The Tally of the area `code`: empty for an area without cooperatives."""
        return self.by_area.get(code) or Tally()


def progress(rows, assigned):
    """The Progress of `rows`, (area code, facilitator id or None, state, number of cooperatives), for the
    facilitators `assigned` ({facilitator id: [codes of the kecamatan they cover]}).

    A facilitator's visits count in the state they are in; their UNVISITED are the cooperatives of the
    kecamatan they cover that nobody has visited (two facilitators of one kecamatan share them)."""
    by_area, by_facilitator, total = {}, {user: Tally() for user in assigned}, Tally()
    for area, facilitator, state, n in rows:
        by_area.setdefault(area, Tally()).add(state, n)
        total.add(state, n)
        if facilitator is not None:
            by_facilitator.setdefault(facilitator, Tally()).add(state, n)
    for user, codes in assigned.items():
        for code in codes:
            by_facilitator[user].add(UNVISITED, by_area[code][UNVISITED] if code in by_area else 0)
    return Progress(by_area, by_facilitator, total)
