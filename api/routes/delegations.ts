/**
 * « Accès multicomptes »: the central establishment's admin asks the establishments attached to it
 * for a management delegation; an admin of the delegating establishment accepts or refuses; either
 * side ends it. The decisions are the pair's workflow's (workflows/delegation.ts): these routes
 * record the request and hand answers and ends to it, waiting until they are recorded.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { recordAudit } from '../../db/queries/audit';
import {
  findDelegationWithParties,
  findLivingDelegation,
  insertDelegationRequest,
  listAttachedWithDelegation,
  listLivingAsDelegating,
} from '../../db/queries/delegations';
import { findEstablishment } from '../../db/queries/establishments';
import { isUniqueViolation } from '../../db/queries/idempotency';
import { lockEstablishment } from '../../db/queries/accounts';
import type { DelegationStatus } from '../../db/schema';
import { workflowIds } from '../../workflows/definitions';
import { auditActor, callWorkflow } from '../../accounts';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';
import { answerDelegation, endDelegation, startDelegation } from '../delegation-lifecycle';
import { ownEstablishmentAdmin } from '../middleware/guards';
import { EstablishmentParams, EstablishmentRefSchema, errorResponses, instant, sessionSecurity, uuidSchema } from '../schemas/common';
import { clockOf } from './accounts/present';

const tags = ['Accès multicomptes'];
const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });

export const DELEGATION_STATE_LABELS: Record<DelegationStatus, string> = {
  requested: 'Demande en attente de réponse',
  accepted: 'Délégation active',
  refused: 'Délégation refusée',
  lapsed: 'Demande sans réponse (plus valable)',
  ended: 'Délégation terminée',
};

const StateSchema = z
  .enum(['requested', 'accepted', 'refused', 'lapsed', 'ended'])
  .openapi({ description: 'État : demandée, acceptée, refusée, sans réponse dans le délai, terminée', example: 'accepted' });

const DelegationSchema = z
  .object({
    id: z.string().openapi({ description: 'Demande de délégation', example: '7a0c5e1f-2b3d-4c5e-8f90-1a2b3c4d5e6f' }),
    state: StateSchema,
    stateLabel: z.string().openapi({ description: 'État, en français', example: 'Délégation active' }),
    requestedAt: instant('Demande'),
    lapsesAt: instant('Sans réponse à cette date, la demande cesse d’être valable').nullable(),
    decidedAt: instant('Acceptation ou refus').nullable(),
    endedAt: instant('Fin').nullable(),
    endReason: z
      .enum(['ended_by_central', 'ended_by_delegating', 'attachment_removed', 'establishment_closed'])
      .nullable()
      .openapi({ description: 'Qui y a mis fin : le centralisateur, l’établissement en délégation, le retrait du rattachement, une fermeture', example: null }),
  })
  .openapi('Delegation');

const DelegationsSchema = z
  .object({
    asCentral: z
      .array(
        z.object({
          establishment: EstablishmentRefSchema,
          delegation: DelegationSchema.nullable().openapi({ description: 'La dernière demande (null : jamais demandée)' }),
        }),
      )
      .openapi({ description: 'Établissement centralisateur : les établissements rattachés, chacun avec sa dernière demande et son état' }),
    asDelegating: z
      .array(z.object({ central: EstablishmentRefSchema, delegation: DelegationSchema }))
      .openapi({ description: 'Établissement en délégation : les demandes à traiter et les délégations actives' }),
  })
  .openapi('Delegations');

const RequestBody = z
  .object({
    establishmentIds: z
      .array(uuidSchema('Établissement rattaché'))
      .min(1, 'Choisissez au moins un établissement.')
      .max(500, '500 établissements au plus par demande.')
      .openapi({ description: 'Un ou plusieurs établissements rattachés', example: ['3f1c2b9e-8d1a-4a57-9d55-0d3c5a1f2b77'] }),
  })
  .openapi('DelegationRequest');

const RequestReportSchema = z
  .object({
    done: z.number().int().openapi({ description: 'Demandes envoyées', example: 1 }),
    refused: z.number().int().openapi({ description: 'Demandes refusées', example: 1 }),
    results: z.array(
      z.object({
        establishmentId: z.string().openapi({ example: '3f1c2b9e-8d1a-4a57-9d55-0d3c5a1f2b77' }),
        outcome: z.enum(['requested', 'refused']).openapi({ description: 'Demande envoyée, ou refusée', example: 'requested' }),
        delegationId: z.string().optional().openapi({ description: 'La demande créée', example: '7a0c5e1f-2b3d-4c5e-8f90-1a2b3c4d5e6f' }),
        code: z.string().optional().openapi({ description: 'Motif du refus (code stable)', example: 'delegation_pending' }),
        message: z.string().optional().openapi({ description: 'Motif du refus, en français', example: 'Une demande attend déjà la réponse de cet établissement.' }),
      }),
    ),
  })
  .openapi('DelegationRequestReport');

const DelegationParams = EstablishmentParams.extend({
  delegationId: uuidSchema('Demande de délégation').openapi({ param: { name: 'delegationId', in: 'path' } }),
});

const OWN_ADMINS = "Réservé aux administrateurs de l'établissement lui-même (pas par délégation : 403) ; un autre établissement : 404.";

const listRoute = createRoute({
  method: 'get',
  path: '/establishments/{establishmentId}/delegations',
  middleware: [ownEstablishmentAdmin()] as const,
  tags,
  summary: 'Accès multicomptes : délégations',
  description: `Côté centralisateur, les établissements rattachés et l'état de leur délégation ; côté établissement en délégation, les demandes à traiter et les délégations actives. ${OWN_ADMINS}`,
  security: sessionSecurity,
  request: { params: EstablishmentParams },
  responses: { 200: { description: 'Les délégations des deux côtés', content: json(DelegationsSchema) }, ...errorResponses('forbidden', 'not_found') },
});

const requestRoute = createRoute({
  method: 'post',
  path: '/establishments/{establishmentId}/delegations',
  middleware: [ownEstablishmentAdmin('delegation.request')] as const,
  tags,
  summary: 'Demander la délégation',
  description:
    "L'administrateur de l'établissement centralisateur demande la délégation de gestion à un ou plusieurs établissements rattachés. " +
    "Leurs administrateurs actifs reçoivent un courriel. Compte rendu établissement par établissement : non rattaché (`not_attached`), demande déjà en attente (`delegation_pending`), délégation déjà active (`conflict`). " +
    OWN_ADMINS,
  security: sessionSecurity,
  request: { params: EstablishmentParams, body: { content: json(RequestBody), required: true } },
  responses: {
    200: { description: 'Compte rendu par établissement', content: json(RequestReportSchema) },
    ...errorResponses('forbidden', 'not_found', 'service_unavailable'),
  },
});

function answerRoute(decision: 'accept' | 'refuse') {
  return createRoute({
    method: 'post',
    path: `/establishments/{establishmentId}/delegations/{delegationId}/${decision}`,
    middleware: [ownEstablishmentAdmin(decision === 'accept' ? 'delegation.accept' : 'delegation.refuse')] as const,
    tags,
    summary: decision === 'accept' ? 'Accepter la demande de délégation' : 'Refuser la demande de délégation',
    description:
      `Un administrateur de l'établissement en délégation ${decision === 'accept' ? 'accepte' : 'refuse'} la demande. La première réponse compte ; ` +
      "une demande déjà traitée ou plus valable répond `delegation_not_pending`. Les deux établissements reçoivent un courriel. " +
      OWN_ADMINS,
    security: sessionSecurity,
    request: { params: DelegationParams },
    responses: {
      200: { description: 'La demande, une fois la réponse enregistrée', content: json(DelegationSchema) },
      ...errorResponses('forbidden', 'not_found', 'delegation_not_pending', 'service_unavailable'),
    },
  });
}

const endRoute = createRoute({
  method: 'post',
  path: '/establishments/{establishmentId}/delegations/{delegationId}/end',
  middleware: [ownEstablishmentAdmin('delegation.end')] as const,
  tags,
  summary: 'Mettre fin à la délégation',
  description:
    "L'un ou l'autre des deux établissements met fin à la délégation (ou le centralisateur retire une demande en attente). L'accès cesse dès la réponse. Les deux établissements reçoivent un courriel. " +
    OWN_ADMINS,
  security: sessionSecurity,
  request: { params: DelegationParams },
  responses: {
    200: { description: 'La délégation, une fois terminée', content: json(DelegationSchema) },
    ...errorResponses('forbidden', 'not_found', 'delegation_not_living', 'service_unavailable'),
  },
});

type Row = NonNullable<Awaited<ReturnType<typeof findDelegationWithParties>>>['delegation'];

function present(d: Pick<Row, 'id' | 'status' | 'createdAt' | 'lapsesAt' | 'decidedAt' | 'endedAt' | 'endReason'>) {
  return {
    id: d.id,
    state: d.status,
    stateLabel: DELEGATION_STATE_LABELS[d.status],
    requestedAt: d.createdAt.toISOString(),
    lapsesAt: d.lapsesAt?.toISOString() ?? null,
    decidedAt: d.decidedAt?.toISOString() ?? null,
    endedAt: d.endedAt?.toISOString() ?? null,
    endReason: d.endReason,
  };
}

/** The delegation of the path, seen from the establishment of the path on `side` (404 otherwise). */
async function delegationOf(c: Context<AppEnv>, establishmentId: string, delegationId: string, sides: ('central' | 'delegating')[]) {
  const row = await findDelegationWithParties(c.var.deps.db, delegationId);
  const side = row?.central.id === establishmentId ? 'central' : row?.delegating.id === establishmentId ? 'delegating' : null;
  if (!row || !side || !sides.includes(side)) throw new ApiError('not_found', 'Cette demande de délégation est introuvable.');
  return { row, side };
}

async function reload(c: Context<AppEnv>, delegationId: string) {
  const row = await findDelegationWithParties(c.var.deps.db, delegationId);
  return present(row!.delegation);
}

const notPending = () =>
  new ApiError('delegation_not_pending', "Cette demande de délégation a déjà reçu une réponse, ou n'est plus valable : rien n'a été modifié.");

export function registerDelegationRoutes(app: OpenAPIHono<AppEnv>) {
  app.openapi(listRoute, async (c) => {
    const { establishmentId } = c.req.valid('param');
    const { db } = c.var.deps;
    const [attached, living] = await Promise.all([listAttachedWithDelegation(db, establishmentId), listLivingAsDelegating(db, establishmentId)]);
    return c.json(
      {
        asCentral: attached.map((a) => ({
          establishment: a.establishment,
          delegation: a.delegation?.id ? present({ ...a.delegation, id: a.delegation.id, status: a.delegation.status!, createdAt: a.delegation.createdAt! }) : null,
        })),
        asDelegating: living.map((l) => ({ central: l.establishment, delegation: present(l.delegation) })),
      },
      200,
    );
  });

  app.openapi(requestRoute, async (c) => {
    const { establishmentId } = c.req.valid('param');
    const { establishmentIds } = c.req.valid('json');
    const { deps, actor, requestId } = c.var;
    const account = actor.type === 'account' ? actor.account : null;
    const central = await findEstablishment(deps.db, establishmentId);
    if (!account || !central) throw new ApiError('not_found', 'Établissement introuvable.');
    const { now } = clockOf(c);

    type Result = z.infer<typeof RequestReportSchema>['results'][number];
    const results: Result[] = [];
    for (const delegatingId of [...new Set(establishmentIds)]) {
      try {
        const delegationId = await deps.db.transaction(async (tx) => {
          // Two admins asking at once for the same establishment queue here; the unique index backs it.
          await lockEstablishment(tx, delegatingId);
          const delegating = await findEstablishment(tx, delegatingId);
          if (!delegating || delegating.centralEstablishmentId !== central.id) {
            throw new ApiError('not_attached', "Cet établissement n'est pas rattaché au vôtre : l'opérateur de la plateforme enregistre les rattachements.");
          }
          const living = await findLivingDelegation(tx, central.id, delegating.id);
          if (living?.status === 'requested') throw new ApiError('delegation_pending', 'Une demande attend déjà la réponse de cet établissement.');
          if (living) throw new ApiError('conflict', 'La délégation de cet établissement est déjà active.');
          const workflowId = workflowIds.delegation(central.siret, delegating.siret);
          const row = await insertDelegationRequest(tx, {
            centralEstablishmentId: central.id,
            delegatingEstablishmentId: delegating.id,
            workflowId,
            requestedByAccountId: account.id,
            now,
          });
          const detail = {
            delegationId: row.id,
            workflowId,
            central: { id: central.id, siret: central.siret, name: central.name },
            delegating: { id: delegating.id, siret: delegating.siret, name: delegating.name },
          };
          for (const side of [central.id, delegating.id]) {
            await recordAudit(tx, {
              ...auditActor(actor),
              requestId,
              establishmentId: side,
              action: 'delegation.request',
              outcome: 'success',
              after: { status: 'requested' },
              detail,
            });
          }
          const started = await callWorkflow(requestId, () =>
            startDelegation(deps, { id: row.id, centralSiret: central.siret, delegatingSiret: delegating.siret }),
          );
          if (started === 'already_running') {
            throw new ApiError('delegation_pending', "La demande précédente à cet établissement se termine : réessayez dans quelques instants.");
          }
          return row.id;
        });
        results.push({ establishmentId: delegatingId, outcome: 'requested', delegationId });
      } catch (error) {
        const refusal = error instanceof ApiError ? error : isUniqueViolation(error) ? new ApiError('delegation_pending', 'Une demande attend déjà la réponse de cet établissement.') : null;
        if (!refusal) throw error; // an outage (503) or a bug: the whole request answers it
        await recordAudit(deps.db, {
          ...auditActor(actor),
          requestId,
          establishmentId: central.id,
          action: 'delegation.request',
          outcome: 'refused',
          detail: { code: refusal.code, detail: refusal.detail, establishmentId: delegatingId },
        });
        results.push({ establishmentId: delegatingId, outcome: 'refused', code: refusal.code, message: refusal.detail });
      }
    }
    const done = results.filter((r) => r.outcome === 'requested').length;
    return c.json({ done, refused: results.length - done, results }, 200);
  });

  for (const decision of ['accept', 'refuse'] as const) {
    app.openapi(answerRoute(decision), async (c) => {
      const { establishmentId, delegationId } = c.req.valid('param');
      const { row } = await delegationOf(c, establishmentId, delegationId, ['delegating']);
      if (row.delegation.status !== 'requested') throw notPending();
      const actor = c.var.actor;
      if (actor.type !== 'account') throw new ApiError('unauthenticated', 'Vous devez être connecté.');
      const stage = await callWorkflow(c.var.requestId, () =>
        answerDelegation(c.var.deps, row.delegation.workflowId, { delegationId, decision, accountId: actor.account.id, requestId: c.var.requestId }),
      );
      if (stage === null) throw notPending();
      return c.json(await reload(c, delegationId), 200);
    });
  }

  app.openapi(endRoute, async (c) => {
    const { establishmentId, delegationId } = c.req.valid('param');
    const { row, side } = await delegationOf(c, establishmentId, delegationId, ['central', 'delegating']);
    const notLiving = () => new ApiError('delegation_not_living', "Cette délégation est déjà terminée : rien n'a été modifié.");
    if (row.delegation.status !== 'requested' && row.delegation.status !== 'accepted') throw notLiving();
    const actor = c.var.actor;
    if (actor.type !== 'account') throw new ApiError('unauthenticated', 'Vous devez être connecté.');
    const stage = await callWorkflow(c.var.requestId, () =>
      endDelegation(c.var.deps, row.delegation.workflowId, {
        delegationId,
        reason: side === 'central' ? 'ended_by_central' : 'ended_by_delegating',
        accountId: actor.account.id,
        requestId: c.var.requestId,
      }),
    );
    if (stage === null) throw notLiving();
    return c.json(await reload(c, delegationId), 200);
  });
}
