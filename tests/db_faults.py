"""Ways to make a real database misbehave on cue, for the fault-matrix tests.

- :func:`sqlite_write_lock`: another process holds a write transaction on the SQLite file;
- :func:`pg_holding`: a transaction of the test's own holds PostgreSQL locks;
- :func:`pg_blocked`: the backends waiting for a lock that transaction holds (to terminate one,
  or to know the process under test is parked exactly there).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa


@contextmanager
def sqlite_write_lock(url: str) -> Iterator[None]:
    """Another process holding a write transaction on the file (as a backup tool or a second
    Förderradar could), until the block ends."""
    path = sa.engine.make_url(url).database
    code = (
        "import sqlite3, sys\n"
        "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "conn.execute('BEGIN IMMEDIATE')\n"
        "print('locked', flush=True)\n"
        "sys.stdin.readline()\n"
        "conn.execute('ROLLBACK')\n"
    )
    locker = subprocess.Popen(
        [sys.executable, "-c", code, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert locker.stdout is not None and locker.stdin is not None
    try:
        assert locker.stdout.readline().strip() == "locked"
        yield
    finally:
        locker.stdin.write("\n")
        locker.stdin.flush()
        locker.wait(timeout=10)


@contextmanager
def pg_holding(url: str, *statements: str) -> Iterator[sa.Connection]:
    """A transaction of the test's own that holds the locks ``statements`` take, until the block ends
    (then rolled back)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            trans = conn.begin()
            for statement in statements:
                conn.execute(sa.text(statement))
            try:
                yield conn
            finally:
                trans.rollback()
    finally:
        engine.dispose()


def pg_blocked(conn: sa.Connection) -> list[int]:
    """Backends waiting for a lock held by ``conn``'s transaction."""
    conn.execute(sa.text("SELECT pg_stat_clear_snapshot()"))  # else one snapshot per transaction
    query = sa.text("SELECT pid FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))")
    return list(conn.execute(query).scalars())
