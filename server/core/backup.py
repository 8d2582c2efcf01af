"""`flask --app server backup <path>` and `flask --app server restore <path>`.

SQLite: a consistent online copy through sqlite3's backup API (pages are
copied under the database's own locking, so writers may carry on; the copy is
one point in time), checked with PRAGMA integrity_check before it is kept.

PostgreSQL: pg_dump in its custom format (a consistent snapshot, taken online),
restored with pg_restore --clean. The commands are printed so they can be run
by hand or from cron on another host:

    PGPASSWORD=... pg_dump --format=custom --no-owner --file=beatbook.dump \
        --host=HOST --port=5432 --username=USER DBNAME
    PGPASSWORD=... pg_restore --clean --if-exists --no-owner --single-transaction \
        --host=HOST --port=5432 --username=USER --dbname=DBNAME beatbook.dump
"""
from __future__ import annotations

import os
import shlex
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy.engine import URL

from .db import db


def _sqlite_path(url: URL) -> str:
    if not url.database or url.database == ":memory:":
        raise click.ClickException("This SQLite database is in memory; there is no file to back up.")
    return url.database


def _check_sqlite_file(path: str) -> None:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        version = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise click.ClickException(f"{path} is not a Beatbook database: {exc}")
    finally:
        conn.close()
    if result != "ok":
        raise click.ClickException(f"{path} failed its integrity check: {result}")
    if version is None:
        raise click.ClickException(f"{path} has no schema version; not a Beatbook database.")


def _pg_args(url: URL) -> tuple[list[str], dict]:
    args = [f"--host={url.host or '127.0.0.1'}", f"--port={url.port or 5432}"]
    if url.username:
        args.append(f"--username={url.username}")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password  # never on the command line, where ps would show it
    return args, env


def _show(cmd: list[str], url: URL) -> str:
    prefix = "PGPASSWORD=*** " if url.password else ""
    return prefix + " ".join(shlex.quote(c) for c in cmd)


def _run(cmd: list[str], env: dict, url: URL, print_only: bool) -> None:
    click.echo(_show(cmd, url))
    if print_only:
        return
    if shutil.which(cmd[0]) is None:
        raise click.ClickException(f"{cmd[0]} is not installed here; run the command above where it is.")
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise click.ClickException(f"{cmd[0]} failed: {done.stderr.strip()}")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@click.option("--print-only", is_flag=True, help="PostgreSQL: only print the pg_dump command.")
@with_appcontext
def backup(path: str, print_only: bool) -> None:
    """Take a consistent online backup of the database into PATH."""
    url = db.engine.url
    target = Path(path).resolve()
    if url.get_backend_name() == "sqlite":
        source = _sqlite_path(url)
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        src = sqlite3.connect(source, timeout=30)
        dst = sqlite3.connect(partial)
        try:
            with dst:
                # One step under one read transaction: a single point in time. In WAL mode
                # writers carry on meanwhile (a stepped copy would restart on every write).
                src.backup(dst)
        finally:
            dst.close()
            src.close()
        _check_sqlite_file(str(partial))
        os.replace(partial, target)  # never a half-written file under the real name
        click.echo(f"Backed up {source} to {target}.")
    elif url.get_backend_name() == "postgresql":
        args, env = _pg_args(url)
        cmd = ["pg_dump", "--format=custom", "--no-owner", f"--file={target}", *args, url.database]
        _run(cmd, env, url, print_only)
        if not print_only:
            click.echo(f"Backed up PostgreSQL database {url.database} to {target}.")
    else:  # pragma: no cover
        raise click.ClickException(f"No backup method for {url.get_backend_name()}.")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Replace the current data without asking.")
@click.option("--print-only", is_flag=True, help="PostgreSQL: only print the pg_restore command.")
@with_appcontext
def restore(path: str, yes: bool, print_only: bool) -> None:
    """Replace the database's contents with the backup in PATH (stop the app first)."""
    url = db.engine.url
    if not (yes or print_only):
        click.confirm(f"Replace everything in {url.database} with {path}?", abort=True)
    db.session.remove()
    db.engine.dispose()  # no pooled connection holds on to the old contents
    if url.get_backend_name() == "sqlite":
        _check_sqlite_file(path)
        src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        dst = sqlite3.connect(_sqlite_path(url), timeout=30)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        click.echo(f"Restored {_sqlite_path(url)} from {path}.")
    elif url.get_backend_name() == "postgresql":
        args, env = _pg_args(url)
        cmd = ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", *args,
               f"--dbname={url.database}", str(Path(path).resolve())]
        _run(cmd, env, url, print_only)
        if not print_only:
            click.echo(f"Restored PostgreSQL database {url.database} from {path}.")
    else:  # pragma: no cover
        raise click.ClickException(f"No restore method for {url.get_backend_name()}.")
