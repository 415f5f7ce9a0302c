CREATE TYPE "public"."opposition_channel" AS ENUM('letter', 'email', 'phone', 'in_person');--> statement-breakpoint
ALTER TYPE "public"."admin_registration_status" ADD VALUE 'cancelled';--> statement-breakpoint
CREATE SEQUENCE "public"."admin_registration_ref_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
ALTER TABLE "admin_registrations" ADD COLUMN "reference" text;--> statement-breakpoint
ALTER TABLE "admin_registrations" ADD COLUMN "granted_by_account_id" uuid;--> statement-breakpoint
ALTER TABLE "admin_registrations" ADD COLUMN "granted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "admin_registrations" ADD COLUMN "letter_pdf" "bytea";--> statement-breakpoint
ALTER TABLE "admin_registrations" ADD COLUMN "letter_date" date;--> statement-breakpoint
ALTER TABLE "admin_registrations" ADD COLUMN "stated_deadline" date;--> statement-breakpoint
ALTER TABLE "admin_registrations" ADD COLUMN "letter_overdue_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "admin_registrations" ADD COLUMN "posted_on" date;--> statement-breakpoint
ALTER TABLE "admin_registrations" ADD COLUMN "opposition_deadline" date;--> statement-breakpoint
ALTER TABLE "admin_registrations" ADD COLUMN "opposition_requested_on" date;--> statement-breakpoint
ALTER TABLE "admin_registrations" ADD COLUMN "opposition_channel" "opposition_channel";--> statement-breakpoint
ALTER TABLE "admin_registrations" ADD COLUMN "opposition_reason" text;--> statement-breakpoint
ALTER TABLE "admin_registrations" ADD CONSTRAINT "admin_registrations_granted_by_account_id_accounts_id_fk" FOREIGN KEY ("granted_by_account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "admin_registrations_status_letter_date_index" ON "admin_registrations" USING btree ("status","letter_date");--> statement-breakpoint
ALTER TABLE "admin_registrations" ADD CONSTRAINT "admin_registrations_reference_unique" UNIQUE("reference");