-- Two filters whose page walked the list's order index (accounts_list_order_idx) and read the accounts it
-- passed to learn whether they match (db/queries/accounts.ts): « Bloqué » read ~1,300 accounts to find
-- 26 locked out, « Administrateur » ~1,200 for 26 admins, at 100,000 accounts. Each now has its own
-- partial index in list order, the size of its few percent of the accounts. The lockout index carries
-- what the rest of the displayed-status condition looks at (stored status, expiry day, lockout end), so
-- that its page is read off the index alone; an account keeps its lockout on record until its next
-- successful login, so the index also holds lockouts that are over, checked and passed in the index.
-- Each CREATE INDEX holds writers of accounts off while it builds (~0.1 s each at 100,000 accounts).
CREATE INDEX "accounts_lockout_order_idx" ON "accounts" USING btree ("establishment_id","search_text","id") INCLUDE ("status","expires_on","blocked_until") WHERE blocked_until is not null and status <> 'deleted';--> statement-breakpoint
CREATE INDEX "accounts_admin_order_idx" ON "accounts" USING btree ("establishment_id","search_text","id") WHERE profile = 'admin' and status <> 'deleted';
