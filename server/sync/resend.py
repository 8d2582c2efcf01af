"""Spot exact re-sends before validating them.

A phone that lost the answer to a sync sends the same batch again: every entry is
already stored, byte for byte. Validating each one with marshmallow and loading it
through the ORM only to find nothing changed is most of the cost of such a batch.
Here the stored copies are fetched with one plain query per table and each payload
is compared with its stored copy field by field; an entry that matches exactly (same
officer, same kind, every field equal, no unknown keys) is known to be valid, because
the stored copy passed the same schema, and needs no further work. Anything else, even
a value that would only normalise to the same thing (" nn3", "52" for 52.0, a time in
another offset format), goes through the full path as before.
"""
from __future__ import annotations

import re
import uuid
from datetime import datetime
from functools import cache

from marshmallow import fields, missing
from sqlalchemy import bindparam, select

from ..core.db import core_execute
from ..records.models import MODEL_BY_KIND, Record
from ..records.schemas import payload_fields

ISO_AWARE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$")
RECORD_COLUMNS = ("id", "kind", "officer_id", "version") + Record.COMMON_CONTENT


def _same_uuid(raw, stored) -> bool:
    return isinstance(raw, str) and stored is not None and raw == str(stored)


def _same_time(raw, stored) -> bool:
    if not isinstance(raw, str) or not ISO_AWARE.match(raw):
        return False
    try:
        return datetime.fromisoformat(raw) == stored
    except ValueError:
        return False


# For a plain field, the JSON types in which a value is the stored one unchanged (52 is 52.0, true
# is never 1): any other value, even one that would load the same ("52"), takes the full path.
PLAIN_JSON_TYPES = ((fields.Boolean, (bool,)), (fields.Integer, (int,)), (fields.Float, (int, float)),
                    (fields.String, (str,)))


def _same_plain(types: tuple[type, ...]):
    def same(raw, stored) -> bool:
        return type(raw) in types and raw == stored
    return same


def _same_list(raw, stored) -> bool:
    return type(raw) is list and all(type(v) is str for v in raw) and raw == stored


def _comparer(field: fields.Field):
    if isinstance(field, fields.UUID):
        return _same_uuid
    if isinstance(field, fields.DateTime):
        return _same_time
    if isinstance(field, fields.List):
        return _same_list
    for field_class, types in PLAIN_JSON_TYPES:
        if isinstance(field, field_class):
            return _same_plain(types)
    return None


def _plan(kind: str):
    """(allowed keys, [(field name, comparer, allow_none, default)]) for one kind's content."""
    loaded = payload_fields(kind)
    allowed = frozenset(loaded)
    plan = []
    for name in MODEL_BY_KIND[kind].content_fields():
        field = loaded[name]
        default = field.load_default
        plan.append((name, _comparer(field), field.allow_none, default))
    return allowed, plan


PLANS = {kind: _plan(kind) for kind in MODEL_BY_KIND}


def unchanged(raw: dict, stored: dict) -> bool:
    """True when `raw` is exactly the stored entry again (so the full path would say "unchanged")."""
    allowed, plan = PLANS[stored["kind"]]
    if raw.get("kind") != stored["kind"] or not allowed.issuperset(raw):
        return False
    base_version = raw.get("base_version")
    if base_version is not None and not (type(base_version) is int and base_version >= 1):
        return False
    for name, same, allow_none, default in plan:
        before = stored[name]
        if name in raw:
            value = raw[name]
            if value is None:
                if not (allow_none and before is None):
                    return False
            elif same is None or not same(value, before):
                return False
        else:
            if default is missing:
                return False  # required: the full path reports it
            if (default() if callable(default) else default) != before:
                return False
    return True


@cache
def _select_by_ids(table_name: str, names: tuple[str, ...]):
    """SELECT <names> FROM <table> WHERE id IN :ids, built once: building the statement
    cost about as much as running it for a one-record sync."""
    t = Record.__table__ if table_name == Record.__tablename__ else next(
        m.__table__ for m in MODEL_BY_KIND.values() if m.__tablename__ == table_name)
    return select(*(t.c[c] for c in names)).where(t.c.id.in_(bindparam("ids", expanding=True)))


def stored_copies(ids: set[uuid.UUID]) -> dict[uuid.UUID, dict]:
    """The stored content of these entries, one query for `records` and one per kind present."""
    if not ids:
        return {}
    rows = core_execute(_select_by_ids(Record.__tablename__, tuple(RECORD_COLUMNS)), {"ids": list(ids)}).all()
    out = {r[0]: dict(zip(RECORD_COLUMNS, r)) for r in rows}
    by_kind: dict[str, list] = {}
    for rid, row in out.items():
        by_kind.setdefault(row["kind"], []).append(rid)
    complete = {}
    for kind, kind_ids in by_kind.items():
        model = MODEL_BY_KIND.get(kind)
        if model is None:
            continue
        names = ("id",) + tuple(model.DETAIL_CONTENT)
        for r in core_execute(_select_by_ids(model.__tablename__, names), {"ids": kind_ids}):
            row = out[r[0]]
            row.update(zip(names, r))
            complete[r[0]] = row
    return complete


def candidate_ids(raws: list) -> dict[int, uuid.UUID]:
    """Index -> id for payloads whose id parses and appears once in the batch."""
    found: dict[int, uuid.UUID] = {}
    counts: dict[uuid.UUID, int] = {}
    for i, raw in enumerate(raws):
        if isinstance(raw, dict) and isinstance(raw.get("id"), str) and raw.get("kind") in PLANS:
            try:
                rid = uuid.UUID(raw["id"])
            except ValueError:
                continue
            found[i] = rid
            counts[rid] = counts.get(rid, 0) + 1
    return {i: rid for i, rid in found.items() if counts[rid] == 1}
