"""The flask-smorest Api: blueprints, and the OpenAPI document built from the schemas."""
from flask import Flask
from flask_smorest import Api, Blueprint

from .security import CSRF_HEADER


def init_api(app: Flask) -> Api:
    # webargs ignores unknown query parameters by default; ours refuse them
    # everywhere (each schema is strict), so a typo'd filter is not silently dropped.
    Blueprint.ARGUMENTS_PARSER.DEFAULT_UNKNOWN_BY_LOCATION = {loc: None for loc in
                                                              ("query", "json", "form", "headers", "cookies", "files", "path")}
    api = Api(app, spec_kwargs={"info": {"description": "Beatbook: log and count policing-operation activity."}})
    api.spec.components.security_scheme("session", {"type": "apiKey", "in": "cookie", "name": app.config["SESSION_COOKIE_NAME"]})
    api.spec.components.security_scheme("csrf", {"type": "apiKey", "in": "header", "name": CSRF_HEADER})
    api.spec.options["security"] = [{"session": [], "csrf": []}]

    from ..records.schemas import (ArrestSchema, IntelligenceLogSchema, SafeguardingReferralSchema, ShiftSchema,
                                   StopSearchSchema)
    # The four kinds are referenced by oneOf, so name them explicitly.
    for name, schema in (("StopSearch", StopSearchSchema), ("Arrest", ArrestSchema),
                         ("SafeguardingReferral", SafeguardingReferralSchema),
                         ("IntelligenceLog", IntelligenceLogSchema), ("Shift", ShiftSchema)):
        api.spec.components.schema(name, schema=schema)

    from ..auth.routes import blp as auth_blp
    from ..operations.routes import blp as operations_blp
    from ..records.routes import blp as records_blp, ref_blp
    from ..sync.routes import blp as sync_blp
    for blp in (auth_blp, operations_blp, records_blp, ref_blp, sync_blp):
        api.register_blueprint(blp)
    app.extensions["beatbook_api"] = api
    return api
