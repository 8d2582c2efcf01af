"""The SQLite writer queue: how the app's writers take turns on a SQLite database, all of it here.

SQLite has one writer at a time. Every connection is a WriterQueueConnection (sqlite_engine_options,
given to the engine by config.py): a writer queues on a file lock shared by every worker and thread,
then takes SQLite's own lock at BEGIN IMMEDIATE (_on_begin). A write request does its reads first, in a
plain read transaction (read_phase): the session check opens one (start_reading, from the user loader)
and it ends before the view (end_reading_before_view) unless the view goes on with it
(@reads_before_writing). A small write made on the side of a request goes through write_apart.
init_writer_queue(app), called once by create_app, installs the hooks. On PostgreSQL all of this does
nothing: there every statement reads the latest committed data and writers do not queue for the database."""
from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from contextlib import contextmanager

from flask import Flask, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from .db import db
from .security import current_view, enforce_access_policy, view_mark

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# ---- connections: writers queue, then BEGIN IMMEDIATE ---------------------------------------

# A writer waits this long for the write lock (another writer, a backup, the sqlite3 shell), then
# fails with "database is locked", answered as a JSON 503 with Retry-After (core/errors.py): well
# under gunicorn's worker timeout (30 s), which would otherwise kill the worker mid-request.
DEFAULT_WRITE_WAIT_SECONDS = 10
DEFAULT_BUSY_MS = DEFAULT_WRITE_WAIT_SECONDS * 1000
PYTHON_DEFAULT_BUSY_MS = 5000  # sqlite3.connect(timeout=5.0)


def _on_connect(dbapi_conn, _record):
    if not isinstance(dbapi_conn, sqlite3.Connection):
        return
    # We issue BEGIN ourselves (_on_begin) so writers can take the lock up front.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    # Wait up to DEFAULT_BUSY_MS for the write lock, unless the engine was given its own
    # timeout (connect_args={"timeout": seconds}: SQLITE_WRITE_WAIT_SECONDS; Python's default is 5 s).
    if cur.execute("PRAGMA busy_timeout").fetchone()[0] == PYTHON_DEFAULT_BUSY_MS:
        cur.execute(f"PRAGMA busy_timeout={DEFAULT_BUSY_MS}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    if isinstance(dbapi_conn, WriterQueueConnection):
        # Checkpoints run after the writer lock is let go (WriterQueueConnection.commit).
        cur.execute("PRAGMA wal_autocheckpoint=0")
    cur.close()


# Rows written (by this process) between checkpoints: about SQLite's own 1,000 pages.
CHECKPOINT_EVERY_ROWS = 1000
_rows_since_checkpoint = 0


class WriterQueueConnection(sqlite3.Connection):
    """A SQLite connection whose writers queue on a file lock before BEGIN IMMEDIATE.

    SQLite's own wait for the write lock (busy_timeout) sleeps and retries: 1, 2, 5, 10 ...
    up to 100 ms at a time. Under a burst of phones syncing at once most of a request's time
    went in those sleeps (p99 1.4 s on 4 workers for a 1 ms write). Here every writer of the
    app (all workers, all threads: flock locks belong to an open file, not to a process) waits
    on an exclusive flock of `<database>-writer.lock` instead, which the kernel hands on the
    moment it is released, so the writers of the app take turns without sleeping. It is released
    as soon as the transaction ends (commit, rollback or close), and by the kernel if the process
    dies. Other programs (the sqlite3 shell, a backup) still meet busy_timeout, as before."""

    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        # The whole wait for the write lock (the queue, then SQLite's own lock) is bounded by this.
        self._write_wait = float(kwargs.get("timeout", DEFAULT_WRITE_WAIT_SECONDS))
        name = str(database)
        in_memory = name == ":memory:" or name == "" or "mode=memory" in name
        self._writer_lock_path = None if in_memory else name.removeprefix("file:").split("?", 1)[0] + "-writer.lock"
        self._writer_lock_fd: int | None = None
        self._writer_lock_held = False
        self._busy_shortened = False
        self._changes_seen = 0

    def queue_for_writing(self) -> None:
        if self._writer_lock_path is None or self._writer_lock_held:
            return
        if self._writer_lock_fd is None:
            self._writer_lock_fd = os.open(self._writer_lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        waited = self._wait_for_writer_lock()
        self._writer_lock_held = True
        if waited > 0.05:
            # What is left of the wait is what SQLite's lock may take (an outside program may hold it).
            left_ms = max(1, int((self._write_wait - waited) * 1000))
            self.execute(f"PRAGMA busy_timeout={left_ms}")
            self._busy_shortened = True

    def _wait_for_writer_lock(self) -> float:
        """Take the queue's flock within the write wait; seconds waited. A blocking flock cannot time
        out, so it is tried without blocking, sleeping a little longer each time (at most 5 ms: the
        next writer still starts within milliseconds of the last one's commit)."""
        started = time.monotonic()
        pause = 0.0005
        while True:
            try:
                fcntl.flock(self._writer_lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return time.monotonic() - started
            except BlockingIOError:
                pass
            waited = time.monotonic() - started
            if waited >= self._write_wait:
                raise sqlite3.OperationalError(
                    f"database is locked: waited {waited:.1f} s for the other writers")
            time.sleep(min(pause, self._write_wait - waited))
            pause = min(pause * 2, 0.005)

    def done_writing(self) -> None:
        if self._writer_lock_held:
            self._writer_lock_held = False
            fcntl.flock(self._writer_lock_fd, fcntl.LOCK_UN)
            if self._busy_shortened:
                self._busy_shortened = False
                try:
                    self.execute(f"PRAGMA busy_timeout={int(self._write_wait * 1000)}")
                except sqlite3.ProgrammingError:  # closing: nothing left to restore
                    pass

    def commit(self):
        wrote = self._writer_lock_held
        try:
            super().commit()
        finally:
            self.done_writing()
        if wrote:
            self._checkpoint_now_and_then()

    def _checkpoint_now_and_then(self) -> None:
        """Copy the write-ahead log into the database every so many commits, after the writer
        lock is released. SQLite's own automatic checkpoint runs inside the commit that fills
        the log, so here it ran with the lock held and every other writer queued behind its
        copying and fsync (the p99 of a one-record sync went from about 170 ms to 900 ms).
        PASSIVE: it never waits for readers or writers; what it cannot copy now, a later one will."""
        global _rows_since_checkpoint
        total = self.total_changes
        _rows_since_checkpoint += total - self._changes_seen
        self._changes_seen = total
        if _rows_since_checkpoint >= CHECKPOINT_EVERY_ROWS:
            _rows_since_checkpoint = 0
            self.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def rollback(self):
        try:
            super().rollback()
        finally:
            self.done_writing()

    def close(self):
        try:
            super().close()
        finally:
            self.done_writing()
            if self._writer_lock_fd is not None:
                os.close(self._writer_lock_fd)
                self._writer_lock_fd = None


def sqlite_engine_options(options: dict, write_wait_seconds: float = DEFAULT_WRITE_WAIT_SECONDS) -> dict:
    """Engine options for a SQLite database: connections that queue their writers (above), and
    wait for the write lock at most write_wait_seconds."""
    connect_args = dict(options.get("connect_args") or {})
    connect_args.setdefault("factory", WriterQueueConnection)
    connect_args.setdefault("timeout", write_wait_seconds)
    return dict(options, connect_args=connect_args)


# ---- requests: reads first, then the write lock ---------------------------------------------

def start_reading() -> None:
    """Open a read phase (see read_phase) that stays open until end_reading()."""
    if g.get("_sqlite_read_phase") or not (request.method in WRITE_METHODS
                                           and db.session.get_bind().dialect.name == "sqlite"):
        return
    if db.session().in_transaction():
        db.session.commit()  # whatever came before is written first; rarely anything
    g._sqlite_read_phase = True


def end_reading() -> None:
    if g.get("_sqlite_read_phase"):
        g._sqlite_read_phase = False
        db.session.rollback()  # only reads happened: end them, release the snapshot


@contextmanager
def read_phase():
    """Do a write request's reads before it takes the database's write lock.

    SQLite has one writer at a time, and a write request takes the lock at its first
    statement (BEGIN IMMEDIATE, _on_begin). Wrapping a request's lookups and validation in
    read_phase() runs them in a plain read transaction, ended on the way out, so the
    lock is held only for the writing that follows. The rows read must be plain values,
    not ORM objects to be changed later (the read transaction's end expires those).
    Elsewhere (PostgreSQL, reads, no request) this does nothing: there every statement
    already reads the latest committed data and writers do not queue for the database."""
    if not has_request_context():
        yield
        return
    start_reading()
    try:
        yield
    finally:
        end_reading()


READS_FIRST = "_beatbook_reads_before_writing"


def reads_before_writing(view):
    """Mark a view that does its reads in read_phase() itself: the session check's read
    transaction is left open for it rather than ended before the view (one transaction
    fewer for a phone's sync). end_reading_before_view reads the mark."""
    setattr(view, READS_FIRST, True)
    return view


def _on_begin(conn):
    # A deferred transaction that reads and then writes can fail at once with
    # "database is locked" when another writer got there first; writers take
    # the write lock at BEGIN instead and wait their turn (WriterQueueConnection).
    writing = (conn.get_execution_options().get("beatbook_writer")
               or not has_request_context()
               or (request.method in WRITE_METHODS and not g.get("_sqlite_read_phase")))
    if not writing:
        conn.exec_driver_sql("BEGIN")
        return
    dbapi_conn = conn.connection.dbapi_connection
    queue = getattr(dbapi_conn, "queue_for_writing", None)
    if queue is not None:
        try:
            queue()
        except sqlite3.OperationalError as exc:  # waited too long: as if SQLite had said so (503)
            raise OperationalError("BEGIN IMMEDIATE", None, exc) from exc
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        if queue is not None:
            dbapi_conn.done_writing()
        raise


def end_reading_before_view() -> None:
    """before_request, after the access policy (which checks the session): end the session check's
    read phase unless the view continues it (reads_before_writing)."""
    if g.get("_sqlite_read_phase") and not (request.endpoint and view_mark(current_view(), READS_FIRST)):
        end_reading()


def _in_sqlite_write_request() -> bool:
    return (has_request_context() and request.method in WRITE_METHODS
            and db.session.get_bind().dialect.name == "sqlite")


def write_apart(stmt) -> OperationalError | None:
    """Write `stmt` in a short transaction of its own, so a read request does not turn into a writer.
    But on SQLite a write request holds (or is about to take) the database's write lock for its own
    transaction, so a second connection would wait for that lock until the write wait ran out and fail
    with a 503: there the statement goes into the request's own transaction, ending its read phase, and
    is committed at once (nothing else has happened in it yet).
    Returns the error, the write not made, when the write lock is held elsewhere (a backup) past the
    write wait; in a write request on SQLite that error is raised instead, as for any writer."""
    if _in_sqlite_write_request():
        end_reading()
        db.session.execute(stmt)
        db.session.commit()
        return None
    try:
        # beatbook_writer: on SQLite, queue for the write lock like any writer (_on_begin)
        with db.engine.execution_options(beatbook_writer=True).begin() as conn:
            conn.execute(stmt)
    except OperationalError as exc:
        return exc
    return None


def init_writer_queue(app: Flask) -> None:
    """Install the queue on the app's SQLite engines, and end the read phase before each view:
    right after the access policy (init_security), which checks the session, the read phase's
    first reads; the body is then read, and the view run, outside it."""
    with app.app_context():
        engines = [e for e in db.engines.values() if e.dialect.name == "sqlite"]
    if not engines:
        return
    for engine in engines:
        event.listen(engine, "connect", _on_connect)
        event.listen(engine, "begin", _on_begin)
    hooks = app.before_request_funcs.setdefault(None, [])
    if enforce_access_policy not in hooks:
        raise RuntimeError("init_writer_queue needs init_security first: the read phase ends after the session check")
    hooks.insert(hooks.index(enforce_access_policy) + 1, end_reading_before_view)
