"""A session's pre-test and post-test: the questions and full score, scores typed from paper, and answer sheets.

The Dinas of the session's regency manages them. An answer sheet wins over a typed score: saving a sheet
scores it, and the scores page shows that phase as text beside a link to the sheet; the sheet's "remove"
button (or a sheet sent with every question unanswered) removes it, and the score can be typed again.
"""
from flask import abort, flash, redirect, render_template, request, url_for
from babel.numbers import format_decimal as babel_decimal
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from sqlalchemy import delete

from app.access import role_required
from app.bimtek import bp
from app.bimtek.gains import right_count, sheet_score
from app.bimtek.models import PHASES, TestAnswer, TestQuestion
from app.bimtek.pretest_forms import (PHASE_NAMES, FullScoreForm, QuestionForm, ScoresForm, chosen_options,
                                      sheet_form)
from app.bimtek.results import participant_or_404, participants, questions_of, recompute, sheet_keys, sheets
from app.bimtek.routes import session_or_404
from app.extensions import db
from app.forms import ConfirmForm
from app.rendering import form_page
from app.roles import ADMIN
from app.rollups.asked import instrument



def question_or_404(session, question_id):
    return next((q for q in session.questions if q.id == question_id), None) or abort(404)


def typed_scores(session):
    """[(name, phase, score)] of the scores typed from paper (not from an answer sheet), for every participant."""
    keys = sheet_keys(session)
    return [(p.person.name, phase, getattr(p, f"{phase}_score")) for p in session.participants for phase in PHASES
            if getattr(p, f"{phase}_score") is not None and (p.id, phase) not in keys]


@bp.route("/<int:session_id>/test", methods=["GET", "POST"])
@role_required(ADMIN)
def test(session_id):
    """The session's test: its questions, and the full score a test is marked out of."""
    session = session_or_404(session_id)
    form = FullScoreForm(typed_scores(session), obj=session)
    if form.validate_on_submit():
        session.test_max = form.test_max.data
        recompute(session, sheet_keys(session))
        db.session.commit()
        flash(_("Nilai maksimum disimpan."), "success")
        return redirect(url_for("bimtek.test", session_id=session.id))
    current = instrument()
    titles = {t.code: t.title for t in current.topics} if current else {}
    return form_page("bimtek/test.html", form, session=session, titles=titles)


@bp.route("/<int:session_id>/test/new", methods=["GET", "POST"], defaults={"question_id": None})
@bp.route("/<int:session_id>/test/<int:question_id>/edit", methods=["GET", "POST"])
@role_required(ADMIN)
def question(session_id, question_id):
    """Add or correct a question: its number, training topic, text, two to five options and the right one."""
    session = session_or_404(session_id)
    question = question_or_404(session, question_id) if question_id else None
    current = instrument()
    topics = [(t.code, t.title.get("id")) for t in current.topics] if current else []
    taken = {q.number for q in session.questions if q is not question}
    form = QuestionForm(topics, taken)
    if request.method == "GET" and question:
        form.fill(question)
    elif request.method == "GET":
        form.number.data = max(taken, default=0) + 1
    if form.validate_on_submit():
        question = question or TestQuestion(session=session)
        db.session.add(question)
        question.number, question.topic_code, question.text = form.number.data, form.topic_code.data, form.text.data
        question.options, question.answer = form.options()
        recompute(session, sheet_keys(session))
        db.session.commit()
        flash(_("Soal %(number)s disimpan.", number=question.number), "success")
        return redirect(url_for("bimtek.test", session_id=session.id))
    return form_page("bimtek/question.html", form, session=session, question=question)


@bp.post("/<int:session_id>/test/<int:question_id>/delete")
@role_required(ADMIN)
def delete_question(session_id, question_id):
    """Remove a question once confirmed (its answers go with it, and the answer sheets are scored again)."""
    session = session_or_404(session_id)
    question = question_or_404(session, question_id)
    if not ConfirmForm().confirmed.data:
        return render_template("bimtek/delete_question.html", session=session, question=question,
                               action=request.path, fields={}, cancel=url_for("bimtek.test", session_id=session.id))
    keys = sheet_keys(session)
    session.questions.remove(question)
    recompute(session, keys)
    db.session.commit()
    flash(_("Soal %(number)s dihapus.", number=question.number), "success")
    return redirect(url_for("bimtek.test", session_id=session.id))


@bp.route("/<int:session_id>/scores", methods=["GET", "POST"])
@role_required(ADMIN)
def scores(session_id):
    """Pre-test and post-test scores typed from paper, all participants on one page and one save: any score
    refused, and nothing of the submit is saved."""
    session = session_or_404(session_id)
    people = participants(session)
    locked = sheet_keys(session)
    rows = [{"participant": str(p.id), "pre": shown(p.pre_score), "post": shown(p.post_score)} for p in people]
    form = ScoresForm({p.id: p for p in people}, session.test_max, locked, data={"rows": rows})
    if form.validate_on_submit():
        for (person, phase), score in form.scores.items():
            setattr(person, f"{phase}_score", score)
        db.session.commit()
        flash(_("Nilai disimpan."), "success")
        return redirect(url_for("bimtek.scores", session_id=session.id))
    return form_page("bimtek/scores.html", form, session=session, people={p.id: p for p in people}, locked=locked,
                     phases=PHASE_NAMES)


def shown(score):
    """A stored score as the input shows it, in the user's decimal sign and without a thousands separator,
    so that it reads back as it was (read_score refuses "1.000")."""
    return "" if score is None else babel_decimal(round(score, 2), locale=get_locale(), group_separator=False)


@bp.route("/<int:session_id>/scores/<int:participant_id>/<phase>", methods=["GET", "POST"])
@role_required(ADMIN)
def answer_sheet(session_id, participant_id, phase):
    """A participant's answer sheet for one phase: the option chosen for each question; saving scores it."""
    session = session_or_404(session_id)
    participant = participant_or_404(session, participant_id)
    if phase not in PHASES:
        abort(404)
    # what is kept pre-fills the sheet; a sent sheet is read as sent (a question sent without a choice is unanswered)
    kept = sheets([participant.id]).get((participant.id, phase), {}) if request.method == "GET" else {}
    form = sheet_form(session.questions, kept)
    if form.validate_on_submit():
        save_sheet(session, participant, phase, chosen_options(form, session.questions))
        db.session.commit()
        return redirect(url_for("bimtek.scores", session_id=session.id))
    return form_page("bimtek/sheet.html", form, session=session, participant=participant, phase=phase,
                     phase_name=PHASE_NAMES[phase])


def save_sheet(session, participant, phase, chosen):
    """Keep the `chosen` options ({question id: index}) as the participant's sheet for `phase`, and its score;
    no option chosen removes the sheet and its score."""
    db.session.execute(delete(TestAnswer).where(TestAnswer.participant_id == participant.id,
                                                TestAnswer.phase == phase))
    db.session.add_all(TestAnswer(participant_id=participant.id, question_id=question_id, phase=phase, choice=choice)
                       for question_id, choice in chosen.items())
    questions = questions_of(session)
    score = sheet_score(chosen, questions, session.test_max) if chosen else None
    setattr(participant, f"{phase}_score", score)
    name, phase_name = participant.person.name, PHASE_NAMES[phase]
    if chosen:
        flash(_("Lembar jawaban %(phase)s %(name)s disimpan: %(right)s dari %(n)s benar, nilai %(score)s.",
                phase=phase_name, name=name, right=right_count(chosen, questions), n=len(questions),
                score=format_decimal(round(score, 2))), "success")
    else:
        flash(_("Lembar jawaban %(phase)s %(name)s dihapus; nilainya dapat diketik lagi.", phase=phase_name,
                name=name), "success")

