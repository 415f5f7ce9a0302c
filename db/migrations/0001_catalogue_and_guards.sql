-- The history is append-only: nobody, not even the application, rewrites it.
CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER audit_events_no_update_delete
  BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_events_no_truncate
  BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
--> statement-breakpoint
-- Service catalogue named by the user guides (version March 2024). Add services with a new migration.
INSERT INTO themes (code, label, position) VALUES
  ('carriere', 'Carrière', 1),
  ('droits-a-pension', 'Droits à pension', 2),
  ('cotisations', 'Cotisations', 3);
--> statement-breakpoint
INSERT INTO services (code, theme_code, label, position) VALUES
  ('affiliation-cnracl', 'carriere', 'Affiliation CNRACL', 1),
  ('caracteristiques-agents', 'carriere', 'Caractéristiques de vos agents', 2),
  ('comptes-individuels-cnracl', 'carriere', 'Comptes individuels retraite CNRACL', 3),
  ('comptes-individuels-ircantec', 'carriere', 'Comptes individuels retraite Ircantec', 4),
  ('anomalies-carriere-cnracl', 'carriere', 'Gestion des anomalies carrière CNRACL', 5),
  ('mutation-masse-partielle-cnracl', 'carriere', 'Mutation de masse partielle CNRACL', 6),
  ('qualification-comptes-cnracl', 'carriere', 'Qualification des comptes individuels retraite CNRACL', 7),
  ('titulaire-sans-droit-ircantec', 'carriere', 'Validation de titulaire sans droit Ircantec', 8),
  ('validations-periodes-cnracl', 'carriere', 'Validations de périodes CNRACL', 9),
  ('avis-prealable-cnracl', 'droits-a-pension', 'Demande d''avis préalable CNRACL', 1),
  ('demande-retraite-cnracl-rafp', 'droits-a-pension', 'Demande de retraite CNRACL et RAFP', 2),
  ('estimation-pension-cnracl', 'droits-a-pension', 'Estimation de la pension CNRACL', 3),
  ('liquidation-pensions-cnracl', 'droits-a-pension', 'Liquidation de pensions CNRACL', 4),
  ('simulation-retraite-cnracl', 'droits-a-pension', 'Simulation de retraite CNRACL', 5),
  ('cotisations-compensations-pnc', 'cotisations', 'Cotisations et Compensations PNC', 1),
  ('cotisations-individuelles', 'cotisations', 'Gestion des cotisations individuelles', 2);
