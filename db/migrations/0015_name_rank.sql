-- The list's order key compares byte by byte (code point order) on every server: a prefix of it is
-- then one range of the list's order, which the name ranks below depend on, and the postings' copy
-- sorts as the accounts do. The embedded PostgreSQL's builtin C.UTF-8 already sorts so; a server with a
-- linguistic default collation (en_US, fr_FR, ICU) did not. The words of the postings and of the
-- dictionary too: they are compared with pieces of the search text (`word = ANY (string_to_array(
-- search_text, ' '))` in the postings' trigger), and a comparison between two collations cannot use
-- the primary key (48 ms per account deleted, against 0.1, measured on 100,000 accounts). Changing the
-- collation rebuilds the indexes on these columns (accounts_list_order_idx, accounts_status_order_idx,
-- the trigram indexes, the postings' and the dictionary's primary keys). A column in a trigger's WHEN
-- cannot change type: the postings' update trigger (migration search_word_postings) is dropped and
-- created again, unchanged.
DROP TRIGGER "account_words_on_update" ON "accounts";--> statement-breakpoint
ALTER TABLE "accounts" ALTER COLUMN "search_text" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "account_words" ALTER COLUMN "word" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "account_words" ALTER COLUMN "search_text" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "search_words" ALTER COLUMN "word" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
CREATE TRIGGER account_words_on_update AFTER UPDATE OF establishment_id, search_text, status ON accounts FOR EACH ROW
  WHEN (OLD.establishment_id IS DISTINCT FROM NEW.establishment_id OR OLD.search_text IS DISTINCT FROM NEW.search_text
        OR (OLD.status = 'deleted') IS DISTINCT FROM (NEW.status = 'deleted'))
  EXECUTE FUNCTION account_words_track();
--> statement-breakpoint
CREATE TABLE "account_name_counts" (
	"establishment_id" uuid NOT NULL,
	"prefix_length" smallint NOT NULL,
	"prefix" text COLLATE "C" NOT NULL,
	"shard" smallint NOT NULL,
	"n" integer NOT NULL,
	CONSTRAINT "account_name_counts_establishment_id_prefix_length_prefix_shard_pk" PRIMARY KEY("establishment_id","prefix_length","prefix","shard")
);
--> statement-breakpoint
-- account_name_counts follows every change of the accounts that moves one between prefixes (creation,
-- deletion for good, entering or leaving the deleted status, a new search text, another establishment),
-- in the same transaction: one grouped upsert per statement (transition tables), each account counted at
-- both prefix lengths (db/schema/account-name-counts.ts NAME_PREFIX_LENGTHS), in the shard the
-- transaction holds (account_counts_shard(), migration counter_shard_per_transaction). Every update
-- fires it (a trigger with transition tables cannot name its columns); one that moves no account between
-- prefixes (a login, a renewal) writes nothing.
CREATE FUNCTION account_name_counts_track() RETURNS trigger AS $$
DECLARE
  chosen smallint := account_counts_shard();
BEGIN
  -- A transition table exists only for the operations that have it: one upsert per operation.
  IF TG_OP = 'INSERT' THEN
    INSERT INTO account_name_counts AS c (establishment_id, prefix_length, prefix, shard, n)
      SELECT establishment_id, k, left(search_text, k), chosen, count(*)
      FROM new_rows CROSS JOIN (VALUES (2::smallint), (4::smallint)) AS lengths (k) WHERE status <> 'deleted'
      GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (establishment_id, prefix_length, prefix, shard) DO UPDATE SET n = c.n + excluded.n;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO account_name_counts AS c (establishment_id, prefix_length, prefix, shard, n)
      SELECT establishment_id, k, left(search_text, k), chosen, -count(*)
      FROM old_rows CROSS JOIN (VALUES (2::smallint), (4::smallint)) AS lengths (k) WHERE status <> 'deleted'
      GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (establishment_id, prefix_length, prefix, shard) DO UPDATE SET n = c.n + excluded.n;
  ELSE
    INSERT INTO account_name_counts AS c (establishment_id, prefix_length, prefix, shard, n)
      SELECT establishment_id, k, left(search_text, k), chosen, sum(d)
      FROM (
        SELECT establishment_id, search_text, -1 AS d FROM old_rows WHERE status <> 'deleted'
        UNION ALL
        SELECT establishment_id, search_text, 1 AS d FROM new_rows WHERE status <> 'deleted'
      ) AS moves CROSS JOIN (VALUES (2::smallint), (4::smallint)) AS lengths (k)
      GROUP BY 1, 2, 3 HAVING sum(d) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (establishment_id, prefix_length, prefix, shard) DO UPDATE SET n = c.n + excluded.n;
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER account_name_counts_on_insert AFTER INSERT ON accounts
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION account_name_counts_track();
--> statement-breakpoint
CREATE TRIGGER account_name_counts_on_update AFTER UPDATE ON accounts
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION account_name_counts_track();
--> statement-breakpoint
CREATE TRIGGER account_name_counts_on_delete AFTER DELETE ON accounts
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION account_name_counts_track();
--> statement-breakpoint
-- The accounts that exist before this migration (the ALTER TABLE above holds writers off until it commits).
INSERT INTO account_name_counts (establishment_id, prefix_length, prefix, shard, n)
  SELECT establishment_id, k, left(search_text, k), 0, count(*)
  FROM accounts CROSS JOIN (VALUES (2::smallint), (4::smallint)) AS lengths (k)
  WHERE status <> 'deleted'
  GROUP BY 1, 2, 3;
