"""The flask-smorest Api: blueprints, and the OpenAPI document built from the schemas."""
from flask import Flask
from flask_smorest import Api, Blueprint

from .schemas import ErrorSchema
from .security import CSRF_HEADER


class BeatbookApi(Api):
    # Every documented error answer (401, 403, 404, 422, default, ...) is our JSON error shape.
    ERROR_SCHEMA = ErrorSchema


def init_api(app: Flask) -> Api:
    # webargs ignores unknown query parameters by default; ours refuse them
    # everywhere (each schema is strict), so a typo'd filter is not silently dropped.
    Blueprint.ARGUMENTS_PARSER.DEFAULT_UNKNOWN_BY_LOCATION = {loc: None for loc in
                                                              ("query", "json", "form", "headers", "cookies", "files", "path")}
    api = BeatbookApi(app, spec_kwargs={"info": {"description": "Beatbook: log and count policing-operation activity."}})
    from .schemas import no_nul_pattern; api.ma_plugin.converter.add_attribute_function(no_nul_pattern)  # noqa: E702
    api.spec.components.security_scheme("session", {"type": "apiKey", "in": "cookie", "name": app.config["SESSION_COOKIE_NAME"]})
    api.spec.components.security_scheme("csrf", {"type": "apiKey", "in": "header", "name": CSRF_HEADER})
    api.spec.options["security"] = [{"session": [], "csrf": []}]

    from ..records.schemas import (ArrestSchema, IntelligenceLogSchema, SafeguardingReferralSchema, ShiftSchema,
                                   StopSearchSchema, WithheldIntelligenceLogSchema)
    # The four kinds are referenced by oneOf, so name them explicitly.
    for name, schema in (("StopSearch", StopSearchSchema), ("Arrest", ArrestSchema),
                         ("SafeguardingReferral", SafeguardingReferralSchema),
                         ("IntelligenceLog", IntelligenceLogSchema), ("Shift", ShiftSchema),
                         ("WithheldIntelligenceLog", WithheldIntelligenceLogSchema)):
        api.spec.components.schema(name, schema=schema)

    from ..auth.routes import blp as auth_blp
    from ..operations.routes import blp as operations_blp
    from ..records.routes import blp as records_blp, ref_blp
    from ..sync.routes import blp as sync_blp
    for blp in (auth_blp, operations_blp, records_blp, ref_blp, sync_blp):
        api.register_blueprint(blp)
    from ..tallies.routes import blp as tallies_blp; api.register_blueprint(tallies_blp)  # noqa: E702
    from ..exports.routes import blp as exports_blp; api.register_blueprint(exports_blp)  # noqa: E702
    document_security(app, api)
    app.extensions["beatbook_api"] = api
    return api


def document_security(app: Flask, api: Api) -> None:
    """Per operation, what the access policy really asks for: nothing for public views, the session
    cookie for reads, the session cookie and the CSRF header for writes."""
    import re

    from .security import _PUBLIC, PUBLIC_ENDPOINTS, _view_attr

    paths = api.spec._paths  # apispec keeps {path: {method: operation}} until the document is built
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        if path not in paths:
            continue
        view = app.view_functions[rule.endpoint]
        for method, operation in paths[path].items():
            if method.upper() not in rule.methods:
                continue
            target = getattr(getattr(view, "view_class", None), method, None) or view
            if rule.endpoint in PUBLIC_ENDPOINTS or _view_attr(target, _PUBLIC):
                operation["security"] = []
            elif method in ("get", "head"):
                operation["security"] = [{"session": []}]
            else:
                operation["security"] = [{"session": [], "csrf": []}]
