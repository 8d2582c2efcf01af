"""Fixtures for the fault tests: quick logins, and gunicorn whose output is read as it runs."""
from __future__ import annotations

import subprocess
import threading

import pytest

from tests.conftest import start_gunicorn
from tests.security.conftest import make_officer, quick_officer  # noqa: F401  (cheap password hashes)


class Server:
    def __init__(self, database_url: str, workers: int, extra_env: dict | None = None):
        self.proc, self.base = start_gunicorn(database_url, workers=workers, extra_env=extra_env)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for raw in self.proc.stdout:  # drained, so a chatty server never blocks on a full pipe
            self.lines.append(raw.decode(errors="replace"))

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def worker_pids(self) -> list[int]:
        """The master's children: the workers (ours, started by this test)."""
        pids = []
        import os
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:
                pids.append(int(entry))
        return sorted(pids)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        self._reader.join(timeout=5)


@pytest.fixture
def gunicorn(app, database_url):
    servers = []

    def start(workers=3, extra_env=None) -> Server:
        server = Server(database_url, workers, extra_env)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
