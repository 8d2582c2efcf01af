"""Payloads as a phone sends them, and the same entries as ready-made table rows for the raw ceilings."""
from __future__ import annotations

import random
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import Table

AREAS = ("NN1", "NN2", "NN3", "NN5")  # the tally operation's target areas
KINDS = ("stop_search", "arrest", "safeguarding_referral", "intelligence_log")


def _common(kind, op_id, shift_id, at: datetime, rnd: random.Random) -> dict:
    return {"id": str(uuid.uuid4()), "kind": kind, "operation_id": op_id, "shift_id": shift_id,
            "occurred_at": at.isoformat(), "area": rnd.choice(("NN3", "NN5")),
            "latitude": round(52.2 + rnd.random() / 10, 5), "longitude": round(-0.9 + rnd.random() / 10, 5),
            "place": rnd.choice(("Lings Way", "Kings Heath", "Spencer estate", "Abington Street")),
            "notes": rnd.choice(("", "Seen near the shops.", "Follow-up with neighbourhood team."))}


def payload(kind: str, op_id: int, shift_id: str | None, at: datetime, rnd: random.Random) -> dict:
    data = _common(kind, op_id, shift_id, at, rnd)
    if kind == "stop_search":
        data.update(search_type="Person search", legislation="Misuse of Drugs Act 1971 (section 23)",
                    object_of_search="Controlled drugs", outcome="A no further action disposal",
                    outcome_linked_to_object_of_search=False, removal_of_more_than_outer_clothing=False,
                    gender=rnd.choice(("Male", "Female")), age_range=rnd.choice(("18-24", "25-34")),
                    self_defined_ethnicity="White - English/Welsh/Scottish/Northern Irish/British",
                    officer_defined_ethnicity="White")
    elif kind == "arrest":
        data.update(offence_category="possession_of_weapons", power_of_arrest="pace_s24",
                    linked_stop_search_id=None, custody_reference=f"CU/{rnd.randint(10000, 99999)}")
    elif kind == "safeguarding_referral":
        data.update(subject="child", concern_categories=["child_criminal_exploitation"],
                    agency="mash_childrens_social_care", risk_level=rnd.choice(("high", "medium")))
    else:
        data.update(source_evaluation="2", intelligence_assessment="B", handling_code="P",
                    topics=["drugs_supply"], how_obtained="anonymous_community_member",
                    intelligence_text="Moped riders circling the estate acting as lookouts for a supply line.")
    return data


def batches(n_batches: int, size: int, op_id: int, shift_id: str, seed: int) -> list[list[dict]]:
    """`n_batches` of `size` records: the four kinds in turn, times spread over the last shift."""
    rnd = random.Random(seed)
    now = datetime.now(timezone.utc)
    out = []
    for b in range(n_batches):
        batch = []
        for i in range(size):
            at = now - timedelta(hours=1, seconds=rnd.randint(0, 6 * 3600))
            batch.append(payload(KINDS[i % 4], op_id, shift_id, at, rnd))
        out.append(batch)
    return out


# ---- rows for the raw ceilings ----------------------------------------------------------

class RowWriter:
    """INSERT statements and DBAPI-ready rows for the app's own tables.

    Rows are built with the app's own loader (load_record + record_rows), then each value
    goes through the column type's bind processor for the dialect, exactly as SQLAlchemy
    would send it. None of that is timed: the ceiling is what the database takes.
    """

    def __init__(self, backend, app):
        from server.records.models import MODEL_BY_KIND, AuditEntry, Record
        self.backend = backend
        self.app = app
        with app.app_context():
            from server.core.db import db
            self.dialect = db.engine.dialect
        self.tables: dict[str, Table] = {"records": Record.__table__, "audit_entries": AuditEntry.__table__}
        for kind, model in MODEL_BY_KIND.items():
            self.tables[kind] = model.__table__
        self.columns: dict[str, list] = {}
        self.procs: dict[str, list] = {}
        for name, table in self.tables.items():
            cols = [c for c in table.columns if not (name == "audit_entries" and c.name == "id")]
            self.columns[name] = cols
            self.procs[name] = [c.type._cached_bind_processor(self.dialect) for c in cols]

    def insert_sql(self, name: str) -> str:
        table = self.tables[name]
        cols = self.columns[name]
        ph = self.backend.placeholder()
        return (f"INSERT INTO {table.name} ({', '.join(c.name for c in cols)}) "
                f"VALUES ({', '.join([ph] * len(cols))})")

    def copy_sql(self, name: str) -> str:
        table = self.tables[name]
        return f"COPY {table.name} ({', '.join(c.name for c in self.columns[name])}) FROM STDIN"

    def tuples(self, name: str, dicts: list[dict]) -> list[tuple]:
        cols, procs = self.columns[name], self.procs[name]
        out = []
        for d in dicts:
            out.append(tuple(p(d.get(c.name)) if p else d.get(c.name) for c, p in zip(cols, procs)))
        return out

    def batch_rows(self, payloads: list[dict], officer_id: int, device_id: str) -> dict[str, list[tuple]]:
        """{table: [row, ...]} for one sync batch, in insert order (records, kinds, audit)."""
        from server.core.db import utcnow
        from server.records.schemas import load_record
        from server.sync.service import author_team, record_rows
        now = utcnow()
        commons, details = [], defaultdict(list)
        with self.app.app_context():
            team = author_team(officer_id)
            for raw in payloads:
                data = load_record(raw)
                common, detail = record_rows(data, officer_id, device_id, now, team)
                commons.append(common)
                details[data["kind"]].append(detail)
        audits = [dict(at=now, actor_id=officer_id, record_id=c["id"], record_officer_id=officer_id,
                       action="create", version=1, changes=None, comment=None) for c in commons]
        out = {"records": self.tuples("records", commons)}
        for kind in KINDS:
            if details.get(kind):
                out[kind] = self.tuples(kind, details[kind])
        out["audit_entries"] = self.tuples("audit_entries", audits)
        return out

    def executemany(self, conn, rows: dict[str, list[tuple]]) -> None:
        self.backend.begin(conn)
        cur = conn.cursor()
        for name, tuples in rows.items():
            cur.executemany(self.insert_sql(name), tuples)
        conn.execute("COMMIT")

    def copy(self, conn, rows: dict[str, list[tuple]]) -> None:
        """PostgreSQL only: COPY FROM STDIN, one transaction per batch."""
        self.backend.begin(conn)
        cur = conn.cursor()
        for name, tuples in rows.items():
            with cur.copy(self.copy_sql(name)) as copy:
                for t in tuples:
                    copy.write_row(t)
        conn.execute("COMMIT")


# ---- a long history for the tally ---------------------------------------------------------

def tally_rows(writer: RowWriter, n: int, op_id: int, officer_ids: list[int], starts_on: date, seed: int,
               chunk: int = 50_000):
    """Yield chunks of `records` rows (DBAPI-ready) for one operation, spread over starts_on..today."""
    from sqlalchemy import select

    from server.auth.models import Officer
    from server.core.db import db, utcnow
    with writer.app.app_context():
        teams = dict(db.session.execute(select(Officer.id, Officer.team).where(Officer.id.in_(officer_ids))).all())
    rnd = random.Random(seed)
    days = (date.today() - starts_on).days
    now = utcnow()
    statuses = ("submitted",) * 5 + ("verified",) * 4 + ("voided",)
    produced = 0
    while produced < n:
        size = min(chunk, n - produced)
        dicts = []
        for _ in range(size):
            day = starts_on + timedelta(days=rnd.randrange(days))
            at = datetime(day.year, day.month, day.day, rnd.randrange(7, 22), rnd.randrange(60), tzinfo=timezone.utc)
            officer_id = officer_ids[rnd.randrange(len(officer_ids))]
            dicts.append({"id": uuid.uuid4(), "kind": KINDS[rnd.randrange(4)], "operation_id": op_id,
                          "officer_id": officer_id, "team": teams[officer_id], "shift_id": None,
                          "occurred_at": at, "occurred_on": day, "area": AREAS[rnd.randrange(len(AREAS))],
                          "latitude": None, "longitude": None, "place": None, "notes": "",
                          "status": statuses[rnd.randrange(len(statuses))], "version": 1, "received_at": now,
                          "updated_at": now, "device_id": "bench", "review_comment": None, "void_reason": None})
        produced += size
        yield writer.tuples("records", dicts)
