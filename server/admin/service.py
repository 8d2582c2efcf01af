"""Administration rules: officers (create, edit, move team, deactivate, reactivate, reset password),
teams and operations; every change leaves an entry in the append-only administrative audit trail."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from sqlalchemy import func, or_, select

from ..auth.models import Officer
from ..auth.passwords import one_time_password
from ..auth.sessions import end_other_sessions
from ..core.db import db
from ..core.errors import ApiError
from ..core.schemas import DB_INT_MAX
from ..core.timezone import force_tz, local_today
from ..operations.models import Operation
from .access import can_view_officer, scope_roster
from .models import AdminAuditEntry, Team, TeamMembership

FORCE_WIDE_ROLES = ("inspector", "analyst", "admin")


# ---- the audit trail -----------------------------------------------------------------

def audit(actor_id: int, action: str, *, officer: Officer | None = None, operation: Operation | None = None,
          team: str | None = None, before: dict | None = None, after: dict | None = None) -> AdminAuditEntry:
    entry = AdminAuditEntry(actor_id=actor_id, action=action, officer_id=officer.id if officer else None,
                            operation_id=operation.id if operation else None, team=team,
                            before=before, after=after)
    db.session.add(entry)
    return entry


def officer_snapshot(o: Officer) -> dict:
    # Never the password hash: the trail says a password was reset, not what to.
    return {"shoulder_number": o.shoulder_number, "display_name": o.display_name, "role": o.role,
            "team": o.team, "active": o.active}


def operation_snapshot(op: Operation) -> dict:
    return {"name": op.name, "slug": op.slug, "description": op.description,
            "local_policing_area": op.local_policing_area, "target_areas": list(op.target_areas),
            "starts_on": op.starts_on.isoformat(), "ends_on": op.ends_on.isoformat() if op.ends_on else None,
            "is_policing_operation": op.is_policing_operation}


def audit_page(args: dict) -> dict:
    stmt = select(AdminAuditEntry)
    if args.get("officer"):
        stmt = stmt.where(or_(AdminAuditEntry.officer_id == args["officer"], AdminAuditEntry.actor_id == args["officer"]))
    if args.get("operation"):
        stmt = stmt.where(AdminAuditEntry.operation_id == args["operation"])
    tz = force_tz()
    if args.get("from_"):
        stmt = stmt.where(AdminAuditEntry.at >= datetime.combine(args["from_"], time(), tz))
    if args.get("to"):
        stmt = stmt.where(AdminAuditEntry.at < datetime.combine(args["to"] + timedelta(days=1), time(), tz))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    page, per_page = args["page"], args["per_page"]
    entries = list(db.session.scalars(stmt.order_by(AdminAuditEntry.id.desc())
                                      .offset((page - 1) * per_page).limit(per_page)))
    people = {o.id: o for o in db.session.scalars(select(Officer).where(
        Officer.id.in_({e.actor_id for e in entries} | {e.officer_id for e in entries if e.officer_id})))}
    items = [{"id": e.id, "at": e.at, "actor": people.get(e.actor_id), "action": e.action,
              "officer": people.get(e.officer_id), "operation_id": e.operation_id, "team": e.team,
              "before": e.before, "after": e.after} for e in entries]
    return {"items": items, "page": page, "per_page": per_page, "total": total}


# ---- teams ---------------------------------------------------------------------------

def list_teams() -> list[dict]:
    counts = dict(db.session.execute(select(Officer.team, func.count()).where(Officer.active.is_(True))
                                     .group_by(Officer.team)).all())
    return [{"id": t.id, "name": t.name, "officers": counts.get(t.name, 0)}
            for t in db.session.scalars(select(Team).order_by(Team.name))]


def create_team(actor_id: int, name: str) -> dict:
    name = " ".join(name.split())
    if not name:
        raise ApiError(422, "A team needs a name.", fields={"name": ["Must not be blank."]})
    if db.session.scalar(select(Team.id).where(func.lower(Team.name) == name.lower())) is not None:
        raise ApiError(409, "There is already a team of that name.", fields={"name": ["Already in use."]})
    team = Team(name=name)
    db.session.add(team)
    db.session.flush()
    audit(actor_id, "team_created", team=name, after={"name": name})
    db.session.commit()
    return {"id": team.id, "name": team.name, "officers": 0}


def enrol(officer: Officer, starts_on) -> None:
    """Setting up from the shell (create-officer, the demo): the officer's team becomes a known team and
    their membership starts on the day given. The administrator's screens are the way afterwards."""
    if officer.team is None:
        return
    if db.session.scalar(select(Team.id).where(Team.name == officer.team)) is None:
        db.session.add(Team(name=officer.team))
    db.session.flush()
    db.session.add(TeamMembership(officer_id=officer.id, team=officer.team, starts_on=starts_on))


def require_team(name: str | None, field: str = "team") -> str | None:
    if name is None:
        return None
    known = db.session.scalar(select(Team.name).where(Team.name == name))
    if known is None:
        raise ApiError(422, "No such team.", fields={field: [f"Not a known team: create it first ({name[:64]!r})."]})
    return known


# ---- officers ------------------------------------------------------------------------

def roster(user, args: dict) -> list[Officer]:
    stmt = scope_roster(select(Officer), user, Officer)
    if args.get("team"):
        stmt = stmt.where(Officer.team == args["team"])
    if args.get("active") is not None:
        stmt = stmt.where(Officer.active.is_(args["active"]))
    officers = list(db.session.scalars(stmt.order_by(Officer.team, Officer.shoulder_number)))
    _attach_history(officers)
    return officers


def _attach_history(officers: list[Officer]) -> None:
    history: dict[int, list] = {o.id: [] for o in officers}
    if officers:
        for m in db.session.scalars(select(TeamMembership).where(TeamMembership.officer_id.in_(history))
                                    .order_by(TeamMembership.starts_on, TeamMembership.id)):
            history[m.officer_id].append(m)
    for o in officers:
        o.teams = history[o.id]


def get_officer(user, officer_id: int, for_change: bool = False) -> Officer:
    officer = db.session.get(Officer, officer_id) if 0 < officer_id <= DB_INT_MAX else None
    if officer is None or not can_view_officer(user, officer):
        raise ApiError(404, "No such officer.", fields={"officer_id": ["No such officer."]})
    if not for_change:
        _attach_history([officer])
    return officer


def _shoulder_number(value: str) -> str:
    return re.sub(r"\s+", "", value).upper()


def _check_shoulder_number_free(number: str, own_id: int | None = None) -> None:
    clash = db.session.scalar(select(Officer.id).where(Officer.shoulder_number == number))
    if clash is not None and clash != own_id:
        raise ApiError(409, "Another officer already has this shoulder number.",
                       fields={"shoulder_number": ["Already in use."]})


def _check_role_and_team(role: str, team: str | None) -> None:
    if role in ("officer", "sergeant") and team is None:
        raise ApiError(422, "Officers and sergeants belong to a team.", fields={"team": ["Required for this role."]})


def create_officer(actor_id: int, data: dict) -> tuple[Officer, str]:
    number = _shoulder_number(data["shoulder_number"])
    _check_shoulder_number_free(number)
    team = require_team(data.get("team"))
    _check_role_and_team(data["role"], team)
    starts_on = data.get("starts_on") or local_today()
    password = one_time_password()
    officer = Officer(shoulder_number=number, display_name=data["display_name"].strip(), role=data["role"],
                      team=team, active=True, must_change_password=True)
    officer.set_password(password)
    db.session.add(officer)
    db.session.flush()
    if team is not None:
        db.session.add(TeamMembership(officer_id=officer.id, team=team, starts_on=starts_on))
    audit(actor_id, "officer_created", officer=officer, team=team, after=officer_snapshot(officer))
    db.session.commit()
    _attach_history([officer])
    return officer, password


def update_officer(actor_id: int, officer: Officer, data: dict) -> Officer:
    before = officer_snapshot(officer)
    if "shoulder_number" in data:
        data["shoulder_number"] = _shoulder_number(data["shoulder_number"])
        _check_shoulder_number_free(data["shoulder_number"], officer.id)
    if "display_name" in data:
        data["display_name"] = data["display_name"].strip()
    for key, value in data.items():
        setattr(officer, key, value)
    _check_role_and_team(officer.role, officer.team)
    after = officer_snapshot(officer)
    if after != before:
        audit(actor_id, "officer_changed", officer=officer, before=before, after=after)
        if after["role"] != before["role"]:
            # A role taken away takes effect at once, not at their next sign-in.
            end_other_sessions(officer.id)
    db.session.commit()
    _attach_history([officer])
    return officer


def move_officer(actor_id: int, officer: Officer, team_name: str, starts_on) -> Officer:
    team = require_team(team_name)
    if starts_on > local_today():
        raise ApiError(422, "A move takes effect today or on an earlier day.",
                       fields={"starts_on": ["Must be today or earlier."]})
    current = db.session.scalar(select(TeamMembership).where(TeamMembership.officer_id == officer.id,
                                                             TeamMembership.ends_on.is_(None))
                                .with_for_update())
    if current is not None and starts_on < current.starts_on:
        raise ApiError(422, "The move starts before the officer joined their current team.",
                       fields={"starts_on": [f"Must be on or after {current.starts_on.isoformat()}."]})
    if team == officer.team:
        raise ApiError(409, "The officer is already in this team.", fields={"team": ["Already their team."]})
    before = officer_snapshot(officer)
    if current is not None and current.starts_on == starts_on:
        current.team = team  # a move on the day they joined corrects the day's team
    else:
        if current is not None:
            current.ends_on = starts_on - timedelta(days=1)
        db.session.add(TeamMembership(officer_id=officer.id, team=team, starts_on=starts_on))
    officer.team = team
    audit(actor_id, "officer_moved", officer=officer, team=team,
          before=before, after={**officer_snapshot(officer), "starts_on": starts_on.isoformat()})
    db.session.commit()
    _attach_history([officer])
    return officer


def apply_provider_claims(officer: Officer, role: str, team: str | None, created: bool = False) -> dict:
    """What the force's identity provider says at a sign-in: the role, and the team when a team claim is
    configured. A new team name becomes a known team; a move starts today and keeps the team history, as
    an administrator's move does. Each change is in the administrative audit trail, made by the officer's
    own sign-in. Does not commit; returns {field: (before, after)}."""
    before = officer_snapshot(officer)
    changes = {}
    if officer.role != role:
        changes["role"] = (officer.role, role)
        officer.role = role
    if team and (created or officer.team != team):
        if db.session.scalar(select(Team.id).where(Team.name == team)) is None:
            db.session.add(Team(name=team))
            audit(officer.id, "team_created_at_sign_in", team=team, after={"name": team})
        db.session.flush()
        today = local_today()
        current = db.session.scalar(select(TeamMembership).where(TeamMembership.officer_id == officer.id,
                                                                 TeamMembership.ends_on.is_(None))
                                    .with_for_update())
        if current is not None and current.starts_on >= today:
            current.team = team
        else:
            if current is not None:
                current.ends_on = today - timedelta(days=1)
            db.session.add(TeamMembership(officer_id=officer.id, team=team, starts_on=today))
        if officer.team != team:
            changes["team"] = (officer.team, team)
        officer.team = team
    if created:
        audit(officer.id, "officer_created_at_sign_in", officer=officer, after=officer_snapshot(officer))
    elif changes:
        audit(officer.id, "officer_changed_at_sign_in", officer=officer, before=before, after=officer_snapshot(officer))
    return changes


def set_active(actor_id: int, officer: Officer, active: bool) -> Officer:
    if not active and officer.id == actor_id:
        raise ApiError(409, "You cannot deactivate your own account.", fields={"officer_id": ["That is you."]})
    if officer.active != active:
        before = officer_snapshot(officer)
        officer.active = active
        if not active:
            end_other_sessions(officer.id)
        audit(actor_id, "officer_reactivated" if active else "officer_deactivated", officer=officer,
              before=before, after=officer_snapshot(officer))
        db.session.commit()
    _attach_history([officer])
    return officer


def reset_password(actor_id: int, officer: Officer) -> tuple[Officer, str]:
    password = one_time_password()
    officer.set_password(password)
    officer.must_change_password = True
    end_other_sessions(officer.id)
    audit(actor_id, "password_reset", officer=officer)
    db.session.commit()
    _attach_history([officer])
    return officer, password


# ---- operations ----------------------------------------------------------------------

def get_operation(operation_id: int) -> Operation:
    op = db.session.get(Operation, operation_id) if 0 < operation_id <= DB_INT_MAX else None
    if op is None:
        raise ApiError(404, "No such operation.", fields={"operation_id": ["No such operation."]})
    return op


def _slug_from(name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:70] or "operation"
    base = re.sub(r"^operation-", "", base) or base
    slug, n = base, 1
    while db.session.scalar(select(Operation.id).where(Operation.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _check_slug_free(slug: str, own_id: int | None = None) -> None:
    clash = db.session.scalar(select(Operation.id).where(Operation.slug == slug))
    if clash is not None and clash != own_id:
        raise ApiError(409, "Another operation already uses this slug.", fields={"slug": ["Already in use."]})


def _check_dates(op: Operation) -> None:
    if op.ends_on is not None and op.ends_on < op.starts_on:
        raise ApiError(422, "The end date is before the start date.",
                       fields={"ends_on": ["Must be on or after starts_on."]})


def open_operation(actor_id: int, data: dict) -> Operation:
    if data.get("slug"):
        _check_slug_free(data["slug"])
    else:
        data["slug"] = _slug_from(data["name"])
    op = Operation(**data)
    db.session.add(op)
    db.session.flush()
    audit(actor_id, "operation_opened", operation=op, after=operation_snapshot(op))
    db.session.commit()
    return op


def edit_operation(actor_id: int, op: Operation, data: dict) -> Operation:
    before = operation_snapshot(op)
    if data.get("slug"):
        _check_slug_free(data["slug"], op.id)
    else:
        data.pop("slug", None)
    for key, value in data.items():
        setattr(op, key, value)
    _check_dates(op)
    after = operation_snapshot(op)
    if after != before:
        audit(actor_id, "operation_changed", operation=op, before=before, after=after)
    db.session.commit()
    return op


def close_operation(actor_id: int, op: Operation, ends_on) -> Operation:
    before = operation_snapshot(op)
    op.ends_on = ends_on or local_today()
    _check_dates(op)
    audit(actor_id, "operation_closed", operation=op, before=before, after=operation_snapshot(op))
    db.session.commit()
    return op
