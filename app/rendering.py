"""One template per page; an htmx request that targets a fragment gets only that block."""
from flask import render_template, request
from jinja2_fragments.flask import render_block


def wants_fragment():
    """True for an htmx request that swaps part of a page (not a boosted link or a history restore)."""
    return bool(request.htmx) and not request.htmx.boosted and "HX-History-Restore-Request" not in request.headers


def render(template, block, **context):
    """The whole page, or just `block` for an htmx request that wants a fragment."""
    if wants_fragment():
        return render_block(template, block, **context)
    return render_template(template, **context)
