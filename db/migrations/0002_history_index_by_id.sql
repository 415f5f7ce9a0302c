-- The history is read newest first by insertion order (id) within one establishment.
DROP INDEX "audit_events_establishment_id_at_index";--> statement-breakpoint
CREATE INDEX "audit_events_establishment_id_id_index" ON "audit_events" USING btree ("establishment_id","id");