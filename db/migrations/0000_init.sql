CREATE TYPE "public"."account_status" AS ENUM('pending_activation', 'active', 'deleted');--> statement-breakpoint
CREATE TYPE "public"."civility" AS ENUM('monsieur', 'madame');--> statement-breakpoint
CREATE TYPE "public"."profile" AS ENUM('admin', 'user');--> statement-breakpoint
CREATE TYPE "public"."right_level" AS ENUM('none', 'read', 'write');--> statement-breakpoint
CREATE TYPE "public"."token_purpose" AS ENUM('activation', 'password_reset');--> statement-breakpoint
CREATE TYPE "public"."actor_type" AS ENUM('account', 'operator', 'system', 'anonymous');--> statement-breakpoint
CREATE TYPE "public"."audit_outcome" AS ENUM('success', 'refused');--> statement-breakpoint
CREATE TYPE "public"."delegation_status" AS ENUM('requested', 'accepted', 'refused', 'ended');--> statement-breakpoint
CREATE TYPE "public"."admin_registration_reason" AS ENUM('created', 'promoted');--> statement-breakpoint
CREATE TYPE "public"."admin_registration_status" AS ENUM('pending', 'letter_sent', 'confirmed', 'opposed');--> statement-breakpoint
CREATE SEQUENCE "public"."login_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 999999 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "establishments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"siret" varchar(14) NOT NULL,
	"name" text NOT NULL,
	"legal_rep_civility" "civility" NOT NULL,
	"legal_rep_last_name" text NOT NULL,
	"legal_rep_first_name" text NOT NULL,
	"legal_rep_title" text NOT NULL,
	"legal_rep_address" text[] NOT NULL,
	"central_establishment_id" uuid,
	"default_rights" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "establishments_siret_unique" UNIQUE("siret")
);
--> statement-breakpoint
CREATE TABLE "services" (
	"code" varchar(64) PRIMARY KEY NOT NULL,
	"theme_code" varchar(64) NOT NULL,
	"label" text NOT NULL,
	"position" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "themes" (
	"code" varchar(64) PRIMARY KEY NOT NULL,
	"label" text NOT NULL,
	"position" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "account_rights" (
	"account_id" uuid NOT NULL,
	"service_code" varchar(64) NOT NULL,
	"level" "right_level" NOT NULL,
	CONSTRAINT "account_rights_account_id_service_code_pk" PRIMARY KEY("account_id","service_code")
);
--> statement-breakpoint
CREATE TABLE "accounts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"establishment_id" uuid NOT NULL,
	"login_id" varchar(9) NOT NULL,
	"profile" "profile" NOT NULL,
	"civility" "civility" NOT NULL,
	"last_name" text NOT NULL,
	"first_name" text NOT NULL,
	"email" text NOT NULL,
	"phone" text,
	"service_function" text,
	"professional_address" text[],
	"status" "account_status" NOT NULL,
	"expires_on" date NOT NULL,
	"password_hash" text,
	"password_changed_at" timestamp with time zone,
	"failed_login_count" integer DEFAULT 0 NOT NULL,
	"blocked_until" timestamp with time zone,
	"last_login_at" timestamp with time zone,
	"admin_since" timestamp with time zone,
	"activation_link_expires_at" timestamp with time zone,
	"search_text" text NOT NULL,
	"created_by_account_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone,
	CONSTRAINT "accounts_loginId_unique" UNIQUE("login_id")
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "sessions_tokenHash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "one_time_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"purpose" "token_purpose" NOT NULL,
	"token_hash" text NOT NULL,
	"workflow_id" text NOT NULL,
	"request_no" integer NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"staged_password_hash" text,
	"used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "one_time_tokens_tokenHash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"request_id" text,
	"actor_type" "actor_type" NOT NULL,
	"actor_account_id" uuid,
	"actor_label" text,
	"actor_establishment_id" uuid,
	"establishment_id" uuid,
	"target_account_id" uuid,
	"action" text NOT NULL,
	"outcome" "audit_outcome" NOT NULL,
	"before" jsonb,
	"after" jsonb,
	"detail" jsonb
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"actor_account_id" uuid NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"response_status" integer NOT NULL,
	"response_body" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_actor_account_id_key_pk" PRIMARY KEY("actor_account_id","key")
);
--> statement-breakpoint
CREATE TABLE "delegations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"central_establishment_id" uuid NOT NULL,
	"delegating_establishment_id" uuid NOT NULL,
	"status" "delegation_status" NOT NULL,
	"decided_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "admin_registrations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid NOT NULL,
	"establishment_id" uuid NOT NULL,
	"reason" "admin_registration_reason" NOT NULL,
	"status" "admin_registration_status" DEFAULT 'pending' NOT NULL,
	"workflow_id" text,
	"decided_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "establishments" ADD CONSTRAINT "establishments_central_establishment_id_establishments_id_fk" FOREIGN KEY ("central_establishment_id") REFERENCES "public"."establishments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "services" ADD CONSTRAINT "services_theme_code_themes_code_fk" FOREIGN KEY ("theme_code") REFERENCES "public"."themes"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_rights" ADD CONSTRAINT "account_rights_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_rights" ADD CONSTRAINT "account_rights_service_code_services_code_fk" FOREIGN KEY ("service_code") REFERENCES "public"."services"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_establishment_id_establishments_id_fk" FOREIGN KEY ("establishment_id") REFERENCES "public"."establishments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_created_by_account_id_accounts_id_fk" FOREIGN KEY ("created_by_account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "one_time_tokens" ADD CONSTRAINT "one_time_tokens_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "delegations" ADD CONSTRAINT "delegations_central_establishment_id_establishments_id_fk" FOREIGN KEY ("central_establishment_id") REFERENCES "public"."establishments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "delegations" ADD CONSTRAINT "delegations_delegating_establishment_id_establishments_id_fk" FOREIGN KEY ("delegating_establishment_id") REFERENCES "public"."establishments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "admin_registrations" ADD CONSTRAINT "admin_registrations_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "admin_registrations" ADD CONSTRAINT "admin_registrations_establishment_id_establishments_id_fk" FOREIGN KEY ("establishment_id") REFERENCES "public"."establishments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "accounts_establishment_id_status_index" ON "accounts" USING btree ("establishment_id","status");--> statement-breakpoint
CREATE INDEX "accounts_email_index" ON "accounts" USING btree ("email");--> statement-breakpoint
CREATE INDEX "sessions_account_id_index" ON "sessions" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "one_time_tokens_account_id_purpose_index" ON "one_time_tokens" USING btree ("account_id","purpose");--> statement-breakpoint
CREATE INDEX "audit_events_establishment_id_at_index" ON "audit_events" USING btree ("establishment_id","at");--> statement-breakpoint
CREATE INDEX "audit_events_target_account_id_index" ON "audit_events" USING btree ("target_account_id");--> statement-breakpoint
CREATE INDEX "audit_events_actor_account_id_index" ON "audit_events" USING btree ("actor_account_id");--> statement-breakpoint
CREATE INDEX "delegations_central_establishment_id_status_index" ON "delegations" USING btree ("central_establishment_id","status");--> statement-breakpoint
CREATE INDEX "delegations_delegating_establishment_id_status_index" ON "delegations" USING btree ("delegating_establishment_id","status");--> statement-breakpoint
CREATE INDEX "admin_registrations_establishment_id_index" ON "admin_registrations" USING btree ("establishment_id");--> statement-breakpoint
CREATE INDEX "admin_registrations_account_id_index" ON "admin_registrations" USING btree ("account_id");