"""The OpenAPI document as a third party's generated client reads it.

Filled in per operation from what the access policy and the route already know, so a new route is
documented without touching this file: a stable operationId, the security it needs, and every error
it can answer (all in the Error shape). Reference lists become one named enum each, so a generated
client has one enum class per list rather than one (or three) per field."""
from __future__ import annotations

import re
from typing import Any

from flask import Flask
from marshmallow import fields

from .security import ALL_ROLES, declared_roles, is_public_view

# Where the name derived from the endpoint reads badly. Keys: "blueprint.function", or
# "blueprint.Class.method" for a MethodView.
OPERATION_IDS = {
    "auth.me": "getSession",
    "operations.Operations.get": "listOperations",
    "operations.Operations.post": "createOperation",
    "operations.OperationById.get": "getOperation",
    "operations.OperationById.patch": "updateOperation",
    "records.get_one": "getRecord",
    "records.patch_one": "updateRecord",
    "records.void_one": "voidRecord",
    "records.verify_one": "verifyRecord",
    "records.return_one": "returnRecord",
    "records.history": "getRecordHistory",
    "sync.sync": "syncBatch",
    "sync.changes": "listChanges",
    "exports.tally_csv": "exportTallyCsv",
    "exports.records_csv": "exportRecordsCsv",
    "exports.stop_searches_csv": "exportStopSearchesCsv",
}
VERBS = frozenset({"get", "list", "create", "update", "delete", "login", "logout", "sync", "export",
                   "void", "verify", "return", "replace"})
METHOD_VERBS = {"get": "get", "post": "create", "put": "replace", "patch": "update", "delete": "delete"}

ERROR_RESPONSES: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "The body is not valid JSON (code malformed_json; error.fields._body says where)."),
    401: ("Unauthorized", "No session, or it has ended: log in first (code not_authenticated)."),
    403: ("Forbidden", "Your role may not do this (code forbidden), the X-CSRF-Token header is missing or out of "
                       "date (code csrf_failed: fetch getSession and resend), or the request came from a site "
                       "that is not allowed (code origin_not_allowed), or the officer signed in with a one-time password "
                       "and must change it first (code password_change_required: changePassword)."),
    404: ("NotFound", "No such resource, or not one you may see (the answer is the same)."),
    409: ("Conflict", "The request conflicts with the stored state."),
    413: ("PayloadTooLarge", "The body is too large."),
    415: ("UnsupportedMediaType", "The body is not sent as application/json (error.fields names Content-Type)."),
    422: ("UnprocessableEntity", "Some fields are missing or invalid, or a rule across fields is broken: "
                                 "error.fields names each field (a missing body is named _body)."),
    429: ("TooManyRequests", "Too many requests without a session from this address, or (login) too many "
                             "failed logins for this shoulder number or from this address; try again after "
                             "Retry-After seconds."),
    503: ("ServiceUnavailable", "The database is unavailable; nothing was stored. Try again after "
                                "Retry-After seconds."),
}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again.",
                               "schema": {"type": "integer", "minimum": 1}}}
BODY_METHODS = ("post", "put", "patch")


def _words(name: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", name)]


def _camel(words: list[str]) -> str:
    return words[0] + "".join(w.title() for w in words[1:])


def operation_id(endpoint: str, method: str, is_method_view: bool) -> str:
    key = f"{endpoint}.{method}" if is_method_view else endpoint
    if key in OPERATION_IDS:
        return OPERATION_IDS[key]
    words = _words(endpoint.rsplit(".", 1)[-1])
    if is_method_view or words[0] not in VERBS:
        words = [METHOD_VERBS.get(method, method)] + words
    return _camel(words)


def register_error_responses(api) -> dict[int, dict]:
    """One response component per error status, each the Error shape; returns their references."""
    components = api.spec.components
    error = components.get_ref("schema", "Error")
    refs = {}
    for status, (name, description) in ERROR_RESPONSES.items():
        response = {"description": description, "content": {"application/json": {"schema": error}}}
        if status in (429, 503):
            response["headers"] = RETRY_AFTER
        components.response(name, response)
        refs[status] = components.get_ref("response", name)
    return refs


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)


def error_statuses(*, public: bool, roles, write: bool, path_ids: bool, arguments: bool) -> set[int]:
    """What an operation can answer besides success, from what the access policy and the route know."""
    statuses = set()
    if not public:
        # The session is looked up in the database; a one-time password must be changed first (403).
        statuses |= {401, 403, 503}
    if write:
        # CSRF and origin checks; any body must be JSON, well-formed and not too large; writes need the database.
        statuses |= {400, 403, 413, 415, 503}
    if not public and roles is not None and roles != ALL_ROLES:
        statuses.add(403)
    if path_ids:
        statuses.add(404)
    if arguments:
        statuses.add(422)
    # Any API request without a session counts against a per-address limit (core.limits), and
    # login attempts against per-account and per-address ones.
    statuses.add(429)
    return statuses


def _document_errors(operation: dict, statuses: set[int], refs: dict[int, dict], error: dict) -> None:
    responses = operation.setdefault("responses", {})
    for status in sorted(statuses):
        code = str(status)
        documented = responses.get(code)
        if isinstance(documented, dict) and documented.get("description") and "$ref" not in documented:
            # The route's own case first, then the ones every such route has (e.g. sync's 413:
            # too many items, or a body too large).
            general = ERROR_RESPONSES[status][1]
            if general not in documented["description"]:
                documented["description"] = f"{documented['description'].rstrip('.')}. Or: {general}"
            continue
        responses[code] = refs[status]
    for code, documented in responses.items():
        # A route's alt_response (e.g. 409) names its case; the body is still the Error shape.
        if code[0] in "45" and isinstance(documented, dict) and "$ref" not in documented:
            documented.setdefault("content", {"application/json": {"schema": error}})
            if code in ("429", "503"):
                documented.setdefault("headers", RETRY_AFTER)


def _add_examples(operation: dict, examples: dict) -> None:
    for where, example in examples.items():
        if where == "request":
            operation["requestBody"]["content"]["application/json"]["example"] = example
        else:
            operation["responses"][where]["content"]["application/json"]["example"] = example


def document_operations(app: Flask, api, examples: dict[str, dict] | None = None) -> None:
    """Per operation: operationId, security, the errors it can answer, examples; and which
    (endpoint, method) pairs need a body (refused without one by core.security.require_json_body)."""
    refs = register_error_responses(api)
    error = api.spec.components.get_ref("schema", "Error")
    examples = examples or {}
    body_required: set[tuple[str, str]] = set()
    seen: dict[str, str] = {}
    paths = api.spec._paths  # apispec keeps {path: {method: operation}} until the document is built
    for rule in app.url_map.iter_rules():
        path = _openapi_path(rule.rule)
        if path not in paths:
            continue
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        for method, operation in paths[path].items():
            if method.upper() not in rule.methods:
                continue
            target = getattr(view_class, method, None) or view
            public = is_public_view(rule.endpoint, target)
            write = method not in ("get", "head")

            op_id = operation_id(rule.endpoint, method, view_class is not None)
            if seen.setdefault(op_id, f"{method} {path}") != f"{method} {path}":
                # Two blueprints' views of one name: still unique (an OPERATION_IDS entry reads better).
                op_id = _camel(_words(rule.endpoint.split(".", 1)[0]) + _words(op_id))
                seen[op_id] = f"{method} {path}"
            operation["operationId"] = op_id

            if public:
                operation["security"] = []
            elif not write:
                operation["security"] = [{"session": []}]
            else:
                operation["security"] = [{"session": [], "csrf": []}]

            body = operation.get("requestBody")
            if body and body.get("required"):
                body_required.add((rule.endpoint, method.upper()))
            query = any(p.get("in") != "path" for p in operation.get("parameters", []) if isinstance(p, dict))
            statuses = error_statuses(public=public, roles=declared_roles(target), write=write,
                                      path_ids=bool(rule.arguments), arguments=bool(body) or query)
            _document_errors(operation, statuses, refs, error)
            _add_examples(operation, examples.get(op_id, {}))
    # flask-smorest's own 422 answer is replaced by ours everywhere.
    api.spec.components.responses.pop("UNPROCESSABLE_ENTITY", None)
    app.extensions["beatbook_body_required"] = frozenset(body_required)


# ---- reference lists as named enums ----------------------------------------------------------------

# A list's component name is its field's name in CamelCase (singular for a list of values); where two
# fields of that name hold different lists, the later one is prefixed by its schema's name. Names that
# would read badly on their own:
ENUM_NAMES = {"kind": "RecordKind", "status": "RecordStatus"}
_SINGULAR = ((re.compile(r"ies$"), "y"), (re.compile(r"(?<!s)s$"), ""))


def _enum_registry(spec) -> dict[str, list]:
    if not hasattr(spec, "beatbook_enums"):
        spec.beatbook_enums = {}
    return spec.beatbook_enums


def _enum_name(field: fields.Field) -> tuple[str, str]:
    name = field.name or "value"
    if isinstance(field.parent, fields.List):
        for pattern, repl in _SINGULAR:
            if pattern.search(name):
                name = pattern.sub(repl, name)
                break
    camel = "".join(w.title() for w in name.split("_"))
    owner = type(field.root).__name__.removesuffix("Schema") if field.root is not None else ""
    return ENUM_NAMES.get(name, camel), owner + camel


def openapi_keywords(self, field: fields.Field, ret: dict, **kwargs: Any) -> dict:
    """apispec attribute function: keywords of a field's metadata that apispec does not copy itself."""
    return {key: field.metadata[key] for key in ("discriminator",) if key in field.metadata}


def enum_component(self, field: fields.Field, ret: dict, **kwargs: Any) -> dict:
    """apispec attribute function (runs last): a string field choosing from a list refers to that list's
    one component (registered the first time a field uses it). A nullable one says so as apispec says it of a nullable nested schema: anyOf a null
    and the reference (an OpenAPI 3.0 $ref takes no siblings, so the field's own words sit beside anyOf)."""
    for option in ret.get("anyOf", ()):
        if option == {"type": "object", "nullable": True}:
            # apispec's nullable nested schema: only null, so a client reads "Comparison or None",
            # not an extra empty object class.
            option["enum"] = [None]
    values = ret.get("enum")
    if not values or ret.get("type") != "string":
        return {}
    choices = [v for v in values if v is not None]
    components = self.spec.components
    registry = _enum_registry(self.spec)
    ref_name = None
    for name in _enum_name(field):
        if registry.get(name, choices) == choices:
            ref_name = name
            break
    if ref_name is None:  # both names taken by other lists: keep the list inline
        return {}
    if ref_name not in registry:
        registry[ref_name] = choices
        components.schema(ref_name, {"type": "string", "enum": choices})
    for key in ("type", "enum", "nullable"):
        ret.pop(key, None)
    ref = components.get_ref("schema", ref_name)
    if field.allow_none:
        ret["anyOf"] = [{"type": "string", "nullable": True, "enum": [None]}, ref]
    elif ret:
        ret["allOf"] = [ref]  # description, default or readOnly beside it
    else:
        ret.update(ref)
    return {}
