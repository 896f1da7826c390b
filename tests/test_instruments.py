"""`flask instruments check/publish/use`, immutable versions, and the admins' instrument pages."""
import re

import pytest
from sqlalchemy import func, select

from app import ROOT
from app.extensions import db
from app.instruments.definition import load_text
from app.instruments.models import InstrumentVersion, publish, version_in_use
from tests.support import make_app

DEFAULT_FILE = ROOT / "instruments" / "kdmp-tata-kelola-v1.yaml"
DEFAULT_TEXT = DEFAULT_FILE.read_text(encoding="utf-8")
B3_LEVEL_3 = ('          3:\n            id: "Menjelaskan dengan benar 3 dari 4 pokok AD"\n'
              '            en: "Correctly explains 3 of the 4 key provisions"\n')
F2_RULE = "show_if: {question: F1, equals: yes}"


@pytest.fixture(scope="module")
def cli():
    """A CLI runner; checking a file needs no database."""
    return make_app("sqlite://").test_cli_runner()


def broken(tmp_path, *edits):
    """The default instrument with each (old, new) text replaced once, written to a file."""
    text = DEFAULT_TEXT
    for old, new in edits:
        assert text.count(old) >= 1, old
        text = text.replace(old, new, 1)
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_instrument_checks_clean(cli):
    result = cli.invoke(args=["instruments", "check", str(DEFAULT_FILE)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{DEFAULT_FILE}: OK, kdmp-tata-kelola: 8 sections, 44 questions"


BROKEN = {
    "duplicate code": (
        [("      - code: C4\n", "      - code: C3\n")],
        ["269: sections[C].questions[C3].code: duplicate question code 'C3'"]),
    "weights not 100": (
        [("    weight: 15\n", "    weight: 20\n")],
        ["55: sections: section weights sum to 105, not 100"]),
    "unknown type": (
        [("        type: scale\n", "        type: skala\n")],
        ["141: sections[B].questions[B3]: unknown type 'skala' (known: yesno, scale, count, choice, date, text)"]),
    "relevance to an unknown question": (
        [(F2_RULE, "show_if: {question: Z9, equals: yes}")],
        ["430: sections[F].questions[F2].show_if.question: relevance rule points at an unknown question 'Z9'"]),
    "relevance to a later question": (
        [(F2_RULE, "show_if: {question: F5, at_least: 2}")],
        ["430: sections[F].questions[F2].show_if.question: relevance rule points at a later question 'F5'"]),
    "missing translation": (
        [('          en: "Board can explain key bylaw provisions"\n', "")],
        ["144: sections[B].questions[B3].text.en: missing translation (en)"]),
    "rubric with a missing level": (
        [(B3_LEVEL_3, "")],
        ["150: sections[B].questions[B3].rubric: rubric has no text for level 3"]),
    "gate capping at an unknown level": (
        [("    cap: kurang-siap\n", "    cap: hampir-siap\n")],
        ["26: gates[tanpa-sk-ahu].cap: unknown level 'hampir-siap'"]),
    "gate comparing yes/no with a number": (
        [("{question: A1, equals: no}", "{question: A1, equals: 2}")],
        ["25: gates[tanpa-sk-ahu].when.equals: A1 is yes/no: compare with yes or no, not 2"]),
    "levels out of order": (
        [("    min: 51\n", "    min: 20\n")],
        ["18: levels[cukup-siap].min: levels must go up: each min above the one before"]),
    "unknown field": (
        [("        photo: true\n", "        foto: true\n")],
        ["69: sections[A].questions[A1].foto: unknown field"]),
    "not YAML": (
        [("title:\n", "title: [\n")],
        ["7: not valid YAML: expected ',' or ']', but got ':'"]),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_broken_file_lists_each_problem_with_its_place_and_fails(cli, tmp_path, case):
    edits, expected = BROKEN[case]
    path = broken(tmp_path, *edits)
    result = cli.invoke(args=["instruments", "check", str(path)])
    assert result.exit_code == 1
    for line in expected:
        assert f"{path}:{line}" in result.stderr, result.stderr
    assert f"{path}: {len(expected)} problem(s)" in result.stderr
    assert "OK" not in result.output


def test_every_problem_in_a_file_is_listed(cli, tmp_path):
    path = broken(tmp_path, ("      - code: C4\n", "      - code: C3\n"), ("    weight: 15\n", "    weight: 20\n"),
                  (F2_RULE, "show_if: {question: Z9, equals: yes}"), ("    cap: kurang-siap\n", "    cap: x\n"))
    result = cli.invoke(args=["instruments", "check", str(path), str(DEFAULT_FILE)])
    assert result.exit_code == 1
    assert f"{path}: 4 problem(s)" in result.stderr
    for message in ("duplicate question code", "sum to 105", "unknown question 'Z9'", "unknown level 'x'"):
        assert message in result.stderr
    assert f"{DEFAULT_FILE}: OK" in result.output


def test_check_reports_a_file_that_is_not_utf8(cli, tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("code: koperasi-\xe9\n".encode("latin-1"))
    result = cli.invoke(args=["instruments", "check", str(path)])
    assert result.exit_code == 1 and "not UTF-8 text" in result.stderr


# --- Publishing: immutable versions --------------------------------------------------------------

def versions():
    db.session.expire_all()
    return db.session.scalars(select(InstrumentVersion).order_by(InstrumentVersion.number)).all()


def test_publish_stores_a_version_and_a_changed_file_makes_a_new_one(app, runner, tmp_path):
    result = runner.invoke(args=["instruments", "publish", str(DEFAULT_FILE)])
    assert result.exit_code == 0 and "Published kdmp-tata-kelola v1; new assessments use it." in result.output
    first = versions()[0]
    assert first.instrument == load_text(DEFAULT_TEXT) and first.source == DEFAULT_TEXT

    reformatted = tmp_path / "comments.yaml"
    reformatted.write_text("# only a comment added\n" + DEFAULT_TEXT, encoding="utf-8")
    result = runner.invoke(args=["instruments", "publish", str(reformatted)])
    assert "Unchanged, already published as kdmp-tata-kelola v1" in result.output and len(versions()) == 1

    changed = broken(tmp_path, ("    min: 76\n", "    min: 80\n"))
    result = runner.invoke(args=["instruments", "publish", str(changed), "--no-use"])
    assert result.exit_code == 0 and result.output.strip() == "Published kdmp-tata-kelola v2."
    v1, v2 = versions()
    assert version_in_use(db.session, "kdmp-tata-kelola").number == 1  # --no-use kept v1
    assert v1.definition["levels"][3]["min"] == 76 and v2.definition["levels"][3]["min"] == 80

    result = runner.invoke(args=["instruments", "use", "kdmp-tata-kelola", "2"])
    assert result.exit_code == 0 and version_in_use(db.session, "kdmp-tata-kelola").number == 2
    assert runner.invoke(args=["instruments", "use", "kdmp-tata-kelola", "9"]).exit_code == 1


def test_a_published_version_cannot_be_changed_or_deleted(app):
    version, created = publish(db.session, load_text(DEFAULT_TEXT), DEFAULT_TEXT)
    db.session.commit()
    version.source = "# diubah\n" + DEFAULT_TEXT
    with pytest.raises(ValueError, match="cannot change"):
        db.session.commit()
    db.session.rollback()
    db.session.delete(version)
    with pytest.raises(ValueError, match="cannot change"):
        db.session.commit()
    db.session.rollback()
    assert [v.source for v in versions()] == [DEFAULT_TEXT]


def test_a_broken_file_is_not_published(app, runner, tmp_path):
    path = broken(tmp_path, ("    weight: 15\n", "    weight: 20\n"))
    result = runner.invoke(args=["instruments", "publish", str(path)])
    assert result.exit_code == 1 and "section weights sum to 105" in result.stderr
    assert "not published, 1 problem(s)" in result.output
    assert db.session.scalar(select(func.count()).select_from(InstrumentVersion)) == 0


# --- The admins' pages --------------------------------------------------------------------------

@pytest.fixture
def published(app, jombang):
    version, _ = publish(db.session, load_text(DEFAULT_TEXT), DEFAULT_TEXT)
    db.session.commit()
    return version.id


def test_admin_sees_the_versions_and_the_one_in_use(client, auth, published):
    auth.login("dinas")
    html = client.get("/instruments/").get_data(as_text=True)
    assert "Kesiapan Tata Kelola Koperasi Desa/Kelurahan Merah Putih · versi 1" in html
    assert "Dipakai untuk penilaian baru" in html
    assert f'href="/instruments/{published}"' in html


def test_preview_shows_every_question_as_the_facilitator_sees_it(client, auth, published):
    auth.login("dinas")
    html = client.get(f"/instruments/{published}").get_data(as_text=True)
    assert html.count('<fieldset class="question"') == 44
    assert html.count('type="radio" name="B3"') == 5 and "Menjelaskan dengan benar 3 dari 4 pokok AD" in html
    assert 'type="number" name="C1"' in html and "Target: 100 · di bawah 20 bernilai 0" in html
    assert "Ditampilkan jika F1 = Ya" in html
    assert html.count('name="na"') == 3  # B5, G5, H5 may be answered "Tidak berlaku"
    assert "Jika A1 = Tidak: paling tinggi Kurang Siap." in html and "Jika D1 &lt; 3" in html
    assert "Tata kelola organisasi koperasi</strong>: bagian B, F" in html


def test_every_typed_answer_is_named_by_its_question_text(client, auth, published):
    """Count, date and text answers are labelled by their question's legend (radio groups by the fieldset's)."""
    from tests.test_fuzz import ALL_TYPES_SOURCE
    every_type = publish(db.session, load_text(ALL_TYPES_SOURCE), ALL_TYPES_SOURCE, use=False)[0].id
    db.session.commit()
    auth.login("dinas")
    for version_id, typed in ((published, 10), (every_type, 3)):
        html = client.get(f"/instruments/{version_id}").get_data(as_text=True)
        controls = re.findall(r'<(?:textarea|input)(?![^>]*type="(?:radio|checkbox|hidden|file)")[^>]*>', html)
        assert len(controls) == typed
        for control in controls:
            code = re.search(r'name="([^"]+)"', control).group(1)
            assert f'aria-labelledby="text-{code}"' in control
            assert html.count(f'<legend id="text-{code}"><span class="code">{code}</span>') == 1


def test_preview_in_english(client, auth, published):
    auth.login("dinas")
    client.post("/language/en", data={"csrf_token": auth.token("/instruments/")})
    html = client.get(f"/instruments/{published}").get_data(as_text=True)
    assert "Board can explain key bylaw provisions" in html and "Shown if F1 = Yes" in html
    assert "Organisational governance of the cooperative" in html and "Weight" in html


@pytest.mark.parametrize("username", ["supervisor", "fas.diwek"])
def test_instrument_pages_are_for_admins_only(client, auth, published, username):
    auth.login(username)
    assert client.get("/instruments/").status_code == 403
    assert client.get(f"/instruments/{published}").status_code == 403


def test_unknown_version_is_404_and_anonymous_users_are_sent_to_login(client, auth, published):
    assert client.get("/instruments/").status_code == 302
    auth.login("dinas")
    assert client.get(f"/instruments/{published + 1}").status_code == 404
