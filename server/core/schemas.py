"""Schema plumbing shared by every feature."""
from __future__ import annotations

from collections.abc import Mapping

from marshmallow import INCLUDE, RAISE, Schema, ValidationError, fields, pre_load, validate

NUL_MESSAGE = "Must not contain the NUL character (\\u0000)."


def _is_text(field) -> bool:
    """A free-text field, or a list of them: what a database stores as text."""
    if isinstance(field, fields.List):
        field = field.inner
    return isinstance(field, fields.String)


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, (list, tuple)):
        return any(isinstance(v, str) and "\x00" in v for v in value)
    return False


NO_NUL_PATTERN = "^[^\\u0000]*$"


def no_nul_pattern(self, field, ret, **kwargs) -> dict:
    """apispec attribute function: the OpenAPI document states the NUL rule on every free-text string
    (those without a pattern, an enum or a format of their own), so clients and schemathesis know it."""
    if (isinstance(field, fields.String) and not field.dump_only
            and not {"pattern", "enum", "format"} & set(ret)):
        return {"pattern": NO_NUL_PATTERN}
    return {}


class StrictSchema(Schema):
    """Unknown fields are refused everywhere: a payload cannot smuggle, say, a source's name.

    No text holds a NUL character: PostgreSQL cannot store or even compare one (the driver fails,
    which would be a 500), and SQLite must answer the same. Each schema checks its own text fields
    (and lists of text); nested objects are checked by their own schema, and a sync batch's records
    one by one, so one bad record in a batch is refused alone."""

    class Meta:
        unknown = RAISE
        ordered = True

    @pre_load
    def _refuse_nul(self, data, **kwargs):
        if isinstance(data, Mapping):
            text_keys = {field.data_key or name for name, field in self.load_fields.items() if _is_text(field)}
            bad = {key: [NUL_MESSAGE] for key in data.keys() if key in text_keys and _has_nul(
                data.getlist(key) if hasattr(data, "getlist") else data[key])}
            if bad:
                raise ValidationError(bad)
        return data


# Ids are 32-bit integer columns: a larger number can name nothing, and must not reach the
# database driver (which would fail with an overflow rather than "not found").
DB_INT_MAX = 2**31 - 1


def ident(**kw) -> fields.Integer:
    """An integer id as sent by a client: 1 .. 2^31-1."""
    return fields.Integer(validate=validate.Range(min=1, max=DB_INT_MAX), **kw)


def text(max_length: int, min_length: int = 0, **kw) -> fields.String:
    return fields.String(validate=validate.Length(min=min_length, max=max_length), **kw)


class ErrorBodySchema(Schema):
    class Meta:
        unknown = INCLUDE  # some errors add context, e.g. "record": the server copy on a conflict

    status = fields.Integer(required=True)
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields_ = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), data_key="fields")


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


class PageArgsSchema(StrictSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
