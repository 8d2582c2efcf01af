"""Schema plumbing shared by every feature."""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from functools import cached_property

from marshmallow import INCLUDE, RAISE, Schema, ValidationError, fields, pre_load, validates_schema
from marshmallow.validate import Length, Range

NUL_MESSAGE = "Must not contain the NUL character (\\u0000)."
SURROGATE_MESSAGE = "Must not contain a lone UTF-16 surrogate (\\ud800-\\udfff): not a character."
# What no text may hold: NUL (PostgreSQL cannot store or compare it) and lone surrogates (JSON can
# spell "\\ud83d" but no database driver can encode it: a 500 on every resend of the batch).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable_problem(value) -> str | None:
    """Why a value from a request cannot be stored: a string anywhere in it (dict keys and nested
    lists too) holding NUL or a lone surrogate. None if it is fine."""
    if isinstance(value, str):
        m = _UNSTORABLE.search(value)
        if m is None:
            return None
        return NUL_MESSAGE if m.group() == "\x00" else SURROGATE_MESSAGE
    if isinstance(value, Mapping):
        for k, v in value.items():
            problem = unstorable_problem(k) or unstorable_problem(v)
            if problem:
                return problem
    elif isinstance(value, (list, tuple)):
        for v in value:
            problem = unstorable_problem(v)
            if problem:
                return problem
    return None


def printable_name(key, max_length: int = 100) -> str:
    """A key (or message) from a request, safe to name in an error or a log: control characters
    and lone surrogates escaped, length bounded."""
    text_ = key if isinstance(key, str) else str(key)
    if not text_.isprintable():
        text_ = text_.encode("unicode_escape", "backslashreplace").decode("ascii")
    return text_[:max_length]


NO_NUL_PATTERN = "^[^\\u0000]*$"


def no_nul_pattern(self, field, ret, **kwargs) -> dict:
    """apispec attribute function: the OpenAPI document states the NUL rule on every free-text string
    (those without a pattern, an enum or a format of their own), so clients and schemathesis know it."""
    if (isinstance(field, fields.String) and not field.dump_only
            and not {"pattern", "enum", "format"} & set(ret)):
        return {"pattern": NO_NUL_PATTERN}
    return {}


class CheckedAlone:
    """Marks a field whose value is validated later on its own (a sync batch's items), so one
    bad item is refused alone rather than the whole request."""


class StrictSchema(Schema):
    """Unknown fields are refused everywhere: a payload cannot smuggle, say, a source's name.

    No string holds a NUL character or a lone surrogate, in any field, key or nested list:
    PostgreSQL cannot store or even compare NUL, and no driver can encode a lone surrogate
    (either was a 500); SQLite answers the same. Each schema checks its own fields; nested
    objects are checked by their own schema, and a sync batch's items one by one
    (CheckedAlone), so one bad item in a batch is refused alone."""

    class Meta:
        unknown = RAISE
        ordered = True

    @cached_property
    def _checked_elsewhere(self) -> frozenset[str]:
        """Keys whose values another schema checks (nested objects, a batch's items): worked out once
        per schema instance, not for every record of a batch."""
        return frozenset(field.data_key or name for name, field in self.load_fields.items()
                         if isinstance(getattr(field, "inner", field), (CheckedAlone, fields.Nested)))

    @pre_load
    def _refuse_unstorable(self, data, **kwargs):
        if not isinstance(data, Mapping):
            return data
        alone = self._checked_elsewhere
        bad = {}
        for key in data.keys():
            key_problem = unstorable_problem(key)
            if key_problem:
                bad[printable_name(key)] = [key_problem]
                continue
            if key in alone:
                continue
            value = data.getlist(key) if hasattr(data, "getlist") else data[key]
            problem = unstorable_problem(value)
            if problem:
                bad[key] = [problem]
        if bad:
            raise ValidationError(bad)
        return data


# Ids are 32-bit integer columns: a larger number can name nothing, and must not reach the
# database driver (which would fail with an overflow rather than "not found").
DB_INT_MAX = 2**31 - 1
_DIGITS = re.compile(r"[+-]?[0-9]{1,12}")


class Integer(fields.Integer):
    """A whole number: a JSON integer, or (query strings are text) a string of digits.

    1.5, 1e3, "1.5", true are refused rather than truncated (1.5 was stored as 1), and so
    is anything outside a 32-bit column unless the field gives its own range."""

    def __init__(self, *, validate=None, **kw):
        own = [] if validate is None else list(validate) if isinstance(validate, (list, tuple)) else [validate]
        super().__init__(strict=True, validate=[Range(min=-DB_INT_MAX, max=DB_INT_MAX), *own], **kw)

    def _deserialize(self, value, attr, data, **kwargs):
        # Query strings are text ("?page=2"); a JSON body carries its numbers as numbers, so "2" there is
        # refused like 2.5. webargs hands a query string over as a multidict (it has getlist).
        if isinstance(value, str) and not hasattr(data, "getlist"):
            raise self.make_error("invalid", input=value)
        return super()._deserialize(value, attr, data, **kwargs)

    def _validated(self, value):
        if isinstance(value, str):
            if not _DIGITS.fullmatch(value):
                raise self.make_error("invalid", input=value)
            value = int(value)
        return super()._validated(value)


def ident(**kw) -> Integer:
    """An integer id as sent by a client: 1 .. 2^31-1."""
    return Integer(validate=Range(min=1, max=DB_INT_MAX), **kw)


def text(max_length: int, min_length: int = 0, **kw) -> fields.String:
    return fields.String(validate=Length(min=min_length, max=max_length), **kw)


# Dates a client may send: wide enough for any real entry or query, narrow enough that no
# arithmetic on them (a day or a week added, a period compared with the one before, a time
# zone applied) can overflow Python's date range (9999-12-31 in a query was a 500).
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)
DATE_RANGE_MESSAGE = f"Must be between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}."


def date_in_range(value: date) -> bool:
    return EARLIEST_DATE <= value <= LATEST_DATE


# The range as the OpenAPI document states it (a pattern: OpenAPI has no minimum for a date).
DATE_PATTERN = "^(?:20[0-9]{2}|2100)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$"


class Date(fields.Date):
    """A day, YYYY-MM-DD, between EARLIEST_DATE and LATEST_DATE."""

    def __init__(self, **kw):
        kw["metadata"] = {"pattern": DATE_PATTERN, **(kw.get("metadata") or {})}
        super().__init__(**kw)

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        if not date_in_range(day):
            raise ValidationError(DATE_RANGE_MESSAGE)
        return day


class AwareDateTime(fields.AwareDateTime):
    """An instant with a UTC offset, its day between EARLIEST_DATE and LATEST_DATE. Checked on the
    clock time as sent, before anything converts it (0001-01-01T00:00:00+01:00 cannot be
    put in UTC at all)."""

    def __init__(self, **kw):
        md = dict(kw.get("metadata") or {})
        md["description"] = (md.get("description", "") + f" Between {EARLIEST_DATE} and {LATEST_DATE}.").strip()
        kw["metadata"] = md
        super().__init__(**kw)

    def _deserialize(self, value, attr, data, **kwargs):
        instant = super()._deserialize(value, attr, data, **kwargs)
        if not date_in_range(instant.date()):
            raise ValidationError(DATE_RANGE_MESSAGE)
        return instant


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
    page = Integer(load_default=1, validate=Range(min=1, max=100000))
    per_page = Integer(load_default=50, validate=Range(min=1, max=200))


class DayRangeArgsSchema(StrictSchema):
    """A span of the force's local days, `from` and `to`, both inclusive and in order."""
    from_ = Date(data_key="from", metadata={"description": "First local day, inclusive."})
    to = Date(metadata={"description": "Last local day, inclusive; on or after from."})

    @validates_schema
    def _period_in_order(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["to"] < data["from_"]:
            raise ValidationError("Must be on or after from.", "to")
