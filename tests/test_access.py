"""Every route of app.url_map, for every role: the status it answers, and never another area's data.

The world (tests/world.py) has records in Diwek (home), Wonosalam (another kecamatan of Jombang) and
Pacet (a kecamatan of another regency), each marked with its area's tag. ROUTES says, for each rule
of the url_map, what each role gets, in one or more cases (records in each state, another regency's
records, queries, htmx fragments, POSTs with an empty form); a rule or a method of it without a case
fails test_every_route_has_expectations. Each case x role is requested, its status checked, its body
(CSV decoded, XLSX unzipped) and headers searched for the tags of the areas the role may not see, and
every GET checked to send no statement that writes. The Dinas of Jombang sees both kecamatan; its
other area is the other regency.
"""
import fnmatch
import io
import zipfile
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select

from app.assessments.models import TEMPLATE_ID
from app.extensions import db
from app.i18n import today as local_today
from app.instruments.models import InstrumentVersion
from tests.support import Auth, make_app
from tests.world import FACILITATORS, FOREIGN, HOME, OTHER, ROLES, TAGS, VISIBLE, arguments, changed, path_of

ROLE_ORDER = tuple(ROLES)  # anonymous, facilitator, supervisor, admin, facilitator-other, supervisor-other


@dataclass(frozen=True)
class Redirect:
    """A 302 to a path (fnmatch pattern; the query string is not compared)."""
    path: str

    def __str__(self):
        return f"302 -> {self.path}"


LOGIN = Redirect("/auth/login")
HX_LOGIN = 401  # an anonymous htmx request: HX-Redirect to the login page
HOME_PAGE = Redirect("/")


@dataclass
class Case:
    """One request of a rule: what each role gets (in ROLE_ORDER), with the URL filled from `area`'s records."""
    expect: tuple
    label: str = ""
    area: str = HOME
    args: dict = field(default_factory=dict)  # argument -> value, or a function of the area's ids
    query: object = ""  # a query string, or a function of the area's ids
    shows: bool = False  # a 200 body must show the records (the tag) of the area the role sees
    data: dict = field(default_factory=dict)  # the body of a POST
    method: str = None  # GET if the rule accepts it, else POST
    htmx: bool = False  # sent as htmx sends it (HX-Request): the fragment, or 401 for an anonymous user
    rolls_back: bool = False  # a GET that writes and rolls back (/healthz): the database must be as it was


# The URL arguments, filled from an area's records unless a case says otherwise.
FILL = {
    "assessment_id": lambda area: area.assessments["draft"],
    "photo_id": lambda area: area.photo,
    "cooperative_id": lambda area: area.cooperative,
    "session_id": lambda area: area.session,
    "user_id": lambda area: area.facilitator,
    "version_id": lambda area: db.session.scalar(select(InstrumentVersion.id)),
    "lang": lambda area: "en",
    "fmt": lambda area: "csv",
    "filename": lambda area: "app.css",
    "action": lambda area: "approve",
    "participant_id": lambda area: area.participant,
    "question_id": lambda area: area.question,
    "action_id": lambda area: area.action,
    "day": lambda area: 1,
    "phase": lambda area: "pre",
}
state = lambda name: (lambda area: area.assessments[name])  # noqa: E731
district = lambda area: area.district  # noqa: E731
today = lambda area: f"as_of={local_today()}"  # noqa: E731  (the world's approvals are today's)
shared_today = lambda area: f"session={area.shared_session}&{today(area)}"  # noqa: E731
ALL_200 = (200,) * 6
REVIEWERS = (LOGIN, 403, 200, 200, 403, 200)  # supervisors and the Dinas, each in their own area
HOME_REVIEWERS = (LOGIN, 403, 200, 200, 403, 404)  # a home record: the other kecamatan's supervisor gets 404
HOME_VIEWERS = (LOGIN, 200, 200, 200, 404, 404)  # a home assessment: everyone of the home area sees it
ADMIN_ONLY = (LOGIN, 403, 403, 200, 403, 403)
ADMIN_REFUSED = (LOGIN, 403, 403, 422, 403, 403)  # an empty form reaches only the admin, who gets it back, refused
FOREIGN_RECORD = (LOGIN, 404, 404, 404, 404, 404)  # another regency's: not even the Dinas of Jombang sees it
FOREIGN_REVIEWED = (LOGIN, 403, 404, 404, 403, 404)
OWN_DRAFT = (LOGIN, 200, 403, 403, 404, 403)  # the home facilitator's own draft; other facilitators get 404

#   anonymous, facilitator, supervisor, admin, facilitator-other, supervisor-other
ROUTES = {
    "/": [Case((LOGIN, 200, 200, 200, 200, 200))],  # each role's home, shown in place
    "/auth/login": [Case((200, HOME_PAGE, HOME_PAGE, HOME_PAGE, HOME_PAGE, HOME_PAGE)),
                    Case((422, HOME_PAGE, HOME_PAGE, HOME_PAGE, HOME_PAGE, HOME_PAGE), "empty form", method="POST")],
    "/auth/logout": [Case((LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN))],
    "/auth/session": [Case(ALL_200)],  # who is logged in here: each user learns only of themselves
    "/language/<lang>": [Case((HOME_PAGE,) * 6)],
    "/offline": [Case(ALL_200)],
    "/sw.js": [Case(ALL_200)],
    "/manifest.webmanifest": [Case(ALL_200)],
    "/healthz": [Case(ALL_200, rolls_back=True)],  # readiness, for nginx and monitoring: no login, nothing private
    "/static/<path:filename>": [Case(ALL_200), Case(ALL_200, "htmx", args={"filename": "htmx.min.js"}),
                                Case((404,) * 6, "missing", args={"filename": "nothing.css"})],

    "/assessments/": [Case((LOGIN, 200, 403, 403, 200, 403), shows=True)],
    "/assessments/<uuid:assessment_id>": [
        Case(HOME_VIEWERS, "draft", shows=True),
        Case(HOME_VIEWERS, "submitted", args={"assessment_id": state("submitted")}, shows=True),
        Case(HOME_VIEWERS, "returned", args={"assessment_id": state("returned")}, shows=True),
        Case(HOME_VIEWERS, "approved", args={"assessment_id": state("approved")}, shows=True),
        Case((LOGIN, 200, 404, 404, 200, 404), "offline template", args={"assessment_id": TEMPLATE_ID}),
        Case(FOREIGN_RECORD, "foreign", area=FOREIGN, args={"assessment_id": state("approved")})],
    "/assessments/<uuid:assessment_id>/sections/<code>": [
        Case(HOME_VIEWERS, "draft", args={"code": "A"}, shows=True),
        Case(HOME_VIEWERS, "returned", args={"assessment_id": state("returned"), "code": "A"}, shows=True),
        Case((LOGIN, 404, 404, 404, 404, 404), "unknown section", args={"code": "Z"}),
        Case((LOGIN, 200, 404, 404, 200, 404), "offline template", args={"assessment_id": TEMPLATE_ID, "code": "B"}),
        Case(FOREIGN_RECORD, "foreign", area=FOREIGN, args={"code": "A"}),
        Case((LOGIN, Redirect("/assessments/*"), 403, 403, 404, 404), "empty form", args={"code": "A"}, method="POST"),
        Case((LOGIN, 409, 403, 403, 404, 404), "approved, empty form", method="POST",
             args={"assessment_id": state("approved"), "code": "A"})],
    "/assessments/<uuid:assessment_id>/answers/<code>": [
        Case(OWN_DRAFT, "draft", args={"code": "A1"}),
        Case((LOGIN, 409, 403, 403, 404, 403), "submitted", args={"assessment_id": state("submitted"), "code": "A1"}),
        Case((LOGIN, 404, 403, 403, 404, 403), "unknown question", args={"code": "Z9"})],
    "/assessments/<uuid:assessment_id>/notes/<code>": [Case(OWN_DRAFT, args={"code": "A"}, data={"notes": "x"})],
    "/assessments/<uuid:assessment_id>/photos/<code>": [Case((LOGIN, 422, 403, 403, 404, 403), args={"code": "A1"})],
    "/assessments/<uuid:assessment_id>/photos/<uuid:photo_id>.jpg": [
        Case(HOME_VIEWERS), Case(FOREIGN_RECORD, "foreign", area=FOREIGN)],
    "/assessments/<uuid:assessment_id>/photos/<uuid:photo_id>/thumb.jpg": [
        Case(HOME_VIEWERS), Case(FOREIGN_RECORD, "foreign", area=FOREIGN)],
    "/assessments/<uuid:assessment_id>/photos/<uuid:photo_id>/delete": [
        Case((LOGIN, 200, 403, 403, 404, 403), "not confirmed: the confirmation page"),
        Case((LOGIN, Redirect("/assessments/*/sections/A"), 403, 403, 404, 403), "confirmed",
             data={"confirmed": "y"})],
    "/assessments/<uuid:assessment_id>/submit": [
        Case((LOGIN, 422, 403, 403, 404, 403), "incomplete draft")],
    "/assessments/new/<int:cooperative_id>": [
        Case((LOGIN, 200, 403, 403, 404, 403), shows=True),
        Case((LOGIN, 404, 403, 403, 404, 403), "foreign", area=FOREIGN),
        Case((LOGIN, 422, 403, 403, 404, 403), "a draft is open, another not confirmed", method="POST"),
        Case((LOGIN, Redirect("/assessments/*/sections/A"), 403, 403, 404, 403), "empty form: today's visit",
             data={"another": "y"}, method="POST")],
    "/assessments/prepare/<int:cooperative_id>": [Case((LOGIN, 200, 403, 403, 404, 403))],
    "/assessments/sync": [Case((LOGIN, 200, 403, 200, 200, 403))],  # the Dinas sends attendance through it

    "/cooperatives/": [
        Case((LOGIN, 200, 200, 200, 200, 200)),
        Case((LOGIN, 200, 200, 200, 200, 200), "search for another kecamatan", query="q=Wonosalam"),
        Case((LOGIN, 200, 200, 200, 200, 200), "search for another regency", query="q=Pacet"),
        Case((LOGIN, 200, 200, 200, 200, 200), "page 2", query="page=2"),
        Case((HX_LOGIN, 200, 200, 200, 200, 200), "htmx search", query="q=a", htmx=True)],
    "/cooperatives/<int:cooperative_id>": [Case(HOME_VIEWERS, shows=True),
                                           Case(FOREIGN_RECORD, "foreign", area=FOREIGN)],
    "/cooperatives/<int:cooperative_id>/edit": [
        Case(ADMIN_ONLY, shows=True), Case((LOGIN, 403, 403, 404, 403, 403), "foreign", area=FOREIGN),
        Case((LOGIN, 403, 403, Redirect("/cooperatives/*"), 403, 403), "empty form: saved as it is", method="POST")],

    "/reviews/": [
        Case(REVIEWERS, shows=True),
        Case(REVIEWERS, "every status", query="status=all", shows=True),
        Case((HX_LOGIN, 403, 200, 200, 403, 200), "htmx, every status", query="status=all", htmx=True, shows=True),
        Case(REVIEWERS, "filtered on the home kecamatan", query=lambda area: f"district={area.district}&status=all"),
        Case(REVIEWERS, "filtered on the home facilitator",
             query=lambda area: f"facilitator={area.facilitator}&status=all")],
    "/reviews/<uuid:assessment_id>": [
        Case(HOME_REVIEWERS, "submitted", args={"assessment_id": state("submitted")}, shows=True),
        Case(HOME_REVIEWERS, "returned", args={"assessment_id": state("returned")}, shows=True),
        Case(FOREIGN_REVIEWED, "foreign", area=FOREIGN, args={"assessment_id": state("submitted")})],
    "/reviews/<uuid:assessment_id>/<action>": [
        Case((LOGIN, 403, 400, 400, 403, 404), "no version", args={"assessment_id": state("submitted")})],

    "/dashboard/": [Case(REVIEWERS), Case((HX_LOGIN, 403, 200, 200, 403, 200), "htmx, sorted", query="sort=mean",
                                          htmx=True)],
    "/dashboard/<code>": [Case(HOME_REVIEWERS, args={"code": district}, shows=True),
                          Case((LOGIN, 403, 404, 404, 403, 404), "foreign", area=FOREIGN, args={"code": district})],
    "/progress/": [Case(REVIEWERS, shows=True),
                   Case((LOGIN, 403, 200, 200, 403, 200), "the regency", query="area=35.17", shows=True),
                   Case((LOGIN, 403, 404, 404, 403, 404), "another regency", query="area=35.16"),
                   Case((LOGIN, 403, 404, 404, 403, 404), "a kecamatan", query=lambda area: f"area={area.district}")],
    # The facilitator hands the sheet over: those of the cooperative's kecamatan open it, others get 404.
    "/sheet/<int:cooperative_id>": [Case(HOME_VIEWERS, shows=True),
                                    Case(FOREIGN_RECORD, "foreign", area=FOREIGN)],
    "/exports/scores.<fmt>": [
        Case(REVIEWERS, "csv", shows=True),
        Case(REVIEWERS, "xlsx", args={"fmt": "xlsx"}, shows=True),
        Case(HOME_REVIEWERS, "csv of the home kecamatan", query=lambda area: f"district={area.district}", shows=True),
        Case(HOME_REVIEWERS, "xlsx of the home Bimtek", args={"fmt": "xlsx"},
             query=lambda area: f"session={area.session}", shows=True),
        Case(REVIEWERS, "xlsx of the shared Bimtek", args={"fmt": "xlsx"}, query=shared_today, shows=True),
        Case((LOGIN, 403, 404, 404, 403, 404), "csv of another regency's kecamatan", area=FOREIGN,
             query=lambda area: f"district={area.district}"),
        Case((LOGIN, 403, 404, 404, 403, 404), "xlsx of another regency's Bimtek", area=FOREIGN, args={"fmt": "xlsx"},
             query=lambda area: f"session={area.session}"),
        Case((LOGIN, 403, 404, 404, 403, 404), "unknown format", args={"fmt": "pdf"})],
    "/exports/answers.csv": [
        Case(REVIEWERS, shows=True),
        Case(HOME_REVIEWERS, "home Bimtek", query=lambda area: f"session={area.session}", shows=True),
        Case(REVIEWERS, "shared Bimtek", query=shared_today, shows=True),
        Case((LOGIN, 403, 404, 404, 403, 404), "another regency's kecamatan", area=FOREIGN,
             query=lambda area: f"district={area.district}")],

    "/bimtek/": [Case(REVIEWERS, shows=True)],
    "/bimtek/<int:session_id>": [
        Case(HOME_REVIEWERS, shows=True),
        Case(REVIEWERS, "shared", args={"session_id": lambda area: area.shared_session}, query=today, shows=True),
        Case((LOGIN, 403, 404, 404, 403, 404), "foreign", area=FOREIGN)],
    "/bimtek/<int:session_id>/edit": [Case(ADMIN_ONLY, shows=True),
                                      Case((LOGIN, 403, 403, 404, 403, 403), "foreign", area=FOREIGN),
                                      Case((LOGIN, 403, 403, Redirect("/bimtek/*"), 403, 403),
                                           "empty form: saved as it is", method="POST")],
    "/bimtek/new": [Case(ADMIN_ONLY), Case(ADMIN_REFUSED, "empty form", method="POST")],
    # Part A: attendance per day (supervisors read only) and the daftar hadir
    "/bimtek/<int:session_id>/attendance/<int:day>": [
        Case(HOME_REVIEWERS, shows=True),
        Case(REVIEWERS, "shared", args={"session_id": lambda area: area.shared_session}),
        Case((LOGIN, 403, 404, 404, 403, 404), "a day outside the session", args={"day": 3}),
        Case((LOGIN, 403, 404, 404, 403, 404), "foreign", area=FOREIGN)],
    "/bimtek/<int:session_id>/attendance/<int:day>/<int:participant_id>": [
        Case((LOGIN, 403, 403, 422, 403, 403), "empty form", method="POST"),
        Case((LOGIN, 403, 403, 422, 403, 403), "not registered", method="POST", data={"present": "1"},
             args={"participant_id": lambda area: 10**6}),
        Case((LOGIN, 403, 403, Redirect("/bimtek/*/attendance/1"), 403, 403), "present", method="POST",
             data={"present": "1"}),
        Case((LOGIN, 403, 403, 404, 403, 403), "foreign", area=FOREIGN, method="POST", data={"present": "1"})],
    "/bimtek/<int:session_id>/attendance.xlsx": [
        Case(HOME_REVIEWERS, shows=True),
        Case(REVIEWERS, "shared", args={"session_id": lambda area: area.shared_session}),
        Case((LOGIN, 403, 404, 404, 403, 404), "foreign", area=FOREIGN)],

    # Part T, pre-test and post-test: the Dinas manages the test and the scores; supervisors export them.
    "/bimtek/<int:session_id>/test": [
        Case(ADMIN_ONLY, shows=True), Case((LOGIN, 403, 403, 404, 403, 403), "foreign", area=FOREIGN),
        Case(ADMIN_REFUSED, "empty form", method="POST")],
    "/bimtek/<int:session_id>/test/new": [Case(ADMIN_ONLY), Case(ADMIN_REFUSED, "empty form", method="POST"),
                                          Case((LOGIN, 403, 403, 404, 403, 403), "foreign", area=FOREIGN)],
    "/bimtek/<int:session_id>/test/<int:question_id>/edit": [
        Case(ADMIN_ONLY, shows=True), Case((LOGIN, 403, 403, 404, 403, 403), "foreign", area=FOREIGN),
        Case((LOGIN, 403, 403, 404, 403, 403), "another session's question",
             args={"session_id": lambda area: area.shared_session}),
        Case(ADMIN_REFUSED, "empty form", method="POST")],
    "/bimtek/<int:session_id>/test/<int:question_id>/delete": [
        Case((LOGIN, 403, 403, 200, 403, 403), "not confirmed: the confirmation page", shows=True),
        Case((LOGIN, 403, 403, 404, 403, 403), "foreign", area=FOREIGN)],
    "/bimtek/<int:session_id>/scores": [
        Case(ADMIN_ONLY, shows=True), Case((LOGIN, 403, 403, 404, 403, 403), "foreign", area=FOREIGN),
        Case((LOGIN, 403, 403, Redirect("/bimtek/*/scores"), 403, 403), "empty form: nothing changes", method="POST")],
    "/bimtek/<int:session_id>/scores/<int:participant_id>/<phase>": [
        Case(ADMIN_ONLY, shows=True), Case((LOGIN, 403, 403, 404, 403, 403), "foreign", area=FOREIGN),
        Case((LOGIN, 403, 403, 404, 403, 403), "another session's participant",
             args={"session_id": lambda area: area.shared_session}),
        Case((LOGIN, 403, 403, 404, 403, 403), "unknown phase", args={"phase": "mid"}),
        Case((LOGIN, 403, 403, Redirect("/bimtek/*/scores"), 403, 403), "empty sheet: removed", method="POST")],
    "/bimtek/<int:session_id>/scores.<fmt>": [
        Case(HOME_REVIEWERS, "csv", shows=True), Case(HOME_REVIEWERS, "xlsx", args={"fmt": "xlsx"}, shows=True),
        Case(REVIEWERS, "shared session", args={"session_id": lambda area: area.shared_session}),
        Case((LOGIN, 403, 404, 404, 403, 404), "foreign", area=FOREIGN),
        Case((LOGIN, 403, 404, 404, 403, 404), "unknown format", args={"fmt": "pdf"})],

    # Follow-up plans (part F): the Dinas generates and edits; whoever sees the cooperative checks an action.
    "/followup/sessions/<int:session_id>/generate": [
        Case((LOGIN, 403, 403, Redirect("/bimtek/*"), 403, 403)),
        Case((LOGIN, 403, 403, 404, 403, 403), "foreign", area=FOREIGN)],
    "/followup/sessions/<int:session_id>/cooperatives/<int:cooperative_id>": [
        Case(ADMIN_ONLY, shows=True), Case((LOGIN, 403, 403, 404, 403, 403), "foreign", area=FOREIGN),
        Case(ADMIN_REFUSED, "empty form", method="POST")],
    "/followup/actions/<int:action_id>/edit": [
        Case((LOGIN, 403, 403, Redirect("/followup/sessions/*"), 403, 403), "empty form: saved as it is"),
        Case((LOGIN, 403, 403, 404, 403, 403), "foreign", area=FOREIGN)],
    "/followup/actions/<int:action_id>/delete": [
        Case((LOGIN, 403, 403, 200, 403, 403), "not confirmed: the confirmation page"),
        Case((LOGIN, 403, 403, Redirect("/followup/sessions/*"), 403, 403), "confirmed", data={"confirmed": "y"}),
        Case((LOGIN, 403, 403, 404, 403, 403), "foreign", area=FOREIGN, data={"confirmed": "y"})],
    "/followup/actions/<int:action_id>/mark": [
        Case((LOGIN, 422, 422, 422, 404, 404), "empty form"),
        Case((LOGIN, Redirect("/cooperatives/*"), Redirect("/cooperatives/*"), Redirect("/cooperatives/*"), 404, 404),
             "done", data={"status": "done"}),
        Case((LOGIN, 404, 404, 404, 404, 404), "foreign", area=FOREIGN, data={"status": "done"})],
    "/followup/actions/<int:action_id>/photo.jpg": [Case((LOGIN, 404, 404, 404, 404, 404), "no photo")],
    "/followup/actions.<fmt>": [
        Case(REVIEWERS, "csv", shows=True), Case(REVIEWERS, "xlsx", args={"fmt": "xlsx"}, shows=True),
        Case(HOME_REVIEWERS, "home Bimtek", query=lambda area: f"session={area.session}", shows=True),
        Case((LOGIN, 403, 404, 404, 403, 404), "another regency's Bimtek", area=FOREIGN,
             query=lambda area: f"session={area.session}")],

    # Part P: a session's participants, registered by the Dinas; their export for the Dinas and supervisors
    "/bimtek/<int:session_id>/participants": [
        Case(ADMIN_ONLY, shows=True),
        Case(ADMIN_ONLY, "shared", args={"session_id": lambda area: area.shared_session}, shows=True),
        Case((LOGIN, 403, 403, 404, 403, 403), "foreign", area=FOREIGN),
        Case(ADMIN_REFUSED, "empty form", method="POST"),
        Case((HX_LOGIN, 403, 403, 422, 403, 403), "htmx, empty form", method="POST", htmx=True),
        Case(ADMIN_REFUSED, "a cooperative not of the session", method="POST",
             data={"cooperative": "0", "name": "Orang Lain", "position": "pengurus:ketua"})],
    "/bimtek/<int:session_id>/participants/<int:participant_id>/remove": [
        Case((LOGIN, 403, 403, 200, 403, 403), "not confirmed: the confirmation page", shows=True),
        Case((LOGIN, 403, 403, Redirect("/bimtek/*/participants"), 403, 403), "confirmed", data={"confirmed": "y"}),
        Case((HX_LOGIN, 403, 403, 200, 403, 403), "htmx, confirmed: the cooperative's section",
             data={"confirmed": "y"}, htmx=True, shows=True),
        Case((LOGIN, 403, 403, 404, 403, 403), "another session's participant", data={"confirmed": "y"},
             args={"session_id": lambda area: area.shared_session}),
        Case((LOGIN, 403, 403, 404, 403, 403), "foreign", area=FOREIGN, data={"confirmed": "y"})],
    "/bimtek/<int:session_id>/participants.<fmt>": [
        Case(HOME_REVIEWERS, "csv", shows=True),
        Case(HOME_REVIEWERS, "xlsx", args={"fmt": "xlsx"}, shows=True),
        Case(REVIEWERS, "shared", args={"fmt": "xlsx", "session_id": lambda area: area.shared_session}),
        Case((LOGIN, 403, 404, 404, 403, 404), "foreign", area=FOREIGN, args={"fmt": "xlsx"}),
        Case((LOGIN, 403, 404, 404, 403, 404), "unknown format", args={"fmt": "pdf"})],

    "/users/": [Case(ADMIN_ONLY, shows=True)],
    "/users/new": [Case(ADMIN_ONLY), Case(ADMIN_REFUSED, "empty form", method="POST")],
    "/users/<int:user_id>/edit": [Case(ADMIN_ONLY, shows=True),
                                  Case((LOGIN, 403, 403, 404, 403, 403), "foreign", area=FOREIGN),
                                  Case((LOGIN, 403, 403, Redirect("/users/"), 403, 403), "empty form: saved as it is",
                                       method="POST")],
    "/instruments/": [Case(ADMIN_ONLY)],
    "/instruments/<int:version_id>": [Case(ADMIN_ONLY), Case((LOGIN, 403, 403, 404, 403, 403), "unknown",
                                                             args={"version_id": 999})],

    # Part C (issue 23): change between rounds, attended or not, per area (linked from the dashboard)
    "/change/": [Case(REVIEWERS),
                 Case((LOGIN, 403, 200, 200, 403, 200), "the regency", query="area=35.17"),
                 Case((LOGIN, 403, 404, 404, 403, 404), "another regency", query="area=35.16"),
                 Case((LOGIN, 403, 404, 404, 403, 404), "a kecamatan", query=lambda area: f"area={area.district}")],
}


def method_of(case, rule_methods):
    return case.method or ("GET" if "GET" in rule_methods else "POST")


def missing_routes(app, routes=ROUTES):
    """("METHOD rule" of the url_map without expectations, rules in `routes` that no longer exist)."""
    missing = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if not any(method_of(case, rule.methods) == method for case in routes.get(rule.rule, ())):
                missing.append(f"{method} {rule.rule}")
    return sorted(missing), sorted(set(routes) - {rule.rule for rule in app.url_map.iter_rules()})


def test_every_route_has_expectations():
    missing, stale = missing_routes(make_app("sqlite://"))
    assert not missing, f"routes or methods without an entry in ROUTES (tests/test_access.py): {missing}"
    assert not stale, f"ROUTES has entries for routes that are gone: {stale}"
    assert all(len(case.expect) == len(ROLE_ORDER) for cases in ROUTES.values() for case in cases)


def test_a_new_route_without_expectations_is_named():
    app = make_app("sqlite://")
    app.add_url_rule("/new-report/<int:report_id>", "new_report", lambda report_id: "", methods=["GET", "POST"])
    assert missing_routes(app) == (["GET /new-report/<int:report_id>", "POST /new-report/<int:report_id>"], [])
    app.add_url_rule("/reports/", "reports", lambda: "", methods=["GET", "DELETE"])
    assert missing_routes(app, {**ROUTES, "/reports/": [Case(ALL_200)]})[0] == [
        "DELETE /reports/", "GET /new-report/<int:report_id>", "POST /new-report/<int:report_id>"]
    assert "/offline" in missing_routes(Flask(__name__))[1]  # and an entry whose route is gone


CHECKS = [(rule, n, role) for rule, cases in ROUTES.items() for n in range(len(cases)) for role in ROLE_ORDER]


def check_id(check):
    rule, n, role = check
    label = ROUTES[rule][n].label
    return f"{rule}{f' [{label}]' if label else ''} as {role}"


@pytest.fixture
def visit(world):
    """The world, in an app context, with the statements that write recorded from the start of the test."""
    with world.app.app_context():
        world.writes.clear()
        yield world


def url_of(rule, case, world):
    area = world.areas[case.area]
    values = {}
    for name in arguments(rule):
        value = case.args[name] if name in case.args else FILL[name]
        values[name] = value(area) if callable(value) else value
    path = path_of(rule, values)
    query = case.query(area) if callable(case.query) else case.query
    return f"{path}?{query}" if query else path


def readable(response):
    """Everything a response tells: headers and body, with XLSX unzipped and other files decoded, lower-cased."""
    body = response.get_data()
    if body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(body)) as book:
            body = b"\n".join(book.read(name) for name in book.namelist())
    text = body.decode("utf-8-sig", errors="replace")
    return (str(response.headers) + "\n" + text).lower()


def status_of(response):
    if response.status_code in (301, 302, 303):
        return f"302 -> {urlsplit(response.headers['Location']).path}"
    return response.status_code


def matches(expected, response):
    if isinstance(expected, Redirect):
        return response.status_code == 302 and fnmatch.fnmatchcase(urlsplit(response.headers["Location"]).path,
                                                                   expected.path)
    if expected == HX_LOGIN:
        return response.status_code == 401 and urlsplit(response.headers["HX-Redirect"]).path == LOGIN.path
    return response.status_code == expected


@pytest.mark.parametrize("check", CHECKS, ids=[check_id(c) for c in CHECKS])
def test_route_for_role(visit, check):
    rule, n, role = check
    case = ROUTES[rule][n]
    expected = case.expect[ROLE_ORDER.index(role)]
    method = method_of(case, methods(visit.app, rule))
    url = url_of(rule, case, visit)
    client = visit.client(role)
    headers = {"HX-Request": "true"} if case.htmx else {}
    before = visit.snapshot() if case.rolls_back else None
    if method == "GET":
        response = client.get(url, headers=headers, buffered=True)
    else:
        response = client.post(url, data=case.data, headers={**headers, "X-CSRFToken": visit.tokens[role]},
                               buffered=True)
    text = readable(response)
    kept = changed(before, visit.snapshot()) if case.rolls_back else visit.writes
    touched = kept + (["photo files"] if visit.files() != visit.built_files else [])
    if touched:
        visit.restore()
    assert matches(expected, response), f"{method} {url} as {role}: {status_of(response)}, expected {expected}"
    assert response.status_code != 500
    for area in set(TAGS) - set(VISIBLE[role]):
        tag = TAGS[area].lower()
        assert tag not in text, f"{method} {url} as {role} shows {area} data: ...{context(text, tag)}..."
    if method == "GET":
        assert not touched, f"GET {url} as {role} wrote: {touched}"
    if case.shows and response.status_code == 200:
        own = case.area if case.area in VISIBLE[role] else VISIBLE[role][0]
        text = text.replace(visit.names.get(role, "").lower(), "")  # the footer names the user: not a record shown
        assert TAGS[own].lower() in text, f"{method} {url} as {role} does not show the {own} records"


def methods(app, rule):
    return next(r.methods for r in app.url_map.iter_rules() if r.rule == rule)


def context(text, tag):
    i = text.index(tag)
    return text[max(0, i - 80):i + 80]


def test_the_other_areas_are_really_there(visit):
    """The markers are not vacuous: each area's own users see its records."""
    both = readable(visit.client("admin").get("/exports/scores.csv", buffered=True))
    assert TAGS[HOME].lower() in both and TAGS[OTHER].lower() in both
    client = visit.app.test_client()
    Auth(client).login(FACILITATORS[FOREIGN])
    assert TAGS[FOREIGN].lower() in readable(client.get("/assessments/"))
