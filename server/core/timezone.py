"""The force's local time (Europe/London by default): days, weeks and months
are counted on the clock officers work by, not in UTC."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TZ = "Europe/London"


def force_tz() -> ZoneInfo:
    name = current_app.config.get("FORCE_TIMEZONE", DEFAULT_TZ) if has_app_context() else DEFAULT_TZ
    return ZoneInfo(name)


def local_date(instant: datetime) -> date:
    return instant.astimezone(force_tz()).date()


def local_today() -> date:
    return datetime.now(force_tz()).date()
