"""Synthetic but plausible answers for the national benchmark. Plain Python: no Flask, no database.

Everything is drawn from `random.Random` seeded by a string (the run's seed and a region code), so the
same seed gives the same dataset on any machine and database, whatever order regions are written in.

Readiness differs by place the way it does in the field: each province has a level, each kecamatan
varies around its province, and each cooperative around its kecamatan. A cooperative's answers follow
its readiness, and the second round (after its Bimtek) is usually a little better than the first.
"""
import random
import uuid
from datetime import date, timedelta

from app.instruments.definition import NA

ROUND_DAYS = ((date(2025, 8, 4), 60), (date(2026, 6, 1), 120))  # (first visit day, span in days) per round


def rng_for(seed, *parts):
    return random.Random(":".join(map(str, (seed, *parts))))


def clamp(value, low=0.0, high=1.0):
    return max(low, min(high, value))


def district_readiness(seed, district_code):
    """A kecamatan's typical readiness in [0.1, 0.9]: its province's level plus its own spread."""
    province = rng_for(seed, district_code[:2]).betavariate(3, 3)
    return clamp(province + rng_for(seed, district_code).gauss(0, 0.12), 0.1, 0.9)


def cooperative_readiness(rng, typical):
    """The two rounds' readiness of one cooperative of a kecamatan whose typical readiness is `typical`."""
    first = clamp(rng.gauss(typical, 0.15), 0.02, 0.98)
    return first, clamp(first + rng.gauss(0.08, 0.07), 0.02, 0.99)


def answer(rng, question, readiness):
    """A value for `question` from a cooperative whose readiness is in [0, 1]."""
    if question.not_applicable and rng.random() < 0.12 * (1 - readiness):
        return NA
    if question.type == "yesno":
        return rng.random() < 0.15 + 0.8 * readiness
    if question.type == "scale":
        return round(clamp(rng.gauss(4 * readiness, 0.8), 0, 4))
    if question.type == "count":
        high = question.max or 3 * question.target
        return round(clamp(rng.gauss(1.1 * question.target * readiness, 0.3 * question.target), 0, high))
    if question.type == "choice":
        ranked = sorted(question.options, key=lambda option: option.score)
        return ranked[min(len(ranked) - 1, int(readiness * len(ranked) + rng.uniform(-0.5, 0.5)))].code
    if question.type == "date":
        return date(2020, 1, 1) + timedelta(days=rng.randrange(2000))
    return rng.choice(("", "Catatan pendamping.", "Rapat bulanan berjalan."))


def answers(rng, instrument, readiness):
    """{question code: value} for every question of `instrument`."""
    return {question.code: answer(rng, question, readiness) for question in instrument.questions}


def visit_day(rng, round_index):
    first, span = ROUND_DAYS[round_index]
    return first + timedelta(days=rng.randrange(span))


def new_uuid(rng):
    return uuid.UUID(int=rng.getrandbits(128), version=4)
