"""The readiness sheet a facilitator hands to a cooperative's pengurus: who may open it, its header, print date
and legend, and the rule that says which sections need strengthening (plain, then over HTTP)."""
import re
import uuid
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app import clock
from app.assessments.service import parse_answer, save_answer, start, transition
from app.auth.models import User
from app.cooperatives.models import Cooperative
from app.extensions import db
from app.instruments.models import publish
from app.instruments.scoring import level_bands, level_for, ready_from, score
from app.regions.models import Village
from app.rollups.stats import to_strengthen
from tests.support import BEST, DIWEK, INSTRUMENT, SOURCE, WONOSALAM
from tests.test_rollups import weak_sections
from tests.test_scoring import instrument_and_answers

SECTIONS = INSTRUMENT.section_codes


# --- The rule, without an app ---------------------------------------------------------------------

def test_the_ready_band_of_the_default_instrument_and_its_levels():
    assert ready_from(INSTRUMENT) == 76  # where Siap starts
    assert [(level.code, low, high) for level, low, high in level_bands(INSTRUMENT)] == [
        ("belum-siap", 0, 25.9), ("kurang-siap", 26, 50.9), ("cukup-siap", 51, 75.9), ("siap", 76, 100)]


def test_every_section_below_the_ready_band_is_flagged_weakest_first():
    scores = {"A": 90, "B": 75.96, "C": 75.94, "D": 40, "E": 76, "F": None, "G": 40, "H": 100}
    # B shows as 76.0 (inside Siap), C as 75.9; D and G tie, in instrument order; F has no score
    assert to_strengthen(scores, SECTIONS, 76) == ("D", "G", "C")
    assert to_strengthen(dict.fromkeys(SECTIONS, 76), SECTIONS, 76) == ()
    assert to_strengthen({}, SECTIONS, 76) == ()
    # three weak sections are all named (the two weakest alone missed the third), and a strong one never
    weak = {**dict.fromkeys(SECTIONS, 95), "C": 50, "E": 0, "G": 70}
    assert to_strengthen(weak, SECTIONS, 76) == ("E", "C", "G")


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(SECTIONS), st.one_of(st.none(), st.floats(0, 100))),
       st.sampled_from([0, 26, 51, 76, 100]))
def test_exactly_the_sections_below_the_threshold_are_flagged(scores, threshold):
    flagged = to_strengthen(scores, SECTIONS, threshold)
    below = {code for code, value in scores.items() if value is not None and round(value, 1) < threshold}
    assert set(flagged) == below and len(flagged) == len(below)
    assert [scores[code] for code in flagged] == sorted(scores[code] for code in flagged)
    if all(value is None or value >= threshold for value in scores.values()):  # a strong cooperative
        assert flagged == ()


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(instrument_and_answers)
def test_a_section_is_flagged_exactly_when_its_score_is_below_the_highest_level(case):
    """On scored answer sets of the default and of random instruments: the threshold comes from the levels."""
    instrument, answers = case
    result = score(instrument, answers)
    sections = {s.code: s.score for s in result.sections}
    flagged = to_strengthen(sections, instrument.section_codes, ready_from(instrument))
    top = instrument.levels[-1].code
    assert set(flagged) == {code for code, value in sections.items()
                            if value is not None and level_for(instrument, value) != top}


# --- The sheet over HTTP --------------------------------------------------------------------------

# Every answer at its best but C4, C5 (C 60), D4 (D 83.3), all of E (E 0), G2 and G4 (G 66.7): a total
# of 80.2, Siap, with three sections below 76.
WEAK = {**BEST, "C4": "no", "C5": "no", "D4": "no", "E1": "no", "E2": "no", "E3": "0", "E4": "no", "E5": "0",
        "G2": "no", "G4": "no"}
NOW = datetime(2025, 10, 13, 20, 0, tzinfo=UTC)  # 03:00 on 14 October in Jombang; still the 13th in UTC


class Frozen(datetime):
    """The clock at NOW."""

    @classmethod
    def now(cls, tz=None):
        return NOW.astimezone(tz)


def cooperative(district, n):
    return db.session.scalars(select(Cooperative).join(Cooperative.village).where(Village.district_code == district)
                              .order_by(Cooperative.id)).all()[n]


def approved(cooperative, answers, version):
    """An assessment of `cooperative` made by fas.diwek with `answers`, submitted and approved by the supervisor."""
    user = lambda name: db.session.scalar(select(User).where(User.username == name))  # noqa: E731
    facilitator = user("fas.diwek")
    visit = start(uuid.uuid4(), cooperative, facilitator, version, visit_date=date(2025, 10, 10))
    for question in visit.instrument.questions:
        save_answer(visit, question, parse_answer(question, answers[question.code], False))
    db.session.commit()
    transition(visit, "submit", facilitator, visit.version)
    transition(visit, "approve", user("supervisor"), visit.version)
    return visit


@pytest.fixture
def handed(app, jombang, monkeypatch):
    """At NOW: a Diwek cooperative approved with the WEAK answers, one with the best, one never assessed."""
    monkeypatch.setattr(clock, "datetime", Frozen)
    version = publish(db.session, INSTRUMENT, SOURCE)[0]
    db.session.commit()
    weak, strong, fresh = cooperative(DIWEK, 0), cooperative(DIWEK, 1), cooperative(DIWEK, 2)
    sections = approved(weak, WEAK, version).result["sections"]
    assert {code: round(s["score"], 1) for code, s in sections.items() if s["score"] < 100} == {
        "C": 60, "D": 83.3, "E": 0, "G": 66.7}
    approved(strong, BEST, version)
    return {"weak": weak.id, "strong": strong.id, "fresh": fresh.id}


def text_of(html):
    """The page's text, tags removed and white space collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def row(html, id):
    """The text of the table row `id`."""
    start = html.index(f'<tr id="{id}"')
    return text_of(html[start:html.index("</tr>", start)]).strip()


def test_a_facilitator_opens_the_sheet_of_a_cooperative_of_their_kecamatan_only(handed, client, auth):
    auth.login("fas.diwek")
    page = client.get(f"/cooperatives/{handed['weak']}").get_data(as_text=True)  # where they find it
    assert f'href="/sheet/{handed["weak"]}">Lembar kesiapan untuk pengurus</a>' in page
    assert "/sheet/" not in client.get(f"/cooperatives/{handed['fresh']}").get_data(as_text=True)  # nothing approved
    assert client.get(f"/sheet/{handed['weak']}").status_code == 200
    auth.login("fas.wonosalam")  # another kecamatan's facilitator: it does not exist for them
    assert client.get(f"/sheet/{handed['weak']}").status_code == 404
    assert client.get(f"/sheet/{cooperative(WONOSALAM, 0).id}").status_code == 200


def test_the_sheet_has_a_header_the_print_date_and_which_assessment(handed, client, auth):
    weak = db.session.get(Cooperative, handed["weak"])
    name, village = weak.name, weak.village.name
    auth.login("fas.diwek")
    text = text_of(client.get(f"/sheet/{handed['weak']}").get_data(as_text=True))
    assert "SiapKop · Dinas Koperasi dan Usaha Mikro Kabupaten Jombang" in text
    assert f" {name} Desa {village}, Kec. Diwek " in text
    assert "Dicetak 14 Oktober 2025" in text  # Jombang's date, though the server's UTC clock says the 13th
    assert ("Penilaian: kunjungan 10 Oktober 2025 oleh Fas.Diwek, disetujui 14 Oktober 2025 oleh Supervisor."
            in text)
    assert "Skor kesiapan tata kelola 80,2 · Siap" in text


def test_the_sheet_flags_every_section_below_the_ready_band_weakest_first(handed, client, auth):
    auth.login("fas.diwek")
    html = client.get(f"/sheet/{handed['weak']}").get_data(as_text=True)
    assert weak_sections(html) == ["E", "C", "G"]  # D (83,3) is not perfect but inside Siap
    assert "Bagian dengan skor di bawah 76 (awal tingkat Siap)" in html
    assert 'id="section-E" class="weak"' in html and 'id="section-D">' in html
    assert row(html, "section-G") == "G. Administrasi Keuangan &amp; Pembukuan 66,7 Cukup Siap"
    topics = {code: text_of(html[html.index(f'id="topic-{code}"'):]).split(" · ")[1][:15]
              for code in ("tugas-pengurus-pengawas", "penguatan-kelembagaan")}
    assert topics == dict.fromkeys(topics, "perlu diperkuat")  # D, E and A, C, G, H
    organisation = html[html.index('id="topic-tata-kelola-organisasi"'):]
    assert "perlu diperkuat" not in organisation[:organisation.index("</li>")]  # B and F are at 100


def test_a_strong_cooperative_is_never_flagged(handed, client, auth):
    auth.login("supervisor")
    html = client.get(f"/sheet/{handed['strong']}").get_data(as_text=True)
    assert weak_sections(html) == [] and 'class="weak"' not in html and "perlu diperkuat" not in html
    assert "Semua bagian sudah memadai: setiap bagian mendapat skor 76 atau lebih." in html


def test_the_legend_names_each_level_and_its_score_range(handed, client, auth):
    auth.login("dinas")
    for cooperative_id in (handed["strong"], handed["fresh"]):  # with or without an approved assessment
        html = client.get(f"/sheet/{cooperative_id}").get_data(as_text=True)
        assert [row(html, f"band-{code}") for code in ("belum-siap", "kurang-siap", "cukup-siap", "siap")] == [
            "Belum Siap 0–25,9", "Kurang Siap 26–50,9", "Cukup Siap 51–75,9", "Siap 76–100"]
    assert "Belum ada penilaian yang disetujui." in html and "Dicetak 14 Oktober 2025" in html


def test_the_sheet_in_english(handed, client, auth):
    auth.login("fas.diwek")
    client.post("/language/en", data={"csrf_token": auth.token()})
    text = text_of(client.get(f"/sheet/{handed['weak']}").get_data(as_text=True))
    assert "Printed October 14, 2025" in text and "Kabupaten Jombang" in text
    assert "Sections scoring below 76 (where Ready starts), weakest first:" in text


def test_the_print_styles_fit_an_a4_portrait_page(client):
    css = client.get("/static/app.css").get_data(as_text=True)
    assert re.search(r"@page \{ size: A4 portrait;", css)
