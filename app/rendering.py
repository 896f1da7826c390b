"""One template per page; an htmx request that targets a fragment gets only that block."""
from flask import render_template, request
from jinja2_fragments.flask import render_block


def wants_fragment():
    """True for an htmx request that swaps part of a page (not a boosted link or a history restore)."""
    return bool(request.htmx) and not request.htmx.boosted and "HX-History-Restore-Request" not in request.headers


def form_page(template, form, **context):
    """A form's page: 422 when the form was sent and refused (htmx swaps it: see htmx-config), else 200."""
    refused = form.is_submitted() and any(field.errors for field in form)
    return render_template(template, form=form, **context), 422 if refused else 200


def render(template, block, **context):
    """The whole page, or just `block` for an htmx request that wants a fragment."""
    if wants_fragment():
        return render_block(template, block, **context)
    return render_template(template, **context)
