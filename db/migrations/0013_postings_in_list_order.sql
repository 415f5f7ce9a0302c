-- Each posting carries its account's search text, the list's order key, so that a search reads its
-- page as a range of the primary key (word, search text, id) after a cursor (db/queries/search-matches.ts)
-- instead of walking the list's order index up to its first match. Writers wait until this commits:
-- the postings are rebuilt from the accounts as they are.
LOCK TABLE "accounts" IN SHARE MODE;--> statement-breakpoint
ALTER TABLE "account_words" DROP CONSTRAINT "account_words_establishment_id_word_account_id_pk";--> statement-breakpoint
TRUNCATE "account_words";--> statement-breakpoint
ALTER TABLE "account_words" ADD COLUMN "search_text" text NOT NULL;--> statement-breakpoint
-- As in search_word_postings, with the search text in the posting: its removal names the whole key.
CREATE OR REPLACE FUNCTION account_words_track() RETURNS trigger AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.status <> 'deleted' THEN
    DELETE FROM account_words
      WHERE establishment_id = OLD.establishment_id AND word = ANY (string_to_array(OLD.search_text, ' '))
        AND search_text = OLD.search_text AND account_id = OLD.id;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.status <> 'deleted' THEN
    INSERT INTO search_words (establishment_id, word)
      SELECT DISTINCT NEW.establishment_id, w FROM unnest(string_to_array(NEW.search_text, ' ')) AS w WHERE w <> '' ORDER BY 2
    ON CONFLICT DO NOTHING;
    INSERT INTO account_words (establishment_id, word, search_text, account_id)
      SELECT DISTINCT NEW.establishment_id, w, NEW.search_text, NEW.id FROM unnest(string_to_array(NEW.search_text, ' ')) AS w WHERE w <> '';
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
INSERT INTO account_words (establishment_id, word, search_text, account_id)
  SELECT DISTINCT establishment_id, w, search_text, id FROM accounts, unnest(string_to_array(search_text, ' ')) AS w WHERE status <> 'deleted' AND w <> '';
--> statement-breakpoint
-- Built once over the rebuilt rows rather than maintained row by row during the backfill.
ALTER TABLE "account_words" ADD CONSTRAINT "account_words_establishment_id_word_search_text_account_id_pk" PRIMARY KEY("establishment_id","word","search_text","account_id");
