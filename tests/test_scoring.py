"""Scoring, without an app: hand-computed answer sets on the default instrument, and properties."""
from datetime import date

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app import ROOT
from app.instruments.definition import NA, Instrument, load_text
from app.instruments.scoring import level_for, score, visible_questions, weak_answers

DEFAULT = load_text((ROOT / "instruments" / "kdmp-tata-kelola-v1.yaml").read_text(encoding="utf-8"))
QUESTIONS = {q.code: q for q in DEFAULT.questions}


def best():
    """Every question at its best answer: yes, 4, the count target."""
    answers = {}
    for q in DEFAULT.questions:
        answers[q.code] = {"yesno": True, "scale": 4, "count": getattr(q, "target", None)}[q.type]
    return answers


def worst():
    return {q.code: {"yesno": False, "scale": 0, "count": 0}[q.type] for q in DEFAULT.questions}


def sections(result):
    return {s.code: s.score for s in result.sections}


def test_default_instrument_shape():
    assert [s.code for s in DEFAULT.sections] == list("ABCDEFGH")
    assert len(DEFAULT.questions) == 44
    assert sum(s.weight for s in DEFAULT.sections) == 100
    assert [(level.code, level.min) for level in DEFAULT.levels] == [
        ("belum-siap", 0), ("kurang-siap", 26), ("cukup-siap", 51), ("siap", 76)]
    assert {t.code: t.sections for t in DEFAULT.topics} == {
        "tata-kelola-organisasi": ["B", "F"], "tugas-pengurus-pengawas": ["D", "E"],
        "penguatan-kelembagaan": ["A", "C", "G", "H"]}
    assert QUESTIONS["A1"].source == "Juklak Menkop 1/2025; SE Menkop 1/2025"
    assert all(q.source for q in DEFAULT.questions)


def test_all_best():
    result = score(DEFAULT, best(), version=3)
    assert set(sections(result).values()) == {100}
    assert result.total == 100 and result.level == "siap" and result.gates == ()
    assert result.complete and all(s.completeness == 100 for s in result.sections)
    assert (result.instrument, result.version) == ("kdmp-tata-kelola", 3)


def test_all_worst():
    result = score(DEFAULT, worst())
    assert set(sections(result).values()) == {0}
    # A1 = no and D1 = 0 trigger the gates, but the level is already below their cap.
    assert result.total == 0 and result.level == "belum-siap" and result.gates == ()
    assert result.complete  # F2 is hidden once F1 = no, so it is not missing


MIXED = {
    "A1": True, "A2": False, "A3": True, "A4": True, "A5": False, "A6": False,  # 3/6 = 50
    "B1": True, "B2": False, "B3": 2, "B4": True, "B5": 1,                      # (1+0+.5+1+.25)/5 = 55
    "C1": 50, "C2": 3, "C3": 2, "C4": False, "C5": True,                        # (.5+.75+.5+0+1)/5 = 55
    "D1": 5, "D2": True, "D3": 1, "D4": False, "D5": True, "D6": 2,             # (1+1+1/3+0+1+.4)/6 = 28/45
    "E1": True, "E2": False, "E3": 1, "E4": False, "E5": 0,                     # (1+0+.5+0+0)/5 = 30
    "F1": True, "F2": 3, "F3": 2, "F4": False, "F5": 4,                         # (1+.75+.5+0+1)/5 = 65
    "G1": 2, "G2": True, "G3": 1, "G4": True, "G5": 3, "G6": False,             # (.5+1+.25+1+1+0)/6 = 62.5
    "H1": 1, "H2": 0, "H3": 1, "H4": 2, "H5": 1, "H6": 4,                       # (.25+0+1/3+.5+.5+1)/6 = 31/72
}


def test_mixed():
    result = score(DEFAULT, MIXED)
    assert sections(result) == pytest.approx({
        "A": 50, "B": 55, "C": 55, "D": 100 * 28 / 45, "E": 30, "F": 65, "G": 62.5, "H": 100 * 31 / 72})
    # (15*50 + 10*55 + 10*55 + 15*2800/45 + 10*30 + 15*65 + 10*62.5 + 15*3100/72) / 100 = 31975/600
    assert result.total == pytest.approx(31975 / 600)  # 53.29
    assert result.level == "cukup-siap" and result.complete


def test_not_applicable_is_out_of_numerator_and_denominator():
    answers = {**best(), "B3": 0, "B5": NA, "G5": NA, "H1": 2, "H5": NA}
    result = score(DEFAULT, answers)
    # B: (1+1+0+1)/4 = 75 (not 60 as if N/A were 0); G: 100; H: (.5+1+1+1+1)/5 = 90
    assert sections(result)["B"] == 75 and sections(result)["G"] == 100 and sections(result)["H"] == 90
    assert result.total == pytest.approx((15 * 100 + 10 * 75 + 10 * 100 + 15 * 100 + 10 * 100 + 15 * 100 + 10 * 100 + 15 * 90) / 100)  # 96
    assert result.level == "siap" and result.complete  # N/A counts as answered


def test_hidden_question_is_left_out_even_if_an_old_answer_remains():
    answers = {**best(), "F1": False}  # F2 = 4 is still in the answers, but F2 is now hidden
    result = score(DEFAULT, answers)
    assert sections(result)["F"] == 75  # (0+1+1+1)/4, not (0+1+1+1+1)/5 = 80
    assert result.total == pytest.approx((85 * 100 + 15 * 75) / 100)  # 96.25: F weighs 15, the rest 85
    assert result.complete

    shown_but_unanswered = {**best(), "F1": True}
    del shown_but_unanswered["F2"]
    result = score(DEFAULT, shown_but_unanswered)
    assert result.missing == ("F2",) and not result.complete
    assert next(s for s in result.sections if s.code == "F").completeness == 80


def test_gates_cap_the_level_and_say_why():
    no_ahu = score(DEFAULT, {**best(), "A1": False})
    assert no_ahu.total == pytest.approx((15 * 500 / 6 + 85 * 100) / 100)  # A = 5/6, so 97.5
    assert (no_ahu.uncapped_level, no_ahu.level, no_ahu.gates) == ("siap", "kurang-siap", ("tanpa-sk-ahu",))

    two_board = score(DEFAULT, {**best(), "D1": 2})
    assert sections(two_board)["D"] == 90 and two_board.total == pytest.approx(98.5)
    assert two_board.level == "kurang-siap" and two_board.gates == ("pengurus-kurang-dari-3",)

    both = score(DEFAULT, {**best(), "A1": False, "D1": 2})
    assert both.level == "kurang-siap" and both.gates == ("tanpa-sk-ahu", "pengurus-kurang-dari-3")
    assert score(DEFAULT, {**best(), "D1": 3}).gates == ()


def test_count_floor_and_target():
    members = lambda n: sections(score(DEFAULT, {**best(), "C1": n}))["C"]  # noqa: E731
    assert members(19) == 80    # below the floor of 20: 0, (0+4)/5
    assert members(20) == 84    # 20/100 = .2
    assert members(250) == 100  # capped at the target


def test_partial_answers_give_a_provisional_total_and_list_what_is_missing():
    result = score(DEFAULT, {code: True for code in ("A1", "A2", "A3", "A4", "A5", "A6")})
    assert sections(result)["A"] == 100 and sections(result)["B"] is None
    assert result.total == 100  # only the scored sections count, weights renormalised
    assert len(result.missing) == 37  # 44 questions, 6 answered, F2 hidden
    assert [s.completeness for s in result.sections][:2] == [100, 0]
    assert score(DEFAULT, {}).total is None and score(DEFAULT, {}).level is None


@pytest.mark.parametrize("total, level", [
    (0, "belum-siap"), (25.94, "belum-siap"), (25.96, "kurang-siap"), (50.5, "kurang-siap"),
    (51, "cukup-siap"), (75.9, "cukup-siap"), (76, "siap"), (100, "siap")])
def test_level_bands_use_the_total_as_shown(total, level):
    assert level_for(DEFAULT, total) == level


# --- Properties ------------------------------------------------------------------------------

def answer_values(question):
    """Valid answers to one question (None: unanswered)."""
    values = {
        "yesno": st.booleans(),
        "scale": st.integers(0, 4),
        "count": st.integers(0, question.max or 500) if question.type == "count" else None,
        "choice": st.sampled_from([o.code for o in question.options]) if question.type == "choice" else None,
        "date": st.dates(date(2020, 1, 1), date(2030, 1, 1)),
        "text": st.text(max_size=20),
    }[question.type]
    options = [st.none(), values]
    if question.not_applicable:
        options.append(st.just(NA))
    return st.one_of(*options)


def answer_sets(instrument):
    return st.fixed_dictionaries({q.code: answer_values(q) for q in instrument.questions}).map(
        lambda answers: {code: value for code, value in answers.items() if value is not None})


@st.composite
def instruments(draw, relevance=True):
    """Random valid instruments of every question type, with weights summing to 100."""
    count = draw(st.integers(1, 5))
    cuts = sorted(draw(st.lists(st.integers(1, 99), min_size=count - 1, max_size=count - 1, unique=True)))
    weights = [b - a for a, b in zip([0, *cuts], [*cuts, 100])]
    text = {"id": "t", "en": "t"}
    sections, earlier = [], []
    for s, weight in enumerate(weights):
        questions = []
        for q in range(draw(st.integers(1, 5))):
            code = f"S{s}Q{q}"
            kind = draw(st.sampled_from(["yesno", "scale", "count", "choice", "date", "text"]))
            question = {"code": code, "type": kind, "text": text, "not_applicable": draw(st.booleans())}
            if kind == "scale":
                question["rubric"] = {level: text for level in range(5)}
            if kind == "count":
                question.update(target=draw(st.integers(1, 50)), floor=draw(st.integers(0, 10)))
            if kind == "choice":
                scores = draw(st.lists(st.floats(0, 1), min_size=2, max_size=4))
                question["options"] = [{"code": f"o{i}", "label": text, "score": v} for i, v in enumerate(scores)]
            yesno = [c for c, k in earlier if k == "yesno"]
            if relevance and yesno and draw(st.booleans()):
                question["show_if"] = {"question": draw(st.sampled_from(yesno)), "equals": draw(st.booleans())}
            questions.append(question)
            earlier.append((code, kind))
        sections.append({"code": f"S{s}", "title": text, "weight": weight, "questions": questions})
    return Instrument.model_validate({
        "code": "random", "title": text, "sections": sections,
        "levels": [{"code": "low", "label": text, "min": 0}, {"code": "high", "label": text, "min": 50}]})


instrument_and_answers = st.one_of(st.just(DEFAULT), instruments()).flatmap(
    lambda instrument: st.tuples(st.just(instrument), answer_sets(instrument)))


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(instrument_and_answers)
def test_a_section_needs_only_the_answers_it_reads(case):
    """What an autosave relies on (Draft.load): a section's score, completeness and shown
    questions are the same from the answers to Instrument.read_by(section) alone as from all of them."""
    instrument, answers = case
    whole, shown = score(instrument, answers), visible_questions(instrument, answers)
    for i, section in enumerate(instrument.sections):
        read = set(instrument.read_by(section.code))
        some = {code: value for code, value in answers.items() if code in read}
        own = {question.code for question in section.questions}
        assert own <= read
        assert score(instrument, some).sections[i] == whole.sections[i]
        assert visible_questions(instrument, some) & own == shown & own


def test_read_by_follows_relevance_rules_across_sections():
    text = {"id": "t", "en": "t"}
    yesno = lambda code, **rule: {"code": code, "type": "yesno", "text": text, **rule}  # noqa: E731
    instrument = Instrument.model_validate({"code": "chain", "title": text, "sections": [
        {"code": "A", "title": text, "weight": 50, "questions": [yesno("A1"), yesno("A2")]},
        {"code": "B", "title": text, "weight": 50, "questions": [
            yesno("B1", show_if={"question": "A1", "equals": True}),
            yesno("B2", show_if={"question": "B1", "equals": True})]}],
        "levels": [{"code": "low", "label": text, "min": 0}]})
    assert (instrument.read_by("A"), instrument.read_by("B")) == (["A1", "A2"], ["A1", "B1", "B2"])
    assert DEFAULT.read_by("F") == ["F1", "F2", "F3", "F4", "F5"]


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(instrument_and_answers)
def test_every_score_lies_between_0_and_100(case):
    instrument, answers = case
    result = score(instrument, answers)
    for section in result.sections:
        assert section.score is None or 0 <= section.score <= 100
        assert 0 <= section.completeness <= 100
    assert result.total is None or 0 <= result.total <= 100


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(instrument_and_answers)
def test_total_is_the_weighted_sum_of_the_section_scores(case):
    instrument, answers = case
    result = score(instrument, answers)
    scored = [s for s in result.sections if s.score is not None]
    if len(scored) == len(result.sections):  # every section scored: weights sum to 100
        assert result.total == pytest.approx(sum(s.weight * s.score for s in scored) / 100)
    elif scored:  # otherwise the weights of the scored sections are renormalised
        weight = sum(s.weight for s in scored)
        assert result.total == pytest.approx(sum(s.weight * s.score for s in scored) / weight)
    else:
        assert result.total is None


@st.composite
def one_improvement(draw, instrument):
    """Answers, and the same answers with one scored answer replaced by one scoring at least as high."""
    answers = draw(answer_sets(instrument))
    candidates = [q for q in instrument.questions
                  if q.scored and answers.get(q.code) is not None and answers[q.code] is not NA]
    assume(candidates)
    question = draw(st.sampled_from(candidates))
    old = question.item_score(answers[question.code])
    better = draw(answer_values(question).filter(
        lambda v: v is not None and v is not NA and question.item_score(v) >= old))
    return answers, {**answers, question.code: better}


def improvements(instrument):
    return one_improvement(instrument).map(lambda pair: (instrument, *pair))


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.one_of(improvements(DEFAULT), instruments(relevance=False).flatmap(improvements)))
def test_improving_one_answer_never_lowers_the_total_or_the_level(case):
    instrument, before, after = case
    old, new = score(instrument, before), score(instrument, after)
    assert new.total >= old.total - 1e-9
    rank = [level.code for level in instrument.levels]
    assert rank.index(new.level) >= rank.index(old.level)


SMALL = load_text("""
code: kecil
title: {id: Kecil, en: Small}
levels: [{code: rendah, label: {id: Rendah, en: Low}, min: 0}, {code: tinggi, label: {id: Tinggi, en: High}, min: 50}]
sections:
  - code: S
    title: {id: Satu, en: One}
    weight: 100
    questions:
      - {code: kind, type: choice, text: {id: Jenis, en: Kind}, options: [
          {code: desa, label: {id: Desa, en: Village}, score: 1},
          {code: kelurahan, label: {id: Kelurahan, en: Urban village}, score: 0.5}]}
      - {code: units, type: count, target: 4, text: {id: Unit, en: Units}}
      - {code: when, type: date, text: {id: Tanggal, en: Date}, required: true}
      - {code: note, type: text, text: {id: Catatan, en: Note}}
      - {code: urban, type: yesno, text: {id: Kota, en: Urban}, show_if: {question: kind, differs: desa}}
      - {code: busy, type: scale, text: {id: Sibuk, en: Busy}, show_if: {question: units, at_least: 2},
         rubric: {0: {id: a, en: a}, 1: {id: b, en: b}, 2: {id: c, en: c}, 3: {id: d, en: d}, 4: {id: e, en: e}}}
""")


def test_choice_count_date_text_and_each_relevance_operator():
    answers = {"kind": "kelurahan", "units": 1, "when": date(2025, 10, 14), "note": "x", "urban": True, "busy": 4}
    result = score(SMALL, answers)
    # busy hidden (units 1 < 2); urban shown (kind differs from desa); date and text not scored
    assert result.total == pytest.approx(100 * (0.5 + 0.25 + 1) / 3) and result.level == "tinggi"
    result = score(SMALL, {**answers, "kind": "desa", "units": 2})
    # urban hidden now; busy shown: (1 + .5 + 1) / 3
    assert result.total == pytest.approx(100 * 2.5 / 3)
    assert score(SMALL, {"kind": "desa"}).missing == ("units", "when")  # note is optional, the date required


# --- Weak answers: what the review page points the supervisor to ----------------------------------

def test_weak_answers_are_the_shown_scored_ones_worth_less_than_half():
    assert weak_answers(DEFAULT, MIXED) == {"A2", "A5", "A6", "B2", "B5", "C4", "D3", "D4", "D6", "E2", "E4", "E5",
                                            "F4", "G3", "G6", "H1", "H2", "H3"}  # C1 = 50 of 100: half is not weak
    assert weak_answers(DEFAULT, best()) == set()
    worst_answers = worst()
    assert weak_answers(DEFAULT, worst_answers) == {code for code in QUESTIONS if code != "F2"}  # F2 hidden
    assert "A2" not in weak_answers(DEFAULT, {**MIXED, "A2": NA})  # not applicable, and unanswered, are not weak
    assert "A2" not in weak_answers(DEFAULT, {k: v for k, v in MIXED.items() if k != "A2"})


def test_an_answer_that_makes_a_gate_cap_the_level_is_weak_even_at_half_its_item():
    gated = load_text("""
code: gerbang
title: {id: Gerbang, en: Gate}
levels: [{code: rendah, label: {id: Rendah, en: Low}, min: 0}, {code: tinggi, label: {id: Tinggi, en: High}, min: 50}]
gates: [{code: sedikit, when: {question: units, below: 3}, cap: rendah, reason: {id: Sedikit, en: Few}}]
sections:
  - code: S
    title: {id: Satu, en: One}
    weight: 100
    questions:
      - {code: units, type: count, target: 4, text: {id: Unit, en: Units}}
      - {code: kind, type: choice, text: {id: Jenis, en: Kind}, options: [
          {code: desa, label: {id: Desa, en: Village}, score: 1},
          {code: kelurahan, label: {id: Kelurahan, en: Urban village}, score: 0.25}]}
""")
    assert weak_answers(gated, {"units": 2, "kind": "desa"}) == {"units"}  # 2 of 4 is half, but the gate holds
    assert weak_answers(gated, {"units": 3, "kind": "kelurahan"}) == {"kind"}
    assert score(gated, {"units": 2, "kind": "desa"}).gates == ("sedikit",)
