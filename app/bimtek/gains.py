"""Pre-test and post-test arithmetic: a score typed from paper, a score from an answer sheet, and the gain,
overall and per training topic. Plain Python: no Flask, no database.

A participant counts in a mean only with both scores (a paired mean): someone who missed the post-test
would otherwise pull the post mean away from the pre mean of the same people.
"""
import re
from dataclasses import dataclass
from statistics import fmean

# A score as typed: digits, then at most two decimals after a comma (Indonesian) or a point. More decimals
# are refused rather than guessed: "1.000" is a thousand to an Indonesian reader and one to an English one.
TYPED = re.compile(r"(\d{1,7})(?:[.,](\d{1,2}))?")


class ScoreError(ValueError):
    """A typed score refused: `kind` is "format", "negative" or "over" (more than the full score)."""

    def __init__(self, kind):
        super().__init__(kind)
        self.kind = kind


def read_score(text, full):
    """The score typed in `text` (None when blank), from 0 to `full`; raises ScoreError."""
    text = (text or "").strip().replace(" ", "")
    if not text:
        return None
    negative = text.startswith("-")
    if not TYPED.fullmatch(text.lstrip("-")) or text.count("-") > 1:
        raise ScoreError("format")
    value = float(text.lstrip("-").replace(",", "."))
    if negative and value:
        raise ScoreError("negative")
    if value > full:
        raise ScoreError("over")
    return value


@dataclass(frozen=True)
class Question:
    """What the arithmetic needs of a test question: its id, topic and right option."""
    id: int
    topic: str
    answer: int


def right_count(choices, questions):
    """How many of `questions` the choices ({question id: option index}) got right."""
    return sum(1 for q in questions if choices.get(q.id) == q.answer)


def sheet_score(choices, questions, full):
    """An answer sheet's score: right / questions x full; a question left blank is wrong. None without questions."""
    if not questions:
        return None
    return right_count(choices, questions) / len(questions) * full


def topic_shares(choices, questions):
    """{topic: share of its questions answered right, 0-100} for one answer sheet, topics in question order."""
    by_topic = {}
    for q in questions:
        by_topic.setdefault(q.topic, []).append(q)
    return {topic: right_count(choices, asked) / len(asked) * 100 for topic, asked in by_topic.items()}


@dataclass(frozen=True)
class Gain:
    """The paired means of a group: `paired` people with both scores, their mean pre and post, out of `full`."""
    paired: int
    pre: float | None
    post: float | None
    full: float

    @property
    def gain(self):
        """Mean post minus mean pre (equal to the mean of each person's post minus pre)."""
        return None if self.paired == 0 else self.post - self.pre

    @property
    def normalised(self):
        """Hake's normalised gain of the means: the share of the room to improve that was gained, (post - pre) /
        (full - pre); None when the pre-test mean already is the full score."""
        if self.paired == 0 or self.pre >= self.full:
            return None
        return (self.post - self.pre) / (self.full - self.pre)


def paired_gain(pairs, full):
    """The Gain of (pre, post) pairs, leaving out any pair missing a score."""
    both = [(pre, post) for pre, post in pairs if pre is not None and post is not None]
    if not both:
        return Gain(0, None, None, full)
    return Gain(len(both), fmean(pre for pre, _ in both), fmean(post for _, post in both), full)


def person_gain(pre, post):
    """One person's post minus pre, or None without both."""
    return None if pre is None or post is None else post - pre


def topic_gains(sheets, questions):
    """{topic: Gain of its shares (0-100)} over the people with an answer sheet in both phases; `sheets` is
    [(pre choices or None, post choices or None)], one per person. Topics in question order."""
    both = [(pre, post) for pre, post in sheets if pre is not None and post is not None]
    topics = list(dict.fromkeys(q.topic for q in questions))
    shares = [(topic_shares(pre, questions), topic_shares(post, questions)) for pre, post in both]
    return {topic: paired_gain([(pre[topic], post[topic]) for pre, post in shares], 100) for topic in topics}
