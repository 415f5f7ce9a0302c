CREATE TABLE "expiry_reminders" (
	"establishment_id" uuid NOT NULL,
	"expiry_month" varchar(7) NOT NULL,
	"recipient_account_id" uuid NOT NULL,
	"idempotency_key" text NOT NULL,
	"email_id" text,
	"sent_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "expiry_reminders_establishment_id_expiry_month_recipient_account_id_pk" PRIMARY KEY("establishment_id","expiry_month","recipient_account_id")
);
--> statement-breakpoint
ALTER TABLE "expiry_reminders" ADD CONSTRAINT "expiry_reminders_establishment_id_establishments_id_fk" FOREIGN KEY ("establishment_id") REFERENCES "public"."establishments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "expiry_reminders" ADD CONSTRAINT "expiry_reminders_recipient_account_id_accounts_id_fk" FOREIGN KEY ("recipient_account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "accounts_expires_on_index" ON "accounts" USING btree ("expires_on");