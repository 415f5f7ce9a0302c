CREATE TYPE "public"."terms_document_type" AS ENUM('text', 'pdf');--> statement-breakpoint
CREATE TABLE "terms_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" varchar(32) NOT NULL,
	"title" text NOT NULL,
	"document_type" "terms_document_type" NOT NULL,
	"document_text" text,
	"document_pdf" "bytea",
	"document_sha256" text NOT NULL,
	"published_at" timestamp with time zone NOT NULL,
	"deadline_on" date NOT NULL,
	"reminder_days_before" integer[] NOT NULL,
	"previous_version" varchar(32),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "terms_versions_version_unique" UNIQUE("version")
);
--> statement-breakpoint
CREATE TABLE "establishment_terms" (
	"version_id" uuid NOT NULL,
	"establishment_id" uuid NOT NULL,
	"deadline_on" date NOT NULL,
	"accepted_at" timestamp with time zone,
	"accepted_by_account_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "establishment_terms_version_id_establishment_id_pk" PRIMARY KEY("version_id","establishment_id")
);
--> statement-breakpoint
ALTER TABLE "establishment_terms" ADD CONSTRAINT "establishment_terms_version_id_terms_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."terms_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "establishment_terms" ADD CONSTRAINT "establishment_terms_establishment_id_establishments_id_fk" FOREIGN KEY ("establishment_id") REFERENCES "public"."establishments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "establishment_terms" ADD CONSTRAINT "establishment_terms_accepted_by_account_id_accounts_id_fk" FOREIGN KEY ("accepted_by_account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "establishment_terms_establishment_id_index" ON "establishment_terms" USING btree ("establishment_id");
--> statement-breakpoint
-- A published version of the terms of use never changes: what an admin accepted stays what they read.
CREATE FUNCTION terms_versions_immutable() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'terms_versions are immutable once published (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER terms_versions_no_update_delete
  BEFORE UPDATE OR DELETE ON terms_versions
  FOR EACH ROW EXECUTE FUNCTION terms_versions_immutable();
--> statement-breakpoint
CREATE TRIGGER terms_versions_no_truncate
  BEFORE TRUNCATE ON terms_versions
  FOR EACH STATEMENT EXECUTE FUNCTION terms_versions_immutable();
