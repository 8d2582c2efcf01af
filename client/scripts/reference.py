"""Print the server's value lists and the rules the app checks before sending, as JSON: the app's
bundled copy (client/src/reference-fallback.json), read by the forms and used offline on a first start.

Run with the project's virtualenv (it imports the server's schemas): `npm run reference` in client/."""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _fields(schema, skip=()) -> dict:
    """The fields a phone sends, each with its longest text where the server sets one."""
    from marshmallow import fields
    from marshmallow.validate import Length

    out = {}
    for name, field in schema._declared_fields.items():
        if name in skip or field.dump_only or field.load_only:
            continue
        longest = [v.max for v in field.validators if isinstance(v, Length) and v.max is not None]
        out[name] = {"max": longest[0]} if longest and isinstance(field, fields.String) else {}
    return out


def generated() -> dict:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from server.operations.schemas import DISTRICT_INPUT
    from server.records import reference, schemas

    return {
        "lists": reference.all_lists(),
        "rules": {
            "district_pattern": DISTRICT_INPUT,
            "clock_skew_minutes": schemas.CLOCK_SKEW.total_seconds() / 60,
            "required_when": {
                "handling_conditions": {"field": "handling_code", "value": schemas.HANDLING_CODE_WITH_CONDITIONS},
            },
            "fields": {
                "record": _fields(schemas.RecordBaseSchema),
                **{kind: _fields(cls, skip=schemas.RecordBaseSchema._declared_fields)
                   for kind, cls in schemas.SCHEMA_BY_KIND.items()},
            },
        },
    }


if __name__ == "__main__":
    print(json.dumps(generated(), indent=1, ensure_ascii=False))
