"""Property-based API testing: schemathesis generates requests from
/api/openapi.json and runs its default checks on every answer (no 5xx, status
codes, content types, headers and bodies as documented, invalid data refused,
unauthenticated calls refused), through the WSGI app, as a logged-in inspector
(the role that may call the most endpoints) with the CSRF header.

One test per operation and generation mode (valid and invalid data); the
operations are read from the app's own OpenAPI document at collection time,
so a new endpoint is tested without touching this file."""
from __future__ import annotations

import os
from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection

from server.core.errors import ApiError
from server.tallies import comparisons, periods
from server.tallies.schemas import MAX_DAYS
from tests.conftest import DEMO_PASSWORD
from tests.security.endpoints import collection_app

# Per operation and mode; ~25 s for the whole API. Explore harder with SCHEMATHESIS_MAX_EXAMPLES=200.
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "10"))


def _operations() -> dict[str, dict]:
    spec = collection_app().test_client().get("/api/openapi.json").get_json()
    return {f"{method.upper()} {path}": op for path, item in spec["paths"].items() for method, op in item.items()
            if method in ("get", "post", "put", "patch", "delete")}


OPERATIONS = _operations()
LABELS = sorted(OPERATIONS)


def _takes_input(op: dict) -> bool:
    """Whether a request can be wrong: parameters, a body, or a session to send badly. A public
    operation that takes nothing (the sign-in options) has no invalid request to generate."""
    return bool(op.get("parameters") or op.get("requestBody") or op.get("security", [{}]) != [])


CASES = [(label, mode) for label in LABELS for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
         if mode is GenerationMode.POSITIVE or _takes_input(OPERATIONS[label])]


@pytest.fixture
def fresh_session(app, make_officer, operation):
    """Each example gets its own session, so a generated logout cannot end the next example's."""
    inspector = make_officer(role="inspector", team=None, shoulder_number="INSP9001")

    def login():
        http = app.test_client()
        resp = http.post("/api/auth/login", json={"shoulder_number": inspector.shoulder_number,
                                                   "password": DEMO_PASSWORD})
        assert resp.status_code == 200
        return {"beatbook_session": http.get_cookie("beatbook_session").value}, resp.get_json()["csrf_token"]

    return login


class SessionAuth:
    """A fresh login per generated case (a generated logout must not end the next case's session):
    the session cookie plus the X-CSRF-Token header, the two security schemes the document declares."""

    login = None  # set per test

    def get(self, case, ctx):
        return SessionAuth.login()

    def set(self, case, data, ctx):
        cookies, csrf = data
        case.cookies = {**(case.cookies or {}), **cookies}
        if case.method.upper() not in ("GET", "HEAD"):
            case.headers = {**(case.headers or {}), "X-CSRF-Token": csrf}


def _day(value):
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def plausible(case, operation) -> bool:
    """Rules across fields that an OpenAPI 3.0 schema cannot express, only its descriptions state (the API
    answers 422 for them, tested in test_input_limits.py and tests/tallies/test_tally_api.py): a period's
    end is not before its start, a period is at most MAX_DAYS long (its end is today, its start the
    operation's, when not given), a comparison range is two real dates in order, and a grouping is not
    listed twice."""
    q = case.query or {}
    if isinstance(q.get("from"), str) and isinstance(q.get("to"), str) and q["to"] < q["from"]:
        return False
    start, end = _day(q.get("from")), _day(q.get("to"))
    if "/operations/{operation_id}/" in case.path:
        if (case.path_parameters or {}).get("operation_id") == operation.id:  # else 404 before the period
            start = start or operation.starts_on
            end = end or max(date.today(), start)
    if start and end and not 0 <= (end - start).days <= MAX_DAYS:
        return False
    compare = q.get("compare")
    if isinstance(compare, str) and "/" in compare:
        first, _, last = compare.partition("/")
        first, last = _day(first), _day(last)
        if first is None or last is None or not 0 <= (last - first).days <= MAX_DAYS:
            return False
    group_by = q.get("group_by")
    if isinstance(group_by, str) and len(set(group_by.split(","))) != len(group_by.split(",")):
        return False
    if not _comparison_plausible(case, q, operation, start, end):
        return False
    body = case.body if isinstance(case.body, dict) else {}
    starts, ends = body.get("starts_on"), body.get("ends_on")
    if isinstance(starts, str) and isinstance(ends, str) and ends < starts:
        return False
    if case.method.upper() == "PATCH" and "/operations/" in case.path and isinstance(ends, str):
        return False  # compared with the stored start date
    return True


# A sync batch checks each item on its own: a batch holding an invalid item is answered 200, that item
# "rejected" and the rest stored (the document says so), not refused as a whole.
CHECKED_PER_ITEM = {"POST /api/sync"}


def _comparison_plausible(case, q, operation, start, end) -> bool:
    """The comparison's rules across fields (tests/tallies/test_comparison.py): compare_from and
    compare_to together, in order, instead of compare; and a comparison the operation's dates allow
    (no overlap with the period, a named period the period fits, a population it can count)."""
    first, last = _day(q.get("compare_from")), _day(q.get("compare_to"))
    if ("compare_from" in q) != ("compare_to" in q):
        return False
    if "compare_from" in q and ("compare" in q or first is None or last is None
                                or not 0 <= (last - first).days <= MAX_DAYS):
        return False
    if not (start and end and "/operations/{operation_id}/" in case.path
            and (case.path_parameters or {}).get("operation_id") == operation.id):
        return True  # a 404 (or no comparison) comes first
    briefing_default = "previous" if case.path.endswith("/briefing") and first is None else None
    compare = q.get("compare", briefing_default)
    dates = periods.Period(first, last) if first else None
    if isinstance(compare, str) and "/" in compare:
        a, _, b = compare.partition("/")
        dates, compare = periods.Period(_day(a), _day(b)), None
    try:
        comparisons.resolve_comparison(operation, periods.Period(start, end), compare, dates, q.get("population"))
    except ApiError:
        return False
    return True


@pytest.mark.parametrize("label,mode", CASES,
                         ids=[f"{label}-{'valid' if mode is GenerationMode.POSITIVE else 'invalid'}" for label, mode in CASES])
def test_api_conforms_to_its_schema(app, fresh_session, operation, label, mode):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    SessionAuth.login = staticmethod(fresh_session)
    schema.auth(refresh_interval=None)(SessionAuth)
    api_operation = schema.find_operation_by_label(label)
    assert api_operation is not None, label
    strategy = api_operation.as_strategy(generation_mode=mode)
    if mode is GenerationMode.POSITIVE:
        strategy = strategy.filter(lambda case: plausible(case, operation))

    @given(case=strategy)
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case):
        if mode is GenerationMode.NEGATIVE and label in CHECKED_PER_ITEM:
            response = case.call_and_validate(excluded_checks=[negative_data_rejection])
            if response.status_code == 200:  # the invalid part was an item: that item is refused
                answer = response.json()
                assert any(i["status"] == "rejected" for i in answer["shifts"] + answer["records"]), answer
        else:
            case.call_and_validate()

    run()


def test_every_api_route_is_in_the_openapi_document():
    """An undocumented endpoint would escape schemathesis (and any reviewer reading the document)."""
    import re

    from tests.security.endpoints import ALL_ROUTES
    placeholder = re.compile(r"<(?:[^:>]+:)?([^>]+)>")
    served = {method + " " + placeholder.sub(r"{\1}", rule) for rule, method, _ in ALL_ROUTES
              if rule.startswith("/api/") and rule != "/api/openapi.json"}
    assert served == set(LABELS)
