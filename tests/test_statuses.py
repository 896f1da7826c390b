"""What an assessment's pages tell its facilitator about where it stands, over HTTP (issue 22); the same in
Chromium: tests/test_screens.py."""
import re
import uuid
from datetime import UTC, datetime

from sqlalchemy import update

from app.assessments.models import Assessment
from app.assessments.service import result_of
from app.extensions import db
from tests.support import BEST, answers, assessment
from tests.test_reviews import act

DAY = datetime(2025, 10, 20, 3, 0, tzinfo=UTC)  # 10:00 in Jombang


def on(assessment_id, day=DAY):
    """Say the assessment reached its status on `day`, so the pages show a known date."""
    db.session.execute(update(Assessment).where(Assessment.id == uuid.UUID(assessment_id)).values(status_at=day))
    db.session.commit()


def status_line(html):
    """The text of the page's status notice, spaces collapsed; None without one."""
    found = re.search(r'<(p|div)\b[^>]*id="status-line"[^>]*>(.*?)</\1>', html, re.S)
    return found and " ".join(re.sub(r"<[^>]+>", " ", found.group(2)).split())


def pages(client, assessment_id):
    """The facilitator's summary, first section and visit list."""
    return [client.get(path).get_data(as_text=True) for path in (
        f"/assessments/{assessment_id}", f"/assessments/{assessment_id}/sections/A", "/assessments/")]


def test_each_status_is_one_phrase_on_every_page_of_the_facilitator(field, client, auth):
    assessment_id, _ = field.start()
    summary, section, visits = pages(client, assessment_id)
    assert status_line(summary) == "Draf, belum dikirim untuk ditinjau."
    assert status_line(section) is None  # an open draft's pages are its form

    for code, value in BEST.items():
        field.save(assessment_id, code, value)
    assert client.post(f"/assessments/{assessment_id}/submit", data={"csrf_token": field.token}).status_code == 302
    on(assessment_id)
    summary, section, visits = pages(client, assessment_id)
    assert status_line(summary) == status_line(section) == "Menunggu tinjauan; dikirim 20 Okt 2025 10.00.00."
    assert "<h2>Menunggu tinjauan</h2>" in visits and "Menunggu tinjauan; dikirim 20 Okt 2025 10.00.00." in visits

    auth.login("supervisor")
    assert act(client, auth, assessment_id, "return", comment="Periksa lagi A1.",
               **{"comment-A1": "Foto akta buram"}).status_code == 302
    on(assessment_id)
    auth.login("fas.diwek")
    summary, section, visits = pages(client, assessment_id)
    returned = "Dikembalikan oleh Supervisor pada 20 Oktober 2025 untuk diperbaiki. Periksa lagi A1. " \
               "Komentar pada pertanyaan: A1"
    assert status_line(summary) == status_line(section) == returned
    assert "<h2>Dikembalikan</h2>" in visits and "Dikembalikan oleh Supervisor pada 20 Oktober 2025" in visits
    assert "Periksa lagi A1." in visits

    token = auth.token("/assessments/")
    assert client.post(f"/assessments/{assessment_id}/submit", data={"csrf_token": token}).status_code == 302
    auth.login("supervisor")
    assert act(client, auth, assessment_id, "approve").status_code == 302
    on(assessment_id)
    auth.login("fas.diwek")
    summary, section, visits = pages(client, assessment_id)
    assert status_line(summary) == status_line(section) == "Disetujui oleh Supervisor pada 20 Oktober 2025."
    assert "<h2>Disetujui</h2>" in visits and "Disetujui oleh Supervisor pada 20 Oktober 2025." in visits
    assert not any("terkunci" in html or "mengembalikannya" in html for html in (summary, section, visits))
    assert assessment(assessment_id).status == "approved"


def test_the_statuses_in_english(field, client, auth):
    assessment_id, _ = field.start()
    for code, value in BEST.items():
        field.save(assessment_id, code, value)
    client.post(f"/assessments/{assessment_id}/submit", data={"csrf_token": field.token})
    auth.login("supervisor")
    act(client, auth, assessment_id, "approve")
    on(assessment_id)
    auth.login("fas.diwek")
    client.post("/language/en", data={"csrf_token": auth.token("/assessments/")})
    assert status_line(client.get(f"/assessments/{assessment_id}").get_data(as_text=True)) == \
        "Approved by Supervisor on October 20, 2025."


def controls(html, code):
    """{value: checked} of question `code`'s level buttons, and whether its "Tidak berlaku" is ticked."""
    radios = {re.search(r'value="([^"]*)"', tag).group(1): " checked" in tag
              for tag in re.findall(rf'<input[^>]*type="radio"[^>]*name="{code}"[^>]*>', html)}
    na = re.search(rf'<input[^>]*name="na"[^>]*value="{code}"[^>]*>', html).group(0)
    return radios, " checked" in na


def test_not_applicable_stands_instead_of_the_level_on_the_pages(field, client):
    assessment_id, _ = field.start()
    section = f"/assessments/{assessment_id}/sections/B"
    assert field.save(assessment_id, "B5", "3").status_code == 200
    radios, na = controls(client.get(section).get_data(as_text=True), "B5")
    assert radios["3"] and not na
    # The level still chosen when "Tidak berlaku" is ticked (a page without app.js sends both): NA is stored.
    assert field.save(assessment_id, "B5", "3", na=True).status_code == 200
    assert answers(assessment_id) == {"B5": None}
    radios, na = controls(client.get(section).get_data(as_text=True), "B5")
    assert not any(radios.values()) and na

    # A whole-section post refused for another answer comes back as sent: B5 not applicable, no level.
    refused = client.post(section, data={"csrf_token": field.token, "B3": "5", "B5": "2", "na": "B5", "go": "next"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Pilih salah satu pilihan yang tersedia." in html
    radios, na = controls(html, "B5")
    assert not any(radios.values()) and na
    assert answers(assessment_id) == {"B5": None}


def send_form(html):
    """The summary's send button and the reason beside it (None when hidden)."""
    button = re.search(r'<button type="submit" aria-describedby="send-reason"[^>]*>', html).group(0)
    reason = re.search(r'<p class="help" id="send-reason"[^>]*>([^<]*)</p>', html)
    return "disabled" in button, None if " hidden>" in reason.group(0) else reason.group(1)


def test_the_send_button_says_how_many_required_answers_are_missing(field, client):
    assessment_id, _ = field.start()
    field.save(assessment_id, "A1", "yes")
    html = client.get(f"/assessments/{assessment_id}").get_data(as_text=True)
    missing = len(result_of(assessment(assessment_id)).missing)
    assert missing > 1 and send_form(html) == (True, f"Masih ada {missing} jawaban wajib yang kosong; isi dulu untuk dapat mengirim.")
    assert 'data-one="Masih ada {n} jawaban' in html
    for code, value in BEST.items():
        field.save(assessment_id, code, value)
    assert send_form(client.get(f"/assessments/{assessment_id}").get_data(as_text=True)) == (False, None)
