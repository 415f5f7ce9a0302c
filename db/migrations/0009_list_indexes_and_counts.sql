-- Substring search on the folded column uses trigrams. pg_trgm ships with PostgreSQL's contrib (the embedded
-- PostgreSQL has it) and is a trusted extension on managed PostgreSQL (RDS, Azure, Scaleway, OVH: the database owner may create it).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
CREATE TABLE "account_counts" (
	"establishment_id" uuid NOT NULL,
	"profile" "profile" NOT NULL,
	"status" "account_status" NOT NULL,
	"expiry_month" date NOT NULL,
	"shard" smallint NOT NULL,
	"n" integer NOT NULL,
	CONSTRAINT "account_counts_establishment_id_profile_status_expiry_month_shard_pk" PRIMARY KEY("establishment_id","profile","status","expiry_month","shard")
);
--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "idempotency_key" text GENERATED ALWAYS AS ((detail ->> 'idempotencyKey')) STORED;--> statement-breakpoint
ALTER TABLE "account_counts" ADD CONSTRAINT "account_counts_establishment_id_establishments_id_fk" FOREIGN KEY ("establishment_id") REFERENCES "public"."establishments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "accounts_list_order_idx" ON "accounts" USING btree ("establishment_id","search_text","id") WHERE status <> 'deleted';--> statement-breakpoint
CREATE INDEX "accounts_search_trgm_idx" ON "accounts" USING gin ("search_text" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "accounts_blocked_idx" ON "accounts" USING btree ("establishment_id","blocked_until") WHERE blocked_until is not null;--> statement-breakpoint
CREATE INDEX "audit_events_idempotency_key_index" ON "audit_events" USING btree ("idempotency_key") WHERE idempotency_key is not null;--> statement-breakpoint
-- The clock-dependent part of the counts (accounts of the current month already expired) reads this
-- index only (it carries what the count needs).
CREATE INDEX "accounts_expiry_count_idx" ON "accounts" USING btree ("establishment_id","expires_on") INCLUDE ("profile","status","blocked_until") WHERE status <> 'deleted';
--> statement-breakpoint
-- account_counts follows every change of accounts, in the same transaction: one statement-level
-- trigger per operation (transition tables), so that a set-based UPDATE of 10,000 accounts costs one
-- grouped upsert, and an update that moves no account between counts (a login) writes nothing.
CREATE FUNCTION account_counts_track() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO account_counts AS c (establishment_id, profile, status, expiry_month, shard, n)
      SELECT establishment_id, profile, status, date_trunc('month', expires_on)::date, hashtext(id::text) & 7, count(*)
      FROM new_rows WHERE status <> 'deleted'
      GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (establishment_id, profile, status, expiry_month, shard) DO UPDATE SET n = c.n + excluded.n;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO account_counts AS c (establishment_id, profile, status, expiry_month, shard, n)
      SELECT establishment_id, profile, status, date_trunc('month', expires_on)::date, hashtext(id::text) & 7, -count(*)
      FROM old_rows WHERE status <> 'deleted'
      GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (establishment_id, profile, status, expiry_month, shard) DO UPDATE SET n = c.n + excluded.n;
  ELSE
    INSERT INTO account_counts AS c (establishment_id, profile, status, expiry_month, shard, n)
      SELECT establishment_id, profile, status, date_trunc('month', expires_on)::date, hashtext(id::text) & 7, sum(d)
      FROM (
        SELECT establishment_id, profile, status, expires_on, id, -1 AS d FROM old_rows WHERE status <> 'deleted'
        UNION ALL
        SELECT establishment_id, profile, status, expires_on, id, 1 AS d FROM new_rows WHERE status <> 'deleted'
      ) AS moves
      GROUP BY 1, 2, 3, 4, 5 HAVING sum(d) <> 0 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (establishment_id, profile, status, expiry_month, shard) DO UPDATE SET n = c.n + excluded.n;
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER account_counts_on_insert AFTER INSERT ON accounts
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION account_counts_track();
--> statement-breakpoint
CREATE TRIGGER account_counts_on_update AFTER UPDATE ON accounts
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION account_counts_track();
--> statement-breakpoint
CREATE TRIGGER account_counts_on_delete AFTER DELETE ON accounts
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION account_counts_track();
--> statement-breakpoint
-- The accounts that exist before this migration.
INSERT INTO account_counts (establishment_id, profile, status, expiry_month, shard, n)
  SELECT establishment_id, profile, status, date_trunc('month', expires_on)::date, hashtext(id::text) & 7, count(*)
  FROM accounts WHERE status <> 'deleted'
  GROUP BY 1, 2, 3, 4, 5;
