"""One template per page; an htmx request that targets a fragment gets only that block."""
from flask import render_template, request
from jinja2_fragments.flask import render_block


def render(template, block, **context):
    """The whole page, or just `block` for an htmx (not boosted) request."""
    if request.htmx and not request.htmx.boosted:
        return render_block(template, block, **context)
    return render_template(template, **context)
