"""`flask --app server load-demo`: Operation Revive as its public results read.

Since launch (1 January this year): 77 intelligence logs, 9 arrests,
17 safeguarding referrals and 14 stop searches, over NN3 and NN5 and many
shifts. Before launch, the same districts under routine patrol (not a named
policing operation) give the comparison: compare=before_launch counts every
record in NN3 and NN5 on both sides, the days since launch against as many
days just before it, so 6 safeguarding referrals before and 17 since read
"up 183%" whatever day the demo is loaded (the force published the same
change rounded, "up 180 percent").
"""
from __future__ import annotations

import random
import uuid
from datetime import date, datetime, time, timedelta

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..admin.service import enrol
from ..auth.models import Officer
from ..core.db import db
from ..core.timezone import force_tz, local_today
from ..operations.models import Operation
from ..records import reference as ref
from ..records.service import get_record, set_status
from ..sync.service import apply_batch

DEMO_PASSWORD = "revive-demo-2026"
REVIVE_TOTALS = {"intelligence_log": 77, "arrest": 9, "safeguarding_referral": 17, "stop_search": 14}
BASELINE_TOTALS = {"intelligence_log": 41, "arrest": 6, "safeguarding_referral": 6, "stop_search": 10}
WELLINGBOROUGH_TOTALS = {"intelligence_log": 30, "arrest": 5, "safeguarding_referral": 7, "stop_search": 8}

# (shoulder number, name, role, team)
DEMO_OFFICERS = [
    ("PS1401", "Sgt Priya Shah", "sergeant", "West Team 2"),
    ("PC2201", "PC Tom Hughes", "officer", "West Team 2"),
    ("PC2202", "PC Aisha Begum", "officer", "West Team 2"),
    ("PC2203", "PC Dan Kowalski", "officer", "West Team 2"),
    ("PC2204", "PC Grace Okafor", "officer", "West Team 2"),
    ("PS1402", "Sgt Owen Price", "sergeant", "West Team 3"),
    ("PC2301", "PC Lily Evans", "officer", "West Team 3"),
    ("PC2302", "PC Ravi Mistry", "officer", "West Team 3"),
    ("INSP301", "Insp Mark Reid", "inspector", None),
    ("AN401", "Sam Patel (analyst)", "analyst", None),
    ("ADMIN1", "System administrator", "admin", None),
]
PLACES = {
    "NN3": [("Lings Way", 52.2603, -0.8369), ("Ecton Brook Road", 52.2521, -0.8247),
            ("Billing Brook Road", 52.2555, -0.8303), ("Kettering Road North", 52.2660, -0.8651)],
    "NN5": [("Kings Heath", 52.2519, -0.9201), ("Spencer Bridge Road", 52.2446, -0.9089),
            ("Harlestone Road", 52.2527, -0.9282), ("St James Retail Park", 52.2367, -0.9133)],
    "NN8": [("Wellingborough town centre", 52.3025, -0.6946)],
    "NN9": [("Irthlingborough Road", 52.3160, -0.6470)],
}
INTEL_TEXTS = [
    "Vehicle seen repeatedly at the parade of shops late evening, short visits, suspected drug supply.",
    "Reports of young people carrying knives near the play area after school.",
    "Flat believed to be used by an out-of-town supply line; frequent visitors at night.",
    "Group gathering by the underpass; concern about intimidation of residents.",
    "Moped riders without plates circling the estate, possibly acting as lookouts.",
    "Local business reports items hidden in the hedge behind the car park.",
]


def launch_date(today: date) -> date:
    """1 January this year; in the first weeks of a year, last year's launch."""
    launch = date(today.year, 1, 1)
    return launch if (today - launch).days >= 28 else date(today.year - 1, 1, 1)


def _kind_fields(kind: str, rng: random.Random) -> dict:
    if kind == "stop_search":
        outcome = rng.choice(ref.OUTCOMES)
        return {"search_type": rng.choice(ref.SEARCH_TYPES), "legislation": rng.choice(ref.LEGISLATION[:3]),
                "object_of_search": rng.choice(ref.OBJECTS_OF_SEARCH[:3]), "outcome": outcome,
                "outcome_linked_to_object_of_search": outcome != ref.OUTCOMES[0],
                "removal_of_more_than_outer_clothing": False, "gender": rng.choice(ref.GENDERS[:2]),
                "age_range": rng.choice(ref.AGE_RANGES[1:]),
                "self_defined_ethnicity": rng.choice(ref.SELF_DEFINED_ETHNICITIES),
                "officer_defined_ethnicity": rng.choice(ref.OFFICER_DEFINED_ETHNICITIES)}
    if kind == "arrest":
        return {"offence_category": rng.choice(["violence_against_the_person", "possession_of_weapons",
                                                 "drug_offences_trafficking", "robbery"]),
                "power_of_arrest": "pace_s24", "custody_reference": f"CU/{rng.randint(10000, 99999)}"}
    if kind == "safeguarding_referral":
        return {"subject": rng.choice(list(ref.SAFEGUARDING_SUBJECTS)),
                "concern_categories": rng.sample(["child_criminal_exploitation", "domestic_abuse", "missing_person",
                                                  "mental_health", "cuckooing"], rng.randint(1, 2)),
                "agency": rng.choice(["mash_childrens_social_care", "adult_social_care", "early_help"]),
                "risk_level": rng.choice(list(ref.RISK_LEVELS))}
    return {"source_evaluation": rng.choice(["1", "2", "2", "3"]),
            "intelligence_assessment": rng.choice(["A", "B", "C", "C"]), "handling_code": "P",
            "topics": rng.sample(["violence", "weapons", "drugs_supply", "county_lines", "gangs"], rng.randint(1, 2)),
            "how_obtained": rng.choice(["anonymous_community_member", "officer_observation", "partner_agency",
                                        "crimestoppers"]),
            "intelligence_text": rng.choice(INTEL_TEXTS)}


def _build(operation: Operation, officers: list[Officer], totals: dict, start: date, end: date,
           rng: random.Random) -> dict[int, dict]:
    """Shifts and records for one operation, grouped by officer as each phone would send them."""
    tz = force_tz()
    now = datetime.now(tz)
    days = max((end - start).days, 1)
    n_records = sum(totals.values())
    n_shifts = max(8, n_records // 2)
    shifts = []
    for _ in range(n_shifts):
        day = start + timedelta(days=rng.randrange(days))
        hour = rng.choice([7, 15, 22])  # earlies, lates and nights (crossing midnight)
        begin = datetime.combine(day, time(hour), tz)
        # Records must fall inside the operation's dates, so clamp at its last day.
        finish = min(begin + timedelta(hours=9), now - timedelta(minutes=5),
                     datetime.combine(end, time(0), tz) - timedelta(minutes=1))
        if finish <= begin + timedelta(hours=1):
            continue
        shifts.append((rng.choice(officers), begin, finish, uuid.UUID(int=rng.getrandbits(128), version=4)))
    batches: dict[int, dict] = {}
    for officer, begin, finish, sid in shifts:
        b = batches.setdefault(officer.id, {"shifts": [], "records": []})
        b["shifts"].append({"id": str(sid), "operation_id": operation.id,
                            "started_at": begin.isoformat(), "ended_at": finish.isoformat()})
    kinds = [k for k, n in totals.items() for _ in range(n)]
    rng.shuffle(kinds)
    for kind in kinds:
        officer, begin, finish, sid = rng.choice(shifts)
        at = begin + (finish - begin) * rng.random()
        area = rng.choice(operation.target_areas)
        place, lat, lng = rng.choice(PLACES.get(area, [("Northampton", 52.2405, -0.9027)]))
        rec = {"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "kind": kind,
               "operation_id": operation.id, "shift_id": str(sid), "occurred_at": at.isoformat(),
               "area": area, "latitude": round(lat + rng.uniform(-0.004, 0.004), 5),
               "longitude": round(lng + rng.uniform(-0.004, 0.004), 5), "place": place, "notes": ""}
        rec.update(_kind_fields(kind, rng))
        batches[officer.id]["records"].append(rec)
    return batches


def _send(batches: dict[int, dict]) -> list[str]:
    created = []
    for officer_id, batch in batches.items():
        result = apply_batch(officer_id, "demo-loader", batch["shifts"], batch["records"])
        bad = [r for r in result["shifts"] + result["records"] if r["status"] == "rejected"]
        if bad:
            raise click.ClickException(f"demo data refused: {bad[:3]}")
        created += [r["id"] for r in result["records"]]
    return created


@click.command("load-demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Do nothing if the demo is already there (used by make run).")
def load_demo(if_empty):
    """Load Operation Revive with its officers, shifts and records."""
    if db.session.scalar(select(Operation).where(Operation.slug == "revive")):
        if if_empty:
            click.echo("Demo already loaded.")
            return
        raise click.ClickException("The demo is already loaded (operation 'revive' exists).")
    rng = random.Random(2026)
    today = local_today()
    launch = launch_date(today)
    period = today - launch
    officers = {}
    for number, name, role, team in DEMO_OFFICERS:
        officer = db.session.scalar(select(Officer).where(Officer.shoulder_number == number))
        if officer is None:
            officer = Officer(shoulder_number=number, display_name=name, role=role, team=team, active=True)
            officer.set_password(DEMO_PASSWORD)
            db.session.add(officer)
            db.session.flush()
            enrol(officer, launch - period)
        officers[number] = officer
    revive = Operation(
        name="Operation Revive", slug="revive", local_policing_area="West", target_areas=["NN3", "NN5"],
        starts_on=launch,
        description="Targeted violent-crime operation in the NN3 and NN5 postcode districts of the West "
                    "Local Policing Area, after an earlier run in Wellingborough.")
    baseline = Operation(
        name="West LPA routine patrol (before Revive)", slug="west-routine-before-revive",
        local_policing_area="West", target_areas=["NN3", "NN5"], starts_on=launch - period,
        ends_on=launch - timedelta(days=1), is_policing_operation=False,
        description="Routine activity in the same districts before launch, for comparison.")
    earlier = Operation(
        name="Operation Revive (Wellingborough)", slug="revive-wellingborough", local_policing_area="East",
        target_areas=["NN8", "NN9"], starts_on=launch - period - timedelta(days=120),
        ends_on=launch - period - timedelta(days=1), description="The earlier run of the operation.")
    db.session.add_all([revive, baseline, earlier])
    db.session.commit()

    loggers = [officers[n] for n, _, role, _ in DEMO_OFFICERS if role == "officer"]
    revive_ids = _send(_build(revive, loggers, REVIVE_TOTALS, launch, today + timedelta(days=1), rng))
    _send(_build(baseline, loggers, BASELINE_TOTALS, baseline.starts_on, launch, rng))
    _send(_build(earlier, loggers, WELLINGBOROUGH_TOTALS, earlier.starts_on, baseline.starts_on, rng))

    # Older entries have been reviewed; two were sent back for correction.
    sergeants = {o.team: o for o in officers.values() if o.role == "sergeant"}
    records = sorted((get_record(uuid.UUID(i)) for i in revive_ids), key=lambda r: r.occurred_at)
    for record in records[: int(len(records) * 0.7)]:
        set_status(record, ref.Status.VERIFIED, sergeants[record.officer.team].id, "verify", None)
    for record in records[-6:-4]:
        set_status(record, ref.Status.RETURNED, sergeants[record.officer.team].id, "return",
                   "Please add the place and check the time.")
    db.session.commit()
    click.echo(f"Loaded Operation Revive (launched {launch.isoformat()}): "
               + ", ".join(f"{n} {ref.KIND_PLURAL[k]}" for k, n in REVIVE_TOTALS.items()) + ".")
    click.echo("See the logins with: flask --app server demo-logins")


def _print_logins():
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for number, name, role, team in DEMO_OFFICERS:
        click.echo(f"  {number:<8} {role:<9} {name}{'  (' + team + ')' if team else ''}")


@click.command("demo-logins")
@with_appcontext
def demo_logins():
    """Print the demo logins."""
    _print_logins()
