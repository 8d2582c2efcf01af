"""Schema plumbing shared by every feature."""
from __future__ import annotations

from marshmallow import INCLUDE, RAISE, Schema, fields, validate


class StrictSchema(Schema):
    """Unknown fields are refused everywhere: a payload cannot smuggle, say, a source's name."""

    class Meta:
        unknown = RAISE
        ordered = True


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
