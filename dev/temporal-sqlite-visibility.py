"""The dev server's SQLite visibility store: partial indexes for the pre-allocated search attribute columns.

Usage: python3 dev/temporal-sqlite-visibility.py <the dev server's --db-filename>

Run by dev/temporal.ts once the dev server answers (its schema is then in the file). The same rule as
dev/temporal-visibility-indexes.sql for the cluster's PostgreSQL: Temporal's SQLite schema gives each
pre-allocated search attribute column (custom Bool01-03, Datetime01-03, Double01-03, Int01-03,
Keyword01-10; CHASM TemporalBool01 ... TemporalLowCardinalityKeyword01) an index over every row, so each
visibility write (a run's start, each upsert) maintains 35 indexes, nearly all for a NULL: the project
maps 9 attributes and a workflow carries a few. Each becomes partial, WHERE the column IS NOT NULL, under
its own name. A query on an attribute (`= x`, `> x`, ...) implies that, so it still uses its index; only
`IS NULL` on such a column, which the project never asks, no longer can. Temporal's other indexes stay as
they are (its servers query some of them `IS NULL`). Idempotent: a partial index is left as it is.

Python's own sqlite3 (the python3 that installs the CLI with pip, dev/tools.ts): Node 20 has no SQLite.
SQLite in WAL mode lets this second connection write beside the server's; it waits for the write lock.
"""

import re
import sqlite3
import sys

PRE_ALLOCATED = re.compile(r"^by_(temporal_)?(bool|datetime|double|int|keyword|low_cardinality_keyword)_[0-9]+$")


def main(db_file: str) -> int:
    connection = sqlite3.connect(db_file, timeout=30, isolation_level=None)
    try:
        indexes = connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'executions_visibility' AND sql IS NOT NULL"
        ).fetchall()
        if not indexes:
            raise SystemExit(f"{db_file}: no executions_visibility indexes (not a Temporal SQLite store?)")
        changed = 0
        connection.execute("BEGIN IMMEDIATE")
        for name, sql in indexes:
            if not PRE_ALLOCATED.match(name) or re.search(r"\bWHERE\b", sql, re.IGNORECASE):
                continue
            columns = [row[2] for row in connection.execute("SELECT * FROM pragma_index_info(?)", (name,))]
            if len(columns) < 2 or columns[0] != "namespace_id" or columns[1] is None:
                raise SystemExit(f"{db_file}: index {name} is not (namespace_id, <attribute>, ...): {sql}")
            connection.execute(f'DROP INDEX "{name}"')
            connection.execute(f'{sql} WHERE "{columns[1]}" IS NOT NULL')
            changed += 1
        connection.execute("COMMIT")
        print(changed)
        return 0
    finally:
        connection.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
