"""The count tables' triggers, for PostgreSQL and SQLite, generated from one spec per table.

A count table holds one row per key and in `n` how many rows of its source have that key; triggers
on the source keep it exact in the same statement as every change. PostgreSQL: statement-level
triggers with transition tables, so a batch of 500 records is one upsert sorted by key (locks taken
in key order: concurrent batches cannot deadlock on it). SQLite (one writer at a time): row-level
triggers.

Two kinds of table:
- `RecordCounts`: kept from `records`, keyed by record columns (revisions 0002, 0003, 0006);
- `WeekCounts`: kept from a day-count table, the same counts summed by ISO week labelled by its
  Monday (0004). Its triggers are on the day counts, so every path that changes them (a record
  changing, an officer changing team) changes the week counts too.

A migration imports the specs and statements it needs from here (never another revision's file).
The statements a released revision runs must never change: tests/test_migrations.py compares what
each revision builds with what it built when released.
"""
from __future__ import annotations

from dataclasses import dataclass

DIALECTS = ("postgresql", "sqlite")


@dataclass(frozen=True)
class RecordCounts:
    table: str
    trigger: str  # its triggers on `records` are named trigger_insert, trigger_update, trigger_delete
    key: tuple[str, ...]  # read from `records` by the same names
    required: str | None = None  # a record without this column is not counted
    # The key's `team` is the author's current team (officers.team), not a column of `records`:
    # an officer changing team moves their records' counts (the form 0003 built, 0006 replaced).
    team_of_author: bool = False

    @property
    def depends_on(self) -> tuple[str, ...]:
        """The record columns whose change moves a record from one count to another."""
        return tuple("officer_id" if self.team_of_author and c == "team" else c for c in self.key)


@dataclass(frozen=True)
class WeekCounts:
    day: str  # the day-count table it is kept from
    week: str
    head: tuple[str, ...]  # key columns before the day (the week)
    tail: tuple[str, ...]  # key columns after it

    @property
    def key(self) -> tuple[str, ...]:
        return (*self.head, "week", *self.tail)


DAY_COUNTS = RecordCounts("record_day_counts", "records_day_counts",
                          ("operation_id", "occurred_on", "kind", "area", "status"))
_TEAM_KEY = ("operation_id", "team", "occurred_on", "kind", "area", "status")
# Each record under its author's current team (0003 to 0005); officers without a team are not counted.
TEAM_DAY_COUNTS_BY_AUTHOR = RecordCounts("record_team_day_counts", "records_team_day_counts", _TEAM_KEY,
                                         required="team", team_of_author=True)
# Each record under the team it was logged under, `records.team` (0006 on).
TEAM_DAY_COUNTS = RecordCounts("record_team_day_counts", "records_team_day_counts", _TEAM_KEY, required="team")
WEEK_COUNTS = WeekCounts("record_day_counts", "record_week_counts", ("operation_id",), ("kind", "area", "status"))
TEAM_WEEK_COUNTS = WeekCounts("record_team_day_counts", "record_team_week_counts", ("operation_id", "team"),
                              ("kind", "area", "status"))


def _check(dialect: str, spec) -> None:
    if dialect not in DIALECTS:
        name = spec.week if isinstance(spec, WeekCounts) else spec.table
        raise RuntimeError(f"{name} triggers are written for PostgreSQL and SQLite, not {dialect}")


def create_statements(spec: RecordCounts | WeekCounts, dialect: str) -> list[str]:
    """The functions (PostgreSQL) and triggers that keep `spec`'s table exact."""
    _check(dialect, spec)
    if isinstance(spec, WeekCounts):
        return _pg_week_statements(spec) if dialect == "postgresql" else _sqlite_week_statements(spec)
    return _pg_record_statements(spec) if dialect == "postgresql" else _sqlite_record_statements(spec)


def drop_statements(spec: RecordCounts | WeekCounts, dialect: str) -> list[str]:
    """Drop what `create_statements` creates (whichever form of it is there)."""
    _check(dialect, spec)
    pg = dialect == "postgresql"
    if isinstance(spec, WeekCounts):
        on = f" ON {spec.day}" if pg else ""
        statements = [f"DROP TRIGGER IF EXISTS {spec.day}_week_{name}{on}"
                      for name in ("insert", "update", "rekey", "delete")]
        functions = [f"{spec.week}_on_{name}" for name in ("insert", "update", "delete")]
    else:
        statements = [f"DROP TRIGGER IF EXISTS {spec.trigger}_{name}" + (" ON records" if pg else "")
                      for name in ("insert", "update", "delete")]
        functions = [f"{spec.table}_on_{name}" for name in ("insert", "update", "delete")]
        if "team" in spec.key:  # the officers' trigger of the by-author form, if there
            statements.append("DROP TRIGGER IF EXISTS officers_team_day_counts" + (" ON officers" if pg else ""))
            functions.append(f"{spec.table}_on_team_change")
    return statements + ([f"DROP FUNCTION IF EXISTS {name}()" for name in functions] if pg else [])


def fill_statement(spec: RecordCounts | WeekCounts, dialect: str) -> str:
    """Counts for the rows already there (run on an empty table, before its triggers exist)."""
    _check(dialect, spec)
    if isinstance(spec, WeekCounts):
        wkey = ", ".join(spec.key)
        week_of = _pg_week("occurred_on") if dialect == "postgresql" else _sqlite_week("occurred_on")
        select_key = ", ".join((*spec.head, week_of, *spec.tail))
        return (f"INSERT INTO {spec.week} ({wkey}, n) SELECT {select_key}, sum(n) FROM {spec.day} "
                f"GROUP BY {select_key}")
    cols = ", ".join(spec.key)
    if spec.team_of_author:
        rkey = _author_key(spec, "r", "o")
        return (f"INSERT INTO {spec.table} ({cols}, n) SELECT {rkey}, count(*) FROM records r "
                f"JOIN officers o ON o.id = r.officer_id WHERE o.team IS NOT NULL GROUP BY {rkey}")
    where = f" WHERE {spec.required} IS NOT NULL" if spec.required else ""
    return f"INSERT INTO {spec.table} ({cols}, n) SELECT {cols}, count(*) FROM records{where} GROUP BY {cols}"


# --- counts kept from records ---------------------------------------------------------------------

def _author_key(spec: RecordCounts, rows: str, officer: str) -> str:
    """The key read from `rows` with the team from the author's officer row."""
    return ", ".join(f"{officer}.team" if c == "team" else f"{rows}.{c}" for c in spec.key)


# PostgreSQL, by-author form: the authors' officer rows are locked FOR SHARE (in id order) before
# their team is read. A team change (UPDATE officers, which needs the row) then waits for the batch
# to commit and its trigger sees the batch's records; a batch waits for an uncommitted team change
# and then reads the new team (each statement of a plpgsql function takes a new snapshot under READ
# COMMITTED). Without it, a batch and a team change at the same moment could leave the batch's
# records counted under the old team.
def _pg_lock_authors(*rows: str) -> str:
    return ("\n    PERFORM 1 FROM officers WHERE id IN (" + " UNION ".join(f"SELECT officer_id FROM {r}" for r in rows)
            + ") ORDER BY id FOR SHARE;")


def _pg_record_statements(spec: RecordCounts) -> list[str]:
    table, cols = spec.table, ", ".join(spec.key)
    of = lambda a: ", ".join(f"{a}.{c}" for c in spec.key)  # noqa: E731
    depends = lambda a: ", ".join(f"{a}.{c}" for c in spec.depends_on)  # noqa: E731
    changed = f"({depends('o')}) IS DISTINCT FROM ({depends('w')})"
    upsert = f"INSERT INTO {table} AS c ({cols}, n) "
    conflict = f" ON CONFLICT ({cols}) DO UPDATE SET n = c.n + EXCLUDED.n;"
    if spec.team_of_author:
        lock_new, lock_old, lock_both = (_pg_lock_authors("new_rows"), _pg_lock_authors("old_rows"),
                                         _pg_lock_authors("old_rows", "new_rows"))
        selected, counted = _author_key(spec, "r", "o"), "WHERE o.team IS NOT NULL "

        def source(rows):
            return f"{rows} r JOIN officers o ON o.id = r.officer_id"

        def side(a):  # a record's old (o) or new (w) key, and what it must have to be counted
            return (_author_key(spec, a, f"{a}t"), f" JOIN officers {a}t ON {a}t.id = {a}.officer_id",
                    f"{a}t.team IS NOT NULL AND ")
    else:
        lock_new = lock_old = lock_both = ""
        selected, counted = cols, f"WHERE {spec.required} IS NOT NULL " if spec.required else ""

        def source(rows):
            return rows

        def side(a):
            return of(a), "", f"{a}.{spec.required} IS NOT NULL AND " if spec.required else ""

    (old_key, old_join, old_counted), (new_key, new_join, new_counted) = side("o"), side("w")
    statements = [
        f"""
CREATE FUNCTION {table}_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{lock_new}
    {upsert}SELECT {selected}, count(*) FROM {source('new_rows')}
    {counted}GROUP BY {selected} ORDER BY {selected}{conflict}
    RETURN NULL;
END $$""",
        f"""
CREATE FUNCTION {table}_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{lock_both}
    {upsert}SELECT {cols}, sum(d) FROM (
        SELECT {old_key}, -1 AS d FROM old_rows o JOIN new_rows w ON w.id = o.id{old_join}
         WHERE {old_counted}{changed}
        UNION ALL
        SELECT {new_key}, 1 AS d FROM old_rows o JOIN new_rows w ON w.id = o.id{new_join}
         WHERE {new_counted}{changed}
    ) AS delta
    GROUP BY {cols} HAVING sum(d) <> 0 ORDER BY {cols}{conflict}
    RETURN NULL;
END $$""",
        f"""
CREATE FUNCTION {table}_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{lock_old}
    UPDATE {table} AS c SET n = c.n - d.cnt
      FROM (SELECT {selected}, count(*) AS cnt FROM {source('old_rows')} {counted}GROUP BY {selected}) AS d
     WHERE ({of('c')}) = ({of('d')});
    RETURN NULL;
END $$""",
    ]
    if spec.team_of_author:
        row = ", ".join(c for c in spec.key if c != "team")
        others = ", ".join(f"c.{c}" for c in spec.key if c != "team"), ", ".join(f"d.{c}" for c in spec.key
                                                                                 if c != "team")
        statements.append(f"""
CREATE FUNCTION {table}_on_team_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.team IS NOT NULL THEN
        UPDATE {table} AS c SET n = c.n - d.cnt
          FROM (SELECT {row}, count(*) AS cnt FROM records WHERE officer_id = OLD.id GROUP BY {row}) AS d
         WHERE c.team = OLD.team AND ({others[0]}) = ({others[1]});
    END IF;
    IF NEW.team IS NOT NULL THEN
        {upsert}SELECT {_author_key(spec, "records", "NEW").replace("records.", "")}, count(*) FROM records
         WHERE officer_id = NEW.id GROUP BY {row} ORDER BY {row}{conflict}
    END IF;
    RETURN NULL;
END $$""")
    statements += [
        f"CREATE TRIGGER {spec.trigger}_insert AFTER INSERT ON records REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_on_insert()",
        f"CREATE TRIGGER {spec.trigger}_update AFTER UPDATE ON records REFERENCING OLD TABLE AS old_rows "
        f"NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {table}_on_update()",
        f"CREATE TRIGGER {spec.trigger}_delete AFTER DELETE ON records REFERENCING OLD TABLE AS old_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_on_delete()",
    ]
    if spec.team_of_author:
        statements.append("CREATE TRIGGER officers_team_day_counts AFTER UPDATE OF team ON officers FOR EACH ROW "
                          f"WHEN (OLD.team IS DISTINCT FROM NEW.team) EXECUTE FUNCTION {table}_on_team_change()")
    return statements


def _sqlite_record_statements(spec: RecordCounts) -> list[str]:
    table, cols = spec.table, ", ".join(spec.key)
    conflict = f"ON CONFLICT ({cols}) DO UPDATE SET n = n + 1;"
    if spec.team_of_author:
        add = (f"INSERT INTO {table} ({cols}, n) SELECT {_author_key(spec, 'NEW', 'o')}, 1 "
               f"FROM officers o WHERE o.id = NEW.officer_id AND o.team IS NOT NULL {conflict}")
    elif spec.required:
        add = (f"INSERT INTO {table} ({cols}, n) SELECT {', '.join(f'NEW.{c}' for c in spec.key)}, 1 "
               f"WHERE NEW.{spec.required} IS NOT NULL {conflict}")
    else:
        add = f"INSERT INTO {table} ({cols}, n) VALUES ({', '.join(f'NEW.{c}' for c in spec.key)}, 1) {conflict}"
    # A record without the required column matches no row (NULL = NULL is not true).
    match = " AND ".join("team = (SELECT team FROM officers WHERE id = OLD.officer_id)"
                         if spec.team_of_author and c == "team" else f"{c} = OLD.{c}" for c in spec.key)
    remove = f"UPDATE {table} SET n = n - 1 WHERE {match};"
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in spec.depends_on)
    statements = [
        f"CREATE TRIGGER {spec.trigger}_insert AFTER INSERT ON records BEGIN {add} END",
        f"CREATE TRIGGER {spec.trigger}_update AFTER UPDATE OF {', '.join(spec.depends_on)} ON records "
        f"WHEN {changed} BEGIN {remove} {add} END",
        f"CREATE TRIGGER {spec.trigger}_delete AFTER DELETE ON records BEGIN {remove} END",
    ]
    if spec.team_of_author:
        row = ", ".join(c for c in spec.key if c != "team")
        move = lambda side, sign: (  # noqa: E731
            f"INSERT INTO {table} ({cols}, n) "
            f"SELECT {_author_key(spec, 'records', side).replace('records.', '')}, {sign}count(*) FROM records "
            f"WHERE officer_id = {side}.id AND {side}.team IS NOT NULL GROUP BY {row} "
            f"ON CONFLICT ({cols}) DO UPDATE SET n = n + excluded.n; ")
        # The old team's rows exist (they hold these records), so the negative upsert always updates.
        statements.append("CREATE TRIGGER officers_team_day_counts AFTER UPDATE OF team ON officers "
                          f"WHEN OLD.team IS NOT NEW.team BEGIN {move('OLD', '-')}{move('NEW', '')}END")
    return statements


# --- counts summed by week ------------------------------------------------------------------------

def _pg_week(col: str) -> str:
    return f"({col} - (extract(isodow FROM {col})::int - 1))"


def _sqlite_week(col: str) -> str:
    return f"date({col}, '-6 days', 'weekday 1')"


def _pg_week_statements(spec: WeekCounts) -> list[str]:
    day, week, head, tail = spec.day, spec.week, spec.head, spec.tail
    wkey = ", ".join(spec.key)
    cols = lambda a: ", ".join((*(f"{a}.{c}" for c in head), _pg_week(f"{a}.occurred_on"),  # noqa: E731
                                *(f"{a}.{c}" for c in tail)))
    upsert = f"INSERT INTO {week} AS c ({wkey}, n) "
    conflict = f" ON CONFLICT ({wkey}) DO UPDATE SET n = c.n + EXCLUDED.n;"
    return [
        f"""
CREATE FUNCTION {week}_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {upsert}SELECT {wkey}, sum(n) FROM (SELECT {cols('r')}, r.n FROM new_rows r) AS x ({wkey}, n)
    GROUP BY {wkey} HAVING sum(n) <> 0 ORDER BY {wkey}{conflict}
    RETURN NULL;
END $$""",
        f"""
CREATE FUNCTION {week}_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {upsert}SELECT {wkey}, sum(d) FROM (
        SELECT {cols('o')}, -o.n AS d FROM old_rows o
        UNION ALL
        SELECT {cols('w')}, w.n AS d FROM new_rows w
    ) AS delta ({wkey}, d)
    GROUP BY {wkey} HAVING sum(d) <> 0 ORDER BY {wkey}{conflict}
    RETURN NULL;
END $$""",
        f"""
CREATE FUNCTION {week}_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Only rows that exist: the day counts' rows are never deleted by the app, and a bulk
    -- clean-up that empties the week table first must not leave negative rows behind.
    UPDATE {week} AS c SET n = c.n - d.n
      FROM (SELECT {wkey}, sum(n) AS n FROM (SELECT {cols('r')}, r.n FROM old_rows r) AS x ({wkey}, n)
             GROUP BY {wkey}) AS d
     WHERE {" AND ".join(f"c.{k} = d.{k}" for k in spec.key)};
    RETURN NULL;
END $$""",
        f"CREATE TRIGGER {day}_week_insert AFTER INSERT ON {day} REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {week}_on_insert()",
        f"CREATE TRIGGER {day}_week_update AFTER UPDATE ON {day} REFERENCING OLD TABLE AS old_rows "
        f"NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {week}_on_update()",
        f"CREATE TRIGGER {day}_week_delete AFTER DELETE ON {day} REFERENCING OLD TABLE AS old_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {week}_on_delete()",
    ]


def _sqlite_week_statements(spec: WeekCounts) -> list[str]:
    day, week, head, tail = spec.day, spec.week, spec.head, spec.tail
    wkey = ", ".join(spec.key)
    values = lambda a: ", ".join((*(f"{a}.{c}" for c in head), _sqlite_week(f"{a}.occurred_on"),  # noqa: E731
                                  *(f"{a}.{c}" for c in tail)))
    match = lambda a: " AND ".join((*(f"{c} = {a}.{c}" for c in (*head, *tail)),  # noqa: E731
                                    f"week = {_sqlite_week(f'{a}.occurred_on')}"))
    add = (f"INSERT INTO {week} ({wkey}, n) VALUES ({values('NEW')}, NEW.n) "
           f"ON CONFLICT ({wkey}) DO UPDATE SET n = n + excluded.n;")
    same_key = " AND ".join(f"OLD.{c} IS NEW.{c}" for c in (*head, "occurred_on", *tail))
    return [
        f"CREATE TRIGGER {day}_week_insert AFTER INSERT ON {day} BEGIN {add} END",
        # The usual change: a count moves, its key stays; the week row exists (it holds the old count).
        f"CREATE TRIGGER {day}_week_update AFTER UPDATE ON {day} WHEN {same_key} AND OLD.n IS NOT NEW.n BEGIN "
        f"UPDATE {week} SET n = n + NEW.n - OLD.n WHERE {match('NEW')}; END",
        f"CREATE TRIGGER {day}_week_rekey AFTER UPDATE ON {day} WHEN NOT ({same_key}) BEGIN "
        f"UPDATE {week} SET n = n - OLD.n WHERE {match('OLD')}; {add} END",
        f"CREATE TRIGGER {day}_week_delete AFTER DELETE ON {day} BEGIN "
        f"UPDATE {week} SET n = n - OLD.n WHERE {match('OLD')}; END",
    ]
