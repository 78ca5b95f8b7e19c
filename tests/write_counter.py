"""Count every row written to some tables, with triggers (SQLite and PostgreSQL).

"A repeat crawl writes nothing" is a claim about the database, so tests count at the database:
every INSERT, UPDATE and DELETE, even one that rewrites a row with equal values.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from foerderradar.storage import Store


class WriteCounter:
    def __init__(self, store: Store, tables: Sequence[str]) -> None:
        self.store = store
        postgres = store.engine.dialect.name == "postgresql"
        with store.engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE test_writes (tbl VARCHAR(32) PRIMARY KEY, n INTEGER NOT NULL)"))
            if postgres:
                conn.execute(sa.text(
                    "CREATE FUNCTION count_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    "UPDATE test_writes SET n = n + 1 WHERE tbl = TG_TABLE_NAME; RETURN NULL; END $$"
                ))
            for table in tables:
                conn.execute(sa.text("INSERT INTO test_writes VALUES (:t, 0)"), {"t": table})
                if postgres:
                    conn.execute(sa.text(
                        f"CREATE TRIGGER count_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
                        "FOR EACH ROW EXECUTE FUNCTION count_write()"
                    ))
                    continue
                for op in ("INSERT", "UPDATE", "DELETE"):
                    conn.execute(sa.text(
                        f"CREATE TRIGGER count_{table}_{op.lower()} AFTER {op} ON {table} "
                        f"BEGIN UPDATE test_writes SET n = n + 1 WHERE tbl = '{table}'; END"
                    ))

    def counts(self) -> dict[str, int]:
        with self.store.engine.connect() as conn:
            return {str(t): int(n) for t, n in conn.execute(sa.text("SELECT tbl, n FROM test_writes")).all()}
