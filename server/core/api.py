"""The flask-smorest Api: blueprints, and the OpenAPI document built from the schemas."""
from flask import Flask
from flask_smorest import Api, Blueprint

from .openapi import document_operations, enum_component, openapi_keywords
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
    api.ma_plugin.converter.add_attribute_function(openapi_keywords)
    api.ma_plugin.converter.add_attribute_function(enum_component)  # after every other: it replaces "enum"
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
    from ..records.schemas import KIND_COMPONENTS
    for kind, name in KIND_COMPONENTS.items():
        # The discriminator's value: each kind's component allows its own (the four are told apart by it).
        api.spec.components.schemas[name]["properties"]["kind"] = {"type": "string", "enum": [kind]}

    from ..auth.routes import blp as auth_blp
    from ..operations.routes import blp as operations_blp
    from ..records.routes import blp as records_blp, ref_blp
    from ..sync.routes import blp as sync_blp
    for blp in (auth_blp, operations_blp, records_blp, ref_blp, sync_blp):
        api.register_blueprint(blp)
    from ..tallies.routes import blp as tallies_blp; api.register_blueprint(tallies_blp)  # noqa: E702
    from ..exports.routes import blp as exports_blp; api.register_blueprint(exports_blp)  # noqa: E702
    from ..admin.routes import blp as admin_blp; api.register_blueprint(admin_blp)  # noqa: E702
    document_operations(app, api, examples=_examples())
    app.extensions["beatbook_api"] = api
    return api


def _examples() -> dict[str, dict]:
    """Examples for the main operations, by operationId: {"request" or status: example}."""
    from ..auth.schemas import LOGIN_EXAMPLES
    from ..sync.schemas import SYNC_EXAMPLES
    from ..tallies.schemas import TALLY_EXAMPLES
    return {"login": LOGIN_EXAMPLES, "syncBatch": SYNC_EXAMPLES, "getTally": TALLY_EXAMPLES}
