"""Friendly error pages in the user's language; never a bare 500 page."""
from flask import make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from jinja2_fragments.flask import render_block

from app.extensions import db
from app.inputs import storable_text

MESSAGES = {
    400: _l("Permintaan tidak dapat diproses."),
    403: _l("Anda tidak berhak membuka halaman ini."),
    404: _l("Halaman tidak ditemukan, atau di luar wilayah Anda."),
    405: _l("Cara membuka halaman ini tidak didukung."),
    413: _l("Berkas terlalu besar: paling besar 10 MB."),
    500: _l("Terjadi kesalahan di server. Data yang sudah tersimpan tetap aman; coba lagi."),
}


def render_error(status, message=None):
    """The error page, with a status and a message in the user's language.

    An htmx request gets the page too, swapped into the whole body (see htmx-config in
    base.html), so a failed action never leaves the screen silently unchanged. A too-large
    upload only adds the message to what it was sent from: the form around it stays usable.
    """
    message = message or MESSAGES[status]
    if request.htmx and status == 413:
        response = make_response(render_block("error.html", "alert", message=message), status)
        response.headers["HX-Reswap"] = "beforeend"
        return response
    response = make_response(render_template("error.html", status=status, message=message), status)
    if request.htmx:
        response.headers["HX-Retarget"] = "body"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


def refuse_unstorable_input():
    """A NUL character is never typed text, and PostgreSQL cannot store it: refuse it in any form or query."""
    fields = [*request.args.items(multi=True), *request.form.items(multi=True)]
    if not all(storable_text(key) and storable_text(value) for key, value in fields):
        return render_error(422, _("Isian berisi karakter yang tidak diizinkan. Hapus karakter itu lalu coba lagi."))
    return None


def init_app(app):
    app.before_request(refuse_unstorable_input)

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return render_error(400, _("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."))

    @app.errorhandler(500)
    def server_error(_error):
        db.session.rollback()
        return render_error(500)

    for status in (400, 403, 404, 405, 413):
        app.register_error_handler(status, lambda error, status=status: render_error(status))
