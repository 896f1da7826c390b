"""The instrument file format, and the check that lists every problem in a file with its place.

Plain Python (pydantic and PyYAML; no Flask, no database). An instrument is sections of
questions, readiness levels, gates that cap the level, and the Bimtek topics each section
trains. `parse_text` reads a YAML text into the instrument and its problems, each with its
place; `load_text` returns the instrument or raises InstrumentError.
"""
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Annotated, ClassVar, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

LANGUAGES = ("id", "en")
SCALE_LEVELS = (0, 1, 2, 3, 4)
Code = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")]
Value = Union[bool, int, float, str]
OPERATORS = ("equals", "differs", "at_least", "below")


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Model):
    """A text in Bahasa Indonesia and English; both are required."""
    id: Annotated[str, Field(min_length=1)]
    en: Annotated[str, Field(min_length=1)]

    def get(self, language):
        return self.en if language == "en" else self.id


class Condition(Model):
    """`question` compared with one value: equals, differs, at_least or below."""
    question: str
    equals: Value | None = None
    differs: Value | None = None
    at_least: int | float | None = None
    below: int | float | None = None

    @model_validator(mode="after")
    def one_operator(self):
        given = [op for op in OPERATORS if op in self.model_fields_set]
        if len(given) != 1:
            raise ValueError("give exactly one of: " + ", ".join(OPERATORS))
        return self

    @property
    def operator(self):
        return next(op for op in OPERATORS if op in self.model_fields_set)

    @property
    def value(self):
        return getattr(self, self.operator)

    @property
    def form_value(self):
        """The value as a form sends it: yes/no for booleans."""
        value = self.value
        return ("yes" if value else "no") if isinstance(value, bool) else str(value)

    def holds(self, answer):
        """Whether a given answer satisfies the condition; no answer satisfies none."""
        if answer is None or answer is NA:
            return False
        op, value = self.operator, self.value
        if op == "equals":
            return answer == value
        if op == "differs":
            return answer != value
        if op == "at_least":
            return answer >= value
        return answer < value


class NotApplicable:
    """The answer "Tidak berlaku": the question does not apply to this cooperative."""
    _instance = None

    def __new__(cls):
        cls._instance = cls._instance or super().__new__(cls)
        return cls._instance

    def __repr__(self):
        return "NA"


NA = NotApplicable()
COUNT_CEILING = 1_000_000  # no village cooperative counts more of anything
TEXT_LIMIT = 2000


class AnswerError(ValueError):
    """Why a typed-in answer is refused: `code` names the reason, `limit` the bound broken, if any."""

    def __init__(self, code, limit=None):
        super().__init__(code)
        self.code, self.limit = code, limit


class Question(Model):
    code: Code
    text: Text
    help: Text | None = None
    required: bool = True
    not_applicable: bool = False  # may be answered "Tidak berlaku"
    photo: bool = False           # an evidence photo may be attached
    show_if: Condition | None = None
    source: str | None = None     # the regulation or note that grounds the question

    scored: ClassVar[bool] = True

    def item_score(self, value):
        """The answer's score in [0, 1]."""
        raise NotImplementedError

    def parse(self, raw):
        """The answer typed or tapped in as text (the form value), or AnswerError."""
        raise NotImplementedError

    def encode(self, value):
        """The stored text of an answer; parse(encode(value)) == value."""
        return str(value)


class YesNo(Question):
    type: Literal["yesno"]

    def item_score(self, value):
        return 1.0 if value else 0.0

    def parse(self, raw):
        if raw not in ("yes", "no"):
            raise AnswerError("not_an_option")
        return raw == "yes"

    def encode(self, value):
        return "yes" if value else "no"


class Scale(Question):
    """0 to 4, each level with its rubric text; scores level/4."""
    type: Literal["scale"]
    rubric: dict[int, Text]

    @field_validator("rubric")
    @classmethod
    def every_level(cls, rubric):
        missing = [str(level) for level in SCALE_LEVELS if level not in rubric]
        extra = [str(level) for level in rubric if level not in SCALE_LEVELS]
        if missing:
            raise ValueError("rubric has no text for level " + ", ".join(missing))
        if extra:
            raise ValueError("rubric levels are 0 to 4, not " + ", ".join(extra))
        return rubric

    def item_score(self, value):
        return value / 4

    def parse(self, raw):
        if raw not in ("0", "1", "2", "3", "4"):
            raise AnswerError("not_an_option")
        return int(raw)


class Count(Question):
    """A whole number n >= 0 scoring min(n / target, 1), or 0 below `floor`."""
    type: Literal["count"]
    target: Annotated[int, Field(gt=0)]
    floor: Annotated[int, Field(ge=0)] = 0
    max: Annotated[int, Field(gt=0)] | None = None  # the largest believable answer

    @model_validator(mode="after")
    def bounds(self):
        if self.max is not None and self.max < max(self.target, self.floor):
            raise ValueError("max must be at least target and floor")
        return self

    def item_score(self, value):
        return 0.0 if value < self.floor else min(value / self.target, 1.0)

    def parse(self, raw):
        raw = raw.strip()
        if not re.fullmatch(r"[+-]?[0-9]{1,12}", raw):
            raise AnswerError("not_a_whole_number")
        value, limit = int(raw), self.max or COUNT_CEILING
        if value < 0:
            raise AnswerError("negative")
        if value > limit:
            raise AnswerError("too_large", limit)
        return value


class Option(Model):
    code: Code
    label: Text
    score: Annotated[float, Field(ge=0, le=1)]


class Choice(Question):
    """One of several options, each with its score in [0, 1]."""
    type: Literal["choice"]
    options: Annotated[list[Option], Field(min_length=2)]

    def item_score(self, value):
        return next(option.score for option in self.options if option.code == value)

    def parse(self, raw):
        if raw not in {option.code for option in self.options}:
            raise AnswerError("not_an_option")
        return raw


class Date(Question):
    type: Literal["date"]
    required: bool = False
    scored: ClassVar[bool] = False

    def parse(self, raw):
        try:
            value = date.fromisoformat(raw.strip())
        except ValueError:
            raise AnswerError("not_a_date") from None
        if not 1945 <= value.year <= 2100:
            raise AnswerError("not_a_date")
        return value

    def encode(self, value):
        return value.isoformat()


class FreeText(Question):
    type: Literal["text"]
    required: bool = False
    scored: ClassVar[bool] = False

    def parse(self, raw):
        if len(raw) > TEXT_LIMIT:
            raise AnswerError("too_long", TEXT_LIMIT)
        return raw


AnyQuestion = Annotated[Union[YesNo, Scale, Count, Choice, Date, FreeText], Field(discriminator="type")]
QUESTION_TYPES = ("yesno", "scale", "count", "choice", "date", "text")


class Section(Model):
    code: Code
    title: Text
    weight: Annotated[float, Field(gt=0, le=100)]
    questions: Annotated[list[AnyQuestion], Field(min_length=1)]


class Level(Model):
    """A readiness level reached from `min` (a total score 0-100) upwards."""
    code: Code
    label: Text
    min: Annotated[float, Field(ge=0, le=100)]


class Gate(Model):
    """Caps the level at `cap` when its condition holds (e.g. no AHU decree)."""
    code: Code
    when: Condition
    cap: str
    reason: Text


class Topic(Model):
    """A Bimtek training topic and the sections whose gaps it trains."""
    code: Code
    title: Text
    sections: Annotated[list[str], Field(min_length=1)]


class Instrument(Model):
    code: Code
    title: Text
    description: Text | None = None
    sections: Annotated[list[Section], Field(min_length=1)]
    levels: Annotated[list[Level], Field(min_length=1)]
    gates: list[Gate] = []
    topics: list[Topic] = []

    def __repr__(self):
        return f"<Instrument {self.code}: {len(self.sections)} sections, {len(self.questions)} questions>"

    @property
    def section_codes(self):
        return [section.code for section in self.sections]

    @property
    def level_codes(self):
        return [level.code for level in self.levels]

    @cached_property  # the model is frozen: worked out once, read on every autosave
    def questions(self):
        return [question for section in self.sections for question in section.questions]

    @cached_property
    def _by_code(self):
        return {question.code: question for question in self.questions}

    def question(self, code):
        return self._by_code.get(code)

    def section(self, code):
        """The section `code`, or None."""
        return next((s for s in self.sections if s.code == code), None)

    def section_of(self, code):
        """The section holding question `code`."""
        return next(s for s in self.sections if any(q.code == code for q in s.questions))

    def read_by(self, section_code):
        """The codes of the section's questions and of every question their relevance rules read, however
        indirectly: all the answers that decide what the section shows and how complete it is."""
        return self._read_by[section_code]

    @cached_property
    def _read_by(self):
        read_by = {}
        for section in self.sections:
            codes, todo = set(), [question.code for question in section.questions]
            while todo:
                code = todo.pop()
                rule = self.question(code).show_if
                codes.add(code)
                if rule is not None and rule.question not in codes:
                    todo.append(rule.question)
            read_by[section.code] = sorted(codes)
        return read_by

    def level(self, code):
        return next(level for level in self.levels if level.code == code)

    def to_data(self):
        """Plain JSON-ready data that model_validate reads back into an equal instrument."""
        return self.model_dump(mode="json", exclude_none=True)

    def fingerprint(self):
        """SHA-256 of the content, blind to YAML layout and comments: equal content, equal print."""
        text = json.dumps(self.to_data(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Problem:
    line: int | None
    place: str
    message: str

    def __str__(self):
        where = f"{self.line}: " if self.line else ""
        return f"{where}{self.place + ': ' if self.place else ''}{self.message}"


class InstrumentError(ValueError):
    def __init__(self, problems):
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems


def load_text(text):
    """The instrument in a YAML text; raises InstrumentError listing every problem."""
    instrument, problems = parse_text(text)
    if problems:
        raise InstrumentError(problems)
    return instrument


def parse_text(text):
    """(instrument, []) for a good YAML text, or (None, every problem in file order)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return None, [Problem(mark.line + 1 if mark else None, "", f"not valid YAML: {getattr(exc, 'problem', exc)}")]
    if not isinstance(data, dict):
        return None, [Problem(1, "", "an instrument is a mapping with code, title, sections and levels")]
    try:
        instrument = Instrument.model_validate(data)
    except ValidationError as exc:
        found = [(err["loc"], _message(err)) for err in exc.errors()]
    else:
        found = consistency_problems(instrument)
    problems = [Problem(_line(node, loc), _place(data, loc), message) for loc, message in found]
    return (None if problems else instrument), sorted(problems, key=lambda p: p.line or 0)


def _message(error):
    kind, loc = error["type"], error["loc"]
    if kind == "missing" and loc and loc[-1] in LANGUAGES:
        return f"missing translation ({loc[-1]})"
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "union_tag_invalid":
        return f"unknown type {error['ctx']['tag']!r} (known: {', '.join(QUESTION_TYPES)})"
    if kind == "union_tag_not_found":
        return f"question has no type (known: {', '.join(QUESTION_TYPES)})"
    return error["msg"].removeprefix("Value error, ")


def consistency_problems(instrument):
    """Problems pydantic cannot see: duplicates, weights, references, order."""
    problems = []
    add = lambda loc, message: problems.append((loc, message))  # noqa: E731
    total = sum(section.weight for section in instrument.sections)
    if abs(total - 100) > 1e-9:
        add(("sections",), f"section weights sum to {total:g}, not 100")
    _duplicates(add, ("sections",), [s.code for s in instrument.sections], "section")
    _duplicates(add, ("levels",), [level.code for level in instrument.levels], "level")
    _duplicates(add, ("gates",), [gate.code for gate in instrument.gates], "gate")
    _duplicates(add, ("topics",), [topic.code for topic in instrument.topics], "topic")

    earlier = {}
    for s, section in enumerate(instrument.sections):
        for q, question in enumerate(section.questions):
            loc = ("sections", s, "questions", q)
            if question.code in earlier:
                add(loc + ("code",), f"duplicate question code {question.code!r}")
            if question.show_if:
                problems.extend(_condition_problems(question.show_if, loc + ("show_if",), earlier, instrument,
                                                    "relevance rule"))
            if isinstance(question, Choice):
                _duplicates(add, loc + ("options",), [o.code for o in question.options], "option")
            earlier.setdefault(question.code, question)

    minimums = [level.min for level in instrument.levels]
    if minimums[0] != 0:
        add(("levels", 0, "min"), "the first level must start at 0")
    for i in range(1, len(minimums)):
        if minimums[i] <= minimums[i - 1]:
            add(("levels", i, "min"), "levels must go up: each min above the one before")
    levels = {level.code for level in instrument.levels}
    for g, gate in enumerate(instrument.gates):
        problems.extend(_condition_problems(gate.when, ("gates", g, "when"), earlier, instrument, "gate"))
        if gate.cap not in levels:
            add(("gates", g, "cap"), f"unknown level {gate.cap!r}")
    sections = {section.code for section in instrument.sections}
    for t, topic in enumerate(instrument.topics):
        for i, code in enumerate(topic.sections):
            if code not in sections:
                add(("topics", t, "sections", i), f"unknown section {code!r}")
    return problems


def _duplicates(add, loc, codes, kind):
    seen = set()
    for i, code in enumerate(codes):
        if code in seen:
            add(loc + (i, "code"), f"duplicate {kind} code {code!r}")
        seen.add(code)


def _condition_problems(condition, loc, earlier, instrument, kind):
    """A condition must name an earlier scored question and compare it with a value it can take."""
    code = condition.question
    target = earlier.get(code)
    if target is None:
        where = "a later" if instrument.question(code) else "an unknown"
        return [(loc + ("question",), f"{kind} points at {where} question {code!r}")]
    op, value = condition.operator, condition.value
    loc = loc + (op,)
    if isinstance(target, (Date, FreeText)):
        return [(loc, f"{kind} cannot depend on a {target.type} question")]
    if op in ("at_least", "below"):
        if not isinstance(target, (Scale, Count)):
            return [(loc, f"{op} needs a scale or count question; {code} is {target.type}")]
        return []
    if isinstance(target, YesNo) and not isinstance(value, bool):
        return [(loc, f"{code} is yes/no: compare with yes or no, not {value!r}")]
    if isinstance(target, Scale) and (isinstance(value, bool) or value not in SCALE_LEVELS):
        return [(loc, f"{code} is a 0-4 scale: {value!r} is not a level")]
    if isinstance(target, Count) and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        return [(loc, f"{code} is a count: compare with a whole number, not {value!r}")]
    if isinstance(target, Choice) and value not in {option.code for option in target.options}:
        return [(loc, f"{code} has no option {value!r}")]
    return []


def _line(node, loc):
    """The YAML line of the deepest part of `loc` that exists in the file."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == str(key)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            child = node.value[key]
        if child is not None:  # a key missing from the file (or a union tag) keeps the parent's line
            node, line = child, child.start_mark.line + 1
    return line


def _place(data, loc):
    """`loc` in words, list items named by their code: sections[C].questions[C4].show_if."""
    parts, node = [], data
    for key in loc:
        if isinstance(node, list) and isinstance(key, int) and parts:
            node = node[key] if key < len(node) else None
            code = node.get("code") if isinstance(node, dict) else None
            parts[-1] += f"[{code if isinstance(code, str) else key}]"
        elif isinstance(node, dict) and key in node:
            node = node[key]
            parts.append(str(key))
        elif not (isinstance(node, dict) and key == node.get("type")):  # skip pydantic's union tag
            node = None
            parts.append(str(key))
    return ".".join(parts)
