ALTER TABLE "accounts" ADD COLUMN "terms_acceptable_from" date;--> statement-breakpoint
-- Admins registered before this column: their 8-day delay counts from adminSince too (Paris days).
UPDATE "accounts" SET "terms_acceptable_from" = (("admin_since" AT TIME ZONE 'Europe/Paris')::date + 8) WHERE "admin_since" IS NOT NULL;
