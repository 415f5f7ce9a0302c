-- account_counts (0009) spreads each group's count over 8 rows (shards) so that concurrent writers of one
-- establishment do not queue on one row lock, which each holds until its commit. The shard came from
-- the account's id: 8 concurrent creations still collided, and a creation holds its lock across its
-- Temporal call (measured: 40 % of the creating transactions' database time spent waiting for another
-- transaction's counter row, at 8 concurrent creations). Now each transaction takes a shard that no
-- other transaction holds (a transaction-level advisory lock, tried shard by shard from its
-- connection's own) and writes all its counts there; only when all 8 are held does it wait, as before.
-- Readers sum the shards: which shard holds a count never mattered.
CREATE FUNCTION account_counts_shard() RETURNS smallint AS $$
DECLARE
  own smallint := pg_backend_pid() & 7;
  s smallint;
BEGIN
  FOR i IN 0..7 LOOP
    s := (own + i) & 7;
    -- Re-entrant: the transaction's later statements find the shard it already holds.
    IF pg_try_advisory_xact_lock(hashtext('account_counts'), s) THEN
      RETURN s;
    END IF;
  END LOOP;
  RETURN own;
END;
$$ LANGUAGE plpgsql VOLATILE;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION account_counts_track() RETURNS trigger AS $$
DECLARE
  chosen smallint := account_counts_shard();
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO account_counts AS c (establishment_id, profile, status, expiry_month, shard, n)
      SELECT establishment_id, profile, status, date_trunc('month', expires_on)::date, chosen, count(*)
      FROM new_rows WHERE status <> 'deleted'
      GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (establishment_id, profile, status, expiry_month, shard) DO UPDATE SET n = c.n + excluded.n;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO account_counts AS c (establishment_id, profile, status, expiry_month, shard, n)
      SELECT establishment_id, profile, status, date_trunc('month', expires_on)::date, chosen, -count(*)
      FROM old_rows WHERE status <> 'deleted'
      GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (establishment_id, profile, status, expiry_month, shard) DO UPDATE SET n = c.n + excluded.n;
  ELSE
    INSERT INTO account_counts AS c (establishment_id, profile, status, expiry_month, shard, n)
      SELECT establishment_id, profile, status, date_trunc('month', expires_on)::date, chosen, sum(d)
      FROM (
        SELECT establishment_id, profile, status, expires_on, -1 AS d FROM old_rows WHERE status <> 'deleted'
        UNION ALL
        SELECT establishment_id, profile, status, expires_on, 1 AS d FROM new_rows WHERE status <> 'deleted'
      ) AS moves
      GROUP BY 1, 2, 3, 4 HAVING sum(d) <> 0 ORDER BY 1, 2, 3, 4
    ON CONFLICT (establishment_id, profile, status, expiry_month, shard) DO UPDATE SET n = c.n + excluded.n;
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
