-- How many postings each word has (db/schema/search-words.ts accountWordCounts): a search's total when
-- one dictionary word matches (« ressources », 12,950 accounts at 100,000) is read from a few rows
-- instead of an index scan of its postings, and the rarest of several query words is known without
-- counting (db/queries/search-matches.ts). Kept by the postings' row trigger (migrations
-- search_word_postings, postings_in_list_order), which fires only when an account's words, its
-- establishment or its being deleted change, in the shard its transaction holds for account_counts
-- (account_counts_shard(), migration counter_shard_per_transaction), words in order. Writers of
-- accounts wait until this commits (~0.5 s at 100,000 accounts): the counts are taken from the postings
-- as they are.
LOCK TABLE "accounts" IN SHARE MODE;--> statement-breakpoint
CREATE TABLE "account_word_counts" (
	"establishment_id" uuid NOT NULL,
	"word" text COLLATE "C" NOT NULL,
	"shard" smallint NOT NULL,
	"n" integer NOT NULL,
	CONSTRAINT "account_word_counts_establishment_id_word_shard_pk" PRIMARY KEY("establishment_id","word","shard")
);
--> statement-breakpoint
-- As in postings_in_list_order, with each posting removed or added counted.
CREATE OR REPLACE FUNCTION account_words_track() RETURNS trigger AS $$
DECLARE
  chosen smallint := account_counts_shard();
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.status <> 'deleted' THEN
    DELETE FROM account_words
      WHERE establishment_id = OLD.establishment_id AND word = ANY (string_to_array(OLD.search_text, ' '))
        AND search_text = OLD.search_text AND account_id = OLD.id;
    INSERT INTO account_word_counts AS c (establishment_id, word, shard, n)
      SELECT DISTINCT OLD.establishment_id, w, chosen, -1 FROM unnest(string_to_array(OLD.search_text, ' ')) AS w WHERE w <> '' ORDER BY 2
    ON CONFLICT (establishment_id, word, shard) DO UPDATE SET n = c.n + excluded.n;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.status <> 'deleted' THEN
    INSERT INTO search_words (establishment_id, word)
      SELECT DISTINCT NEW.establishment_id, w FROM unnest(string_to_array(NEW.search_text, ' ')) AS w WHERE w <> '' ORDER BY 2
    ON CONFLICT DO NOTHING;
    INSERT INTO account_words (establishment_id, word, search_text, account_id)
      SELECT DISTINCT NEW.establishment_id, w, NEW.search_text, NEW.id FROM unnest(string_to_array(NEW.search_text, ' ')) AS w WHERE w <> '';
    INSERT INTO account_word_counts AS c (establishment_id, word, shard, n)
      SELECT DISTINCT NEW.establishment_id, w, chosen, 1 FROM unnest(string_to_array(NEW.search_text, ' ')) AS w WHERE w <> '' ORDER BY 2
    ON CONFLICT (establishment_id, word, shard) DO UPDATE SET n = c.n + excluded.n;
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
-- The postings that exist before this migration.
INSERT INTO account_word_counts (establishment_id, word, shard, n)
  SELECT establishment_id, word, 0, count(*) FROM account_words GROUP BY 1, 2;
