"""Payloads as the phone sends them."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone


def now_iso(minutes_ago: int = 30) -> str:
    return (datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)).isoformat()


def new_id() -> str:
    return str(uuid.uuid4())


def shift(operation_id, **kw):
    data = {"id": new_id(), "operation_id": operation_id, "started_at": now_iso(240), "ended_at": None}
    data.update(kw)
    return data


def _common(kind_, operation_id, **kw):
    data = {"id": new_id(), "kind": kind_, "operation_id": operation_id, "occurred_at": now_iso(),
            "area": "NN3", "latitude": 52.26, "longitude": -0.84, "place": "Lings Way", "notes": ""}
    data.update(kw)
    return data


def stop_search(operation_id, **kw):
    base = {"search_type": "Person search", "legislation": "Misuse of Drugs Act 1971 (section 23)",
            "object_of_search": "Controlled drugs", "outcome": "A no further action disposal",
            "outcome_linked_to_object_of_search": False, "removal_of_more_than_outer_clothing": False,
            "gender": "Male", "age_range": "18-24",
            "self_defined_ethnicity": "White - English/Welsh/Scottish/Northern Irish/British",
            "officer_defined_ethnicity": "White"}
    base.update(kw)
    return _common("stop_search", operation_id, **base)


def arrest(operation_id, **kw):
    base = {"offence_category": "possession_of_weapons", "power_of_arrest": "pace_s24",
            "linked_stop_search_id": None, "custody_reference": "CU/12345"}
    base.update(kw)
    return _common("arrest", operation_id, **base)


def safeguarding_referral(operation_id, **kw):
    base = {"subject": "child", "concern_categories": ["child_criminal_exploitation"],
            "agency": "mash_childrens_social_care", "risk_level": "high"}
    base.update(kw)
    return _common("safeguarding_referral", operation_id, **base)


INTEL_TEXT = "Moped riders circling the estate acting as lookouts for a supply line."


def intelligence_log(operation_id, **kw):
    base = {"source_evaluation": "2", "intelligence_assessment": "B", "handling_code": "P",
            "topics": ["drugs_supply"], "how_obtained": "anonymous_community_member",
            "intelligence_text": INTEL_TEXT}
    base.update(kw)
    return _common("intelligence_log", operation_id, **base)


ALL_KINDS = (stop_search, arrest, safeguarding_referral, intelligence_log)
