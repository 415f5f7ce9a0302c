CREATE TABLE "account_words" (
	"establishment_id" uuid NOT NULL,
	"word" text NOT NULL,
	"account_id" uuid NOT NULL,
	CONSTRAINT "account_words_establishment_id_word_account_id_pk" PRIMARY KEY("establishment_id","word","account_id")
);
--> statement-breakpoint
CREATE TABLE "search_words" (
	"establishment_id" uuid NOT NULL,
	"word" text NOT NULL,
	CONSTRAINT "search_words_establishment_id_word_pk" PRIMARY KEY("establishment_id","word")
);
--> statement-breakpoint
CREATE INDEX "search_words_trgm_idx" ON "search_words" USING gin ("word" gin_trgm_ops);--> statement-breakpoint
-- A search counts its matches from these postings (db/queries/search-matches.ts) instead of rechecking
-- every matching account (13,000 of 100,000 for « ressources »). A query word never contains a space
-- (foldForSearch), so it is a substring of the search text exactly when it is a substring of one of
-- the text's space-separated words: the words containing it (search_words, trigrams), then their
-- postings. Row triggers, fired only by what changes the postings (an account's words, its
-- establishment, entering or leaving the deleted status): a login or a renewal costs nothing here.
-- Dictionary words are inserted in word order, so that two creations adding the same new words wait
-- for each other instead of deadlocking.
CREATE FUNCTION account_words_track() RETURNS trigger AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.status <> 'deleted' THEN
    DELETE FROM account_words
      WHERE establishment_id = OLD.establishment_id AND word = ANY (string_to_array(OLD.search_text, ' ')) AND account_id = OLD.id;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.status <> 'deleted' THEN
    INSERT INTO search_words (establishment_id, word)
      SELECT DISTINCT NEW.establishment_id, w FROM unnest(string_to_array(NEW.search_text, ' ')) AS w WHERE w <> '' ORDER BY 2
    ON CONFLICT DO NOTHING;
    INSERT INTO account_words (establishment_id, word, account_id)
      SELECT DISTINCT NEW.establishment_id, w, NEW.id FROM unnest(string_to_array(NEW.search_text, ' ')) AS w WHERE w <> '';
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER account_words_on_insert AFTER INSERT ON accounts FOR EACH ROW EXECUTE FUNCTION account_words_track();
--> statement-breakpoint
CREATE TRIGGER account_words_on_update AFTER UPDATE OF establishment_id, search_text, status ON accounts FOR EACH ROW
  WHEN (OLD.establishment_id IS DISTINCT FROM NEW.establishment_id OR OLD.search_text IS DISTINCT FROM NEW.search_text
        OR (OLD.status = 'deleted') IS DISTINCT FROM (NEW.status = 'deleted'))
  EXECUTE FUNCTION account_words_track();
--> statement-breakpoint
CREATE TRIGGER account_words_on_delete AFTER DELETE ON accounts FOR EACH ROW EXECUTE FUNCTION account_words_track();
--> statement-breakpoint
-- The accounts that exist before this migration (after the triggers: creating them locks out writers
-- until the migration commits, so no account changes between the two).
INSERT INTO search_words (establishment_id, word)
  SELECT DISTINCT establishment_id, w FROM accounts, unnest(string_to_array(search_text, ' ')) AS w WHERE status <> 'deleted' AND w <> '';
--> statement-breakpoint
INSERT INTO account_words (establishment_id, word, account_id)
  SELECT DISTINCT establishment_id, w, id FROM accounts, unnest(string_to_array(search_text, ' ')) AS w WHERE status <> 'deleted' AND w <> '';
