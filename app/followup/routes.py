"""Follow-up plans: the Dinas generates and edits them; the facilitator checks each action at the next visit."""

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import FileStorage

from app.access import role_required, scope
from app.assessments.forms import photo_message
from app.assessments.photo_routes import read_photo, upload_lock
from app.assessments.photos import PhotoError
from app.bimtek.routes import session_or_404
from app.extensions import db
from app.followup import bp
from app.followup.forms import ActionForm, MarkForm
from app.followup.models import STATUS_LABELS, FollowupAction
from app.followup.plans import in_language
from app.followup.service import default_due, default_owner, generate, store_action_photo
from app.forms import ConfirmForm
from app.i18n import today
from app.rendering import render, wants_fragment
from app.roles import ADMIN, FACILITATOR, SUPERVISOR
from app.rollups.asked import instrument
from app.storage.photos import forget, served

bp.add_app_template_global(STATUS_LABELS, "followup_status_labels")


@bp.app_template_filter("action_text")
def action_text(action):
    """An action's wording in the user's language: the instrument's proposal is bilingual, the Dinas's own not."""
    if "followup_instrument" not in g:  # one look-up per request, however many actions a page lists
        g.followup_instrument = instrument()
    current = g.followup_instrument
    return in_language(current, action.question_code, action.text, get_locale().language) if current else action.text


def action_or_404(action_id):
    """The action `action_id` of a cooperative in the user's area; 404 otherwise."""
    action = db.get_or_404(FollowupAction, action_id)
    scope().cooperative_or_404(action.cooperative_id)
    return action


def sections():
    current = instrument()
    return current.sections if current else []


@bp.post("/sessions/<int:session_id>/generate")
@role_required(ADMIN)
def generate_plans(session_id):
    """Propose actions for every participating cooperative from its latest approved assessment."""
    session = session_or_404(session_id)
    added, without = generate(session)
    flash(_("%(count)s tindakan baru diusulkan.", count=added), "success")
    if without:
        flash(_("Tanpa usulan (belum ada penilaian yang disetujui): %(names)s.",
                names=", ".join(c.name for c in without)), "warning")
    return redirect(url_for("bimtek.show", session_id=session.id, _anchor="followup"))


@bp.route("/sessions/<int:session_id>/cooperatives/<int:cooperative_id>", methods=["GET", "POST"])
@role_required(ADMIN)
def plan(session_id, cooperative_id):
    """A cooperative's plan after a session: its actions to correct, and a form to add one of the Dinas's own."""
    session, cooperative = session_or_404(session_id), scope().cooperative_or_404(cooperative_id)
    if cooperative.village.district_code not in session.district_codes:
        abort(404)
    form = new_action_form(session, cooperative)
    if form.validate_on_submit():
        action = FollowupAction(session=session, cooperative=cooperative, question_code=None,
                                updated_by=current_user.id)
        form.fill(action)
        db.session.add(action)
        db.session.commit()
        flash(_("Tindakan ditambahkan."), "success")
        return redirect(url_for("followup.plan", session_id=session.id, cooperative_id=cooperative.id))
    return plan_page(session, cooperative, new=form)


def new_action_form(session, cooperative, **kwargs):
    """The form of an action of the Dinas's own, owned by default like a proposal, and due like one."""
    owner = default_owner(cooperative)
    return ActionForm(session, cooperative, sections(), data={"due_on": default_due(session),
                                                              "officer_id": owner.id if owner else None}, **kwargs)


def plan_page(session, cooperative, new=None, failed=None):
    """The plan page; `failed` is (action id, its refused form), shown with its errors (422)."""
    actions = db.session.scalars(FollowupAction.of(session.id, cooperative.id)).all()
    forms = {a.id: ActionForm(session, cooperative, sections(), obj=a, formdata=None) for a in actions}
    new = new or new_action_form(session, cooperative, formdata=None)
    if failed:
        forms[failed[0]] = failed[1]
    refused = any(f.errors for f in [new, *forms.values()])
    return render_template("followup/plan.html", session=session, cooperative=cooperative, actions=actions,
                           forms=forms, new=new), 422 if refused else 200


@bp.post("/actions/<int:action_id>/edit")
@role_required(ADMIN)
def edit(action_id):
    """Correct an action's wording, owner, due date or section."""
    action = action_or_404(action_id)
    form = ActionForm(action.session, action.cooperative, sections(), obj=action)
    if not form.validate_on_submit():
        return plan_page(action.session, action.cooperative, failed=(action.id, form))
    form.fill(action)
    action.updated_by = current_user.id
    db.session.commit()
    flash(_("Tindakan disimpan."), "success")
    return redirect(url_for("followup.plan", session_id=action.session_id, cooperative_id=action.cooperative_id,
                            _anchor=f"action-{action.id}"))


@bp.post("/actions/<int:action_id>/delete")
@role_required(ADMIN)
def delete(action_id):
    """Remove an action from its plan, once confirmed (the browser's dialog, or the confirmation page)."""
    action = action_or_404(action_id)
    back = url_for("followup.plan", session_id=action.session_id, cooperative_id=action.cooperative_id)
    if not ConfirmForm().confirmed.data:
        return render_template("followup/delete.html", item=action, cancel=back, fields={},
                               action=url_for("followup.delete", action_id=action.id))
    if action.photo_id:
        forget(action.photo_id)  # in the same commit as the action
    db.session.delete(action)
    db.session.commit()
    flash(_("Tindakan dihapus."), "success")
    return redirect(back)


@bp.post("/actions/<int:action_id>/mark")
@role_required(FACILITATOR, SUPERVISOR, ADMIN)
def mark(action_id):
    """Record how an action went, at a visit: done, partly done or not done, with a note and a photo."""
    action = action_or_404(action_id)
    form = MarkForm()
    error = save_mark(action, form) if form.validate_on_submit() else next(iter(form.errors.values()))[0]
    if error is None and not wants_fragment():
        flash(_("Status tindakan disimpan: %(status)s.", status=STATUS_LABELS[action.status]), "success")
        return redirect(url_for("cooperatives.show", cooperative_id=action.cooperative_id,
                                _anchor=f"action-{action.id}"))
    return render("followup/mark.html", "action", action=action, error=error,
                  saved=error is None, followup_today=today()), 422 if error else 200


def save_mark(action, form):
    """Store the check and its photo (re-encoded, without metadata); returns why it was refused, or None."""
    sent = form.photo.data
    upload = sent if isinstance(sent, FileStorage) and sent.filename else None  # a text "photo" field is no file
    photo = None
    if upload is not None:
        with upload_lock() as held:
            try:
                if not held:
                    raise PhotoError("busy")
                photo = read_photo(upload)
            except PhotoError as refused:
                return photo_message(refused.code)
    if photo:
        store_action_photo(action, photo)
    action.status, action.note = form.status.data, form.note.data
    action.checked_on, action.updated_by = today(), current_user.id
    db.session.commit()
    return None


@bp.get("/actions/<int:action_id>/photo.jpg")
@login_required
def photo(action_id):
    """An action's photo, for the users who may see its cooperative."""
    action = action_or_404(action_id)
    if action.photo_id is None:
        abort(404)
    return served(action.photo_id)
