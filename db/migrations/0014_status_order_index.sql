-- A status group's page in list order (db/queries/accounts.ts, groupBy=status and the status filter):
-- the accounts of one stored status are a range of this index in name order, and the rest of the
-- displayed-status condition (expiry day, lockout end) is checked on the included columns, without
-- reading the accounts. Before it, the page walked the list's order index and read every account it
-- passed to learn its status (158 accounts for the first 26 pending ones at 100,000 accounts; a page
-- deep in a group read every account it skipped).
CREATE INDEX "accounts_status_order_idx" ON "accounts" USING btree ("establishment_id","status","search_text","id") INCLUDE ("expires_on","blocked_until") WHERE status <> 'deleted';
