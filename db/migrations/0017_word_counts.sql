-- How many postings each word has (db/schema/search-words.ts accountWordCounts): a search's total when
-- one dictionary word matches (« ressources », 12,950 accounts at 100,000) is read from a few rows
-- instead of an index scan of its postings, and the rarest of several query words is known without
-- counting (db/queries/search-matches.ts). Kept by statement-level triggers on the postings themselves
-- (which the postings' row trigger on accounts only ever inserts and deletes, one statement per account
-- and change): one grouped upsert per statement, in the shard the transaction holds for account_counts
-- (account_counts_shard(), migration counter_shard_per_transaction), words in order. Writers of
-- accounts, the postings' only writers, wait until this commits (~0.3 s at 100,000 accounts): the
-- counts are taken from the postings as they are.
LOCK TABLE "accounts" IN SHARE MODE;--> statement-breakpoint
CREATE TABLE "account_word_counts" (
	"establishment_id" uuid NOT NULL,
	"word" text COLLATE "C" NOT NULL,
	"shard" smallint NOT NULL,
	"n" integer NOT NULL,
	CONSTRAINT "account_word_counts_establishment_id_word_shard_pk" PRIMARY KEY("establishment_id","word","shard")
);
--> statement-breakpoint
CREATE FUNCTION account_word_counts_track() RETURNS trigger AS $$
DECLARE
  chosen smallint := account_counts_shard();
BEGIN
  -- A transition table exists only for the operation that declares it.
  IF TG_OP = 'INSERT' THEN
    INSERT INTO account_word_counts AS c (establishment_id, word, shard, n)
      SELECT establishment_id, word, chosen, count(*) FROM new_rows GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (establishment_id, word, shard) DO UPDATE SET n = c.n + excluded.n;
  ELSE
    INSERT INTO account_word_counts AS c (establishment_id, word, shard, n)
      SELECT establishment_id, word, chosen, -count(*) FROM old_rows GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (establishment_id, word, shard) DO UPDATE SET n = c.n + excluded.n;
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER account_word_counts_on_insert AFTER INSERT ON account_words
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION account_word_counts_track();
--> statement-breakpoint
CREATE TRIGGER account_word_counts_on_delete AFTER DELETE ON account_words
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION account_word_counts_track();
--> statement-breakpoint
-- The postings that exist before this migration.
INSERT INTO account_word_counts (establishment_id, word, shard, n)
  SELECT establishment_id, word, 0, count(*) FROM account_words GROUP BY 1, 2;
