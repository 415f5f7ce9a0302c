/**
 * The operator (DRS) records which establishments are attached to a central one: only attached
 * establishments can be asked for a delegation, and removing an attachment ends a living delegation.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { lockEstablishment } from '../../db/queries/accounts';
import { recordAudit } from '../../db/queries/audit';
import { attachEstablishment, detachEstablishment, findLivingDelegation } from '../../db/queries/delegations';
import { findEstablishment } from '../../db/queries/establishments';
import { auditActor, callWorkflow } from '../../accounts';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';
import { endDelegation } from '../delegation-lifecycle';
import { operatorOnly } from '../middleware/guards';
import { errorResponses, EstablishmentRefSchema, operatorSecurity, uuidSchema } from '../schemas/common';
import { clockOf } from './accounts/present';

const tags = ['Opérateur'];

const CentralParams = z.object({
  centralId: uuidSchema('Établissement centralisateur').openapi({ param: { name: 'centralId', in: 'path' } }),
});

const AttachmentParams = CentralParams.extend({
  establishmentId: uuidSchema('Établissement rattaché').openapi({ param: { name: 'establishmentId', in: 'path' } }),
});

const AttachBody = z.object({ establishmentId: uuidSchema('Établissement à rattacher') }).openapi('AttachEstablishment');

const AttachmentSchema = z
  .object({ central: EstablishmentRefSchema, establishment: EstablishmentRefSchema })
  .openapi('Attachment');

const attachRoute = createRoute({
  method: 'post',
  path: '/operator/establishments/{centralId}/attachments',
  middleware: [operatorOnly('establishment.attach')] as const,
  tags,
  summary: 'Rattacher un établissement à un centralisateur',
  description:
    "L'établissement pourra recevoir les demandes de délégation de l'établissement centralisateur. Sans effet s'il y est déjà rattaché ; refusé s'il est rattaché à un autre (`already_attached` : retirez d'abord ce rattachement). Réservé à l'opérateur.",
  security: operatorSecurity,
  request: { params: CentralParams, body: { content: { 'application/json': { schema: AttachBody } }, required: true } },
  responses: {
    200: { description: 'Rattaché', content: { 'application/json': { schema: AttachmentSchema } } },
    ...errorResponses('not_found', 'already_attached'),
  },
});

const detachRoute = createRoute({
  method: 'delete',
  path: '/operator/establishments/{centralId}/attachments/{establishmentId}',
  middleware: [operatorOnly('establishment.detach')] as const,
  tags,
  summary: 'Retirer un rattachement',
  description:
    "L'établissement n'est plus rattaché au centralisateur : la délégation en cours (ou la demande en attente) prend fin aussitôt, les deux établissements en sont informés. Réservé à l'opérateur.",
  security: operatorSecurity,
  request: { params: AttachmentParams },
  responses: { 204: { description: 'Rattachement retiré' }, ...errorResponses('not_found', 'service_unavailable') },
});

const ref = (e: { id: string; name: string; siret: string }) => ({ id: e.id, name: e.name, siret: e.siret });

export function registerAttachmentRoutes(app: OpenAPIHono<AppEnv>) {
  app.openapi(attachRoute, async (c) => {
    const { centralId } = c.req.valid('param');
    const { establishmentId } = c.req.valid('json');
    const { db } = c.var.deps;
    const { now } = clockOf(c);
    if (centralId === establishmentId) {
      throw new ApiError('validation_failed', 'Un établissement ne peut pas être rattaché à lui-même.', {
        errors: [{ field: 'establishmentId', message: 'Un établissement ne peut pas être rattaché à lui-même.' }],
      });
    }
    const result = await db.transaction(async (tx) => {
      const [central, establishment] = await Promise.all([findEstablishment(tx, centralId), findEstablishment(tx, establishmentId)]);
      if (!central || !establishment) throw new ApiError('not_found', 'Établissement introuvable.');
      c.set('auditEstablishmentId', establishment.id);
      if (establishment.centralEstablishmentId === central.id) return { central, establishment };
      if (!(await attachEstablishment(tx, establishment.id, central.id, now))) {
        throw new ApiError('already_attached', 'Cet établissement est déjà rattaché à un autre établissement centralisateur : retirez d’abord ce rattachement.');
      }
      for (const side of [central.id, establishment.id]) {
        await recordAudit(tx, {
          ...auditActor(c.var.actor),
          requestId: c.var.requestId,
          establishmentId: side,
          action: 'establishment.attach',
          outcome: 'success',
          before: { centralEstablishmentId: establishment.centralEstablishmentId },
          after: { centralEstablishmentId: central.id },
          detail: { central: ref(central), establishment: ref(establishment) },
        });
      }
      return { central, establishment };
    });
    return c.json({ central: ref(result.central), establishment: ref(result.establishment) }, 200);
  });

  app.openapi(detachRoute, async (c) => {
    const { centralId, establishmentId } = c.req.valid('param');
    const { deps } = c.var;
    const { now } = clockOf(c);
    await deps.db.transaction(async (tx) => {
      // Serialises with a delegation request to the same establishment (it takes this lock too).
      await lockEstablishment(tx, establishmentId);
      const [central, establishment] = await Promise.all([findEstablishment(tx, centralId), findEstablishment(tx, establishmentId)]);
      if (!central || !establishment || !(await detachEstablishment(tx, establishmentId, centralId, now))) {
        throw new ApiError('not_found', "Cet établissement n'est pas rattaché à ce centralisateur.");
      }
      c.set('auditEstablishmentId', establishment.id);
      for (const side of [central.id, establishment.id]) {
        await recordAudit(tx, {
          ...auditActor(c.var.actor),
          requestId: c.var.requestId,
          establishmentId: side,
          action: 'establishment.detach',
          outcome: 'success',
          before: { centralEstablishmentId: central.id },
          after: { centralEstablishmentId: null },
          detail: { central: ref(central), establishment: ref(establishment) },
        });
      }
      // Last step: the living delegation's workflow records its end. Access already stops with this
      // transaction's commit (authorization checks the attachment too); if Temporal does not answer,
      // nothing is changed (503).
      const living = await findLivingDelegation(tx, central.id, establishment.id);
      if (living) {
        await callWorkflow(c.var.requestId, async () => {
          await endDelegation(deps, living.workflowId, { delegationId: living.id, reason: 'attachment_removed', requestId: c.var.requestId });
        });
      }
    });
    return c.body(null, 204);
  });
}
