"""Who a Bimtek session reaches: per cooperative, its participants and pengurus. Plain Python.

East Java trains 2 of the 5 pengurus of each cooperative: a cooperative that sent someone but fewer than
PENGURUS_TARGET pengurus is listed apart from one that sent nobody.
"""
from dataclasses import dataclass

PENGURUS_TARGET = 2


def is_pengurus(position):
    """Whether a position (an OFFICER_ROLES key, or words) is one of the pengurus."""
    return position.startswith("pengurus:")


@dataclass(frozen=True)
class Coverage:
    total: int  # participants
    cooperatives: int  # cooperatives taking part
    without: tuple  # ids of cooperatives with no participant, in the order given
    few_pengurus: tuple  # ids of cooperatives with a participant but fewer than PENGURUS_TARGET pengurus

    @property
    def reached(self):
        return self.cooperatives - len(self.without)


def coverage(cooperative_ids, participants, target=PENGURUS_TARGET):
    """The coverage of `cooperative_ids` by `participants`, (cooperative id, position) pairs; participants of
    other cooperatives are not counted."""
    ids = list(cooperative_ids)
    counts, pengurus = dict.fromkeys(ids, 0), dict.fromkeys(ids, 0)
    for cooperative_id, position in participants:
        if cooperative_id in counts:
            counts[cooperative_id] += 1
            pengurus[cooperative_id] += is_pengurus(position)
    return Coverage(total=sum(counts.values()), cooperatives=len(ids),
                    without=tuple(i for i in ids if counts[i] == 0),
                    few_pengurus=tuple(i for i in ids if counts[i] and pengurus[i] < target))
