-- Nothing created delegation rows before this lifecycle, so the new NOT NULL column needs no default.
CREATE TYPE "public"."delegation_end_reason" AS ENUM('ended_by_central', 'ended_by_delegating', 'attachment_removed', 'establishment_closed');--> statement-breakpoint
ALTER TYPE "public"."delegation_status" ADD VALUE 'lapsed';--> statement-breakpoint
ALTER TABLE "delegations" ADD COLUMN "workflow_id" text NOT NULL;--> statement-breakpoint
ALTER TABLE "delegations" ADD COLUMN "requested_by_account_id" uuid;--> statement-breakpoint
ALTER TABLE "delegations" ADD COLUMN "lapses_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "delegations" ADD COLUMN "reminder_sent_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "delegations" ADD COLUMN "decided_by_account_id" uuid;--> statement-breakpoint
ALTER TABLE "delegations" ADD COLUMN "ended_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "delegations" ADD COLUMN "ended_by_account_id" uuid;--> statement-breakpoint
ALTER TABLE "delegations" ADD COLUMN "end_reason" "delegation_end_reason";--> statement-breakpoint
CREATE UNIQUE INDEX "delegations_one_living_per_pair" ON "delegations" USING btree ("central_establishment_id","delegating_establishment_id") WHERE "delegations"."status" in ('requested', 'accepted');