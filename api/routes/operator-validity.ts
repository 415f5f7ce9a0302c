/**
 * The operator (DRS) and account validity: renew an admin account when nobody in the establishment
 * can (every admin expired), run the reconcile on demand, run the monthly reminder for a month.
 * Every call is audited; a Temporal failure is a 503 (callWorkflow) and changes nothing.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { applyAccountAction, auditActor, callWorkflow, ensureTemporalReachable, renewAdminAction } from '../../accounts';
import { recordAudit } from '../../db/queries/audit';
import { startReminderRun, startValidityReconcile } from '../../workflows/validity-client';
import type { AppEnv } from '../env';
import { operatorOnly } from '../middleware/guards';
import { AccountSummarySchema } from '../schemas/accounts';
import { AccountParams, errorResponses, operatorSecurity } from '../schemas/common';
import { requestScope } from './accounts';
import { presentSummary } from './accounts/present';

const tags = ['Opérateur'];
const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });

const StartedSchema = z
  .object({
    workflowId: z.string().openapi({ description: 'Workflow Temporal à suivre (interface Temporal, requête `status`)', example: 'validity-reminders-2026-12' }),
    runId: z.string().openapi({ description: 'Exécution démarrée, ou celle déjà en cours', example: '0195f3c2-7a1b-7c4e-9d55-0d3c5a1f2b77' }),
  })
  .openapi('WorkflowStarted');

const renewAdminRoute = createRoute({
  method: 'post',
  path: '/operator/establishments/{establishmentId}/accounts/{accountId}/renew',
  middleware: [operatorOnly('account.renew')] as const,
  tags,
  summary: 'Renouveler un compte administrateur (DRS)',
  description:
    "Nouvelle expiration : 18 mois après aujourd'hui, même si le compte a expiré. Pour le cas où tous les administrateurs d'un établissement " +
    "expirent et où personne ne peut plus renouveler. Réservé aux comptes administrateur (`account_not_admin` sinon) et à l'opérateur.",
  security: operatorSecurity,
  request: { params: AccountParams },
  responses: {
    200: { description: 'Le compte renouvelé', content: json(AccountSummarySchema) },
    ...errorResponses('not_found', 'account_not_admin', 'service_unavailable'),
  },
});

const reconcileRoute = createRoute({
  method: 'post',
  path: '/operator/validity/reconcile',
  middleware: [operatorOnly('validity.reconcile')] as const,
  tags,
  summary: 'Rattraper les suivis de validité manquants',
  description:
    "Démarre `validity-reconcile` (ou rejoint celui en cours) : chaque compte non supprimé sans suivi de validité en reçoit un. " +
    "Sans effet sur les suivis en cours. Le même rattrapage a lieu à chaque démarrage du worker. Réservé à l'opérateur.",
  security: operatorSecurity,
  responses: {
    202: { description: 'Rattrapage démarré', content: json(StartedSchema) },
    ...errorResponses('service_unavailable'),
  },
});

const RemindersBody = z
  .object({
    expiryMonth: z
      .string()
      .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'Mois invalide : AAAA-MM attendu.')
      .openapi({ description: "Mois d'expiration des comptes à rappeler (AAAA-MM) : le rappel du 20 couvre le mois suivant", example: '2026-12' }),
  })
  .openapi('ReminderRunRequest');

const remindersRoute = createRoute({
  method: 'post',
  path: '/operator/validity/reminders',
  middleware: [operatorOnly('validity.reminders')] as const,
  tags,
  summary: "Lancer le rappel d'expiration d'un mois",
  description:
    "Le traitement du 20 du mois, à la demande : un courriel par administrateur actif des établissements ayant des comptes qui expirent ce mois-là. " +
    "Relancé, il n'envoie rien deux fois (un envoi par établissement, mois et destinataire). Réservé à l'opérateur.",
  security: operatorSecurity,
  request: { body: { content: json(RemindersBody), required: true } },
  responses: {
    202: { description: 'Rappel démarré (ou déjà en cours pour ce mois)', content: json(StartedSchema) },
    ...errorResponses('validation_failed', 'service_unavailable'),
  },
});

export function registerOperatorValidityRoutes(app: OpenAPIHono<AppEnv>) {
  app.openapi(renewAdminRoute, async (c) => {
    const { establishmentId, accountId } = c.req.valid('param');
    const scope = requestScope(c, establishmentId);
    await ensureTemporalReachable(c.var.deps, c.var.requestId);
    const account = await applyAccountAction(c.var.deps.db, scope, accountId, renewAdminAction);
    return c.json(presentSummary(account, scope.now), 200);
  });

  /** Starts the workflow, then records who asked for it (the run's ids in the entry). */
  const startAudited = async (c: Context<AppEnv>, action: string, start: () => Promise<{ workflowId: string; runId: string }>, detail: object = {}) => {
    const started = await callWorkflow(c.var.requestId, start);
    await recordAudit(c.var.deps.db, { ...auditActor(c.var.actor), requestId: c.var.requestId, action, outcome: 'success', detail: { ...detail, ...started } });
    return started;
  };

  app.openapi(reconcileRoute, async (c) => {
    const { temporal, config } = c.var.deps;
    const started = await startAudited(c, 'validity.reconcile', () => startValidityReconcile(temporal, config.temporal.taskQueue));
    return c.json(started, 202);
  });

  app.openapi(remindersRoute, async (c) => {
    const { expiryMonth } = c.req.valid('json');
    const { temporal, config } = c.var.deps;
    const started = await startAudited(c, 'validity.reminders', () => startReminderRun(temporal, config.temporal.taskQueue, expiryMonth), { expiryMonth });
    return c.json(started, 202);
  });
}
