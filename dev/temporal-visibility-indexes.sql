-- Run on Temporal's visibility database (temporal_visibility) after each migration of its schema,
-- by `npm run cluster` (dev/cluster.ts) and docker-compose.yml (temporal-visibility-indexes).
--
-- Temporal's PostgreSQL visibility schema gives each of its 28 custom search attribute columns
-- (Bool01–03, Datetime01–03, Double01–03, Int01–03, Keyword01–10, Text01–03, KeywordList01–03) an
-- index over every row, so each visibility write (a run's start, its attribute updates, its close)
-- maintains all 28, most of them for a NULL: the project maps 9 of them, and a workflow sets few.
-- Each becomes partial, WHERE the column IS NOT NULL. A query on an attribute (`= x`, `> x`,
-- `@> x`, …) implies that, so it still uses its index; only `IS NULL` on a custom attribute, which
-- the project never asks, no longer can. The names stay, so Temporal's later migrations, which
-- drop or create indexes by name, find theirs. Idempotent: a partial index is left as it is.
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def, pg_get_indexdef(i.indexrelid, 2, false) AS col
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    WHERE i.indrelid = 'executions_visibility'::regclass
      AND i.indpred IS NULL
      AND c.relname ~ '^by_(bool|datetime|double|int|keyword|text|keyword_list)_[0-9]+$'
  LOOP
    EXECUTE format('DROP INDEX %I', r.name);
    EXECUTE r.def || format(' WHERE %I IS NOT NULL', r.col);
  END LOOP;
END $$;
