"""The flask-smorest Api, whose OpenAPI document is built from the schemas. The application factory
(server/__init__.py) registers the features' blueprints on it, with their components and examples."""
from flask import Flask
from flask_smorest import Api, Blueprint

from .openapi import enum_component, openapi_keywords
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

    app.extensions["beatbook_api"] = api
    return api
