"""Row triggers that count every INSERT/UPDATE/DELETE of some tables (SQLite), for the crawl benches.

"Writes nothing" is a claim about the database, so the benches count there — even a write that
stores equal values counts.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from foerderradar.storage import Store


def install_write_counters(store: Store, tables: Sequence[str]) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE bench_writes (tbl TEXT PRIMARY KEY, n INTEGER NOT NULL)"))
        for table in tables:
            conn.execute(sa.text("INSERT INTO bench_writes VALUES (:t, 0)"), {"t": table})
            for op in ("INSERT", "UPDATE", "DELETE"):
                conn.execute(sa.text(
                    f"CREATE TRIGGER bench_{table}_{op.lower()} AFTER {op} ON {table} "
                    f"BEGIN UPDATE bench_writes SET n = n + 1 WHERE tbl = '{table}'; END"
                ))


def write_counts(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {str(t): int(n) for t, n in conn.execute(sa.text("SELECT tbl, n FROM bench_writes")).all()}
