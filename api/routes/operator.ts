/**
 * The platform operator (DRS): registers an establishment with its legal representative and first
 * admin, and lists establishments. Authenticated by the operator token, never by an account.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { findEstablishment, findEstablishmentBySiret, insertEstablishment, listEstablishments } from '../../db/queries/establishments';
import { isUniqueViolation } from '../../db/queries/idempotency';
import { listServiceCodes, unknownServiceErrors } from '../../db/queries/services';
import { recordAudit } from '../../db/queries/audit';
import { auditActor, createAccount, startAccountActivation } from '../../accounts';
import type { AppEnv } from '../env';
import { ApiError, type FieldError } from '../errors';
import {
  addressSchema,
  checkEmailConfirmation,
  checkProfessionalAddress,
  CivilitySchema,
  coordinateFields,
  CreatedAccountSchema,
  emailSchema,
  requiredText,
  RightsInput,
} from '../schemas/accounts';
import { errorResponses, EstablishmentRefSchema, instant, operatorSecurity, PaginationMeta, PaginationQuery, paginationMeta, uuidSchema } from '../schemas/common';
import { operatorOnly } from '../middleware/guards';
import { enrolInCurrentTerms } from '../terms';
import { requestScope } from './accounts';
import { clockOf, presentCreated } from './accounts/present';


const tags = ['Opérateur'];

const FirstAdminBody = z
  .object({
    ...coordinateFields,
    email: emailSchema.openapi({ description: "Courriel de l'administrateur", example: 'myriam.gueriot@commune-demo.fr' }),
    emailConfirmation: emailSchema.openapi({ description: 'Le même courriel, une seconde fois', example: 'myriam.gueriot@commune-demo.fr' }),
  })
  .superRefine((body, ctx) => {
    checkEmailConfirmation(body, ctx);
    checkProfessionalAddress(body, ctx);
  });

const CreateEstablishmentBody = z
  .object({
    siret: z
      .string()
      .transform((v) => v.replace(/\s/g, ''))
      .pipe(z.string().regex(/^\d{14}$/, 'SIRET invalide : 14 chiffres attendus.'))
      .openapi({ description: 'SIRET (14 chiffres, espaces ignorés)', example: '21330063500017' }),
    name: requiredText(200).openapi({ description: "Nom de l'établissement", example: 'COMMUNE DE DEMO' }),
    legalRepresentative: z
      .object({
        civility: CivilitySchema,
        lastName: requiredText(100).openapi({ description: 'Nom', example: 'Durand' }),
        firstName: requiredText(100).openapi({ description: 'Prénom', example: 'Martine' }),
        title: requiredText(200).openapi({ description: 'Qualité', example: 'Maire' }),
        address: addressSchema.openapi({
          description: 'Adresse postale, ligne par ligne (celle des courriers)',
          example: ['Mairie de Demo', '1 place de la Mairie', '33000 BORDEAUX'],
        }),
      })
      .openapi({ description: "Représentant légal : il reçoit un courrier à chaque nouvel administrateur" }),
    centralEstablishmentId: uuidSchema('Établissement centralisateur (facultatif)').nullish(),
    defaultRights: RightsInput.optional().openapi({
      description: "Droits par défaut des nouveaux comptes, par code de service (un service absent : Aucun)",
      example: { 'affiliation-cnracl': 'read' },
    }),
    admin: FirstAdminBody.openapi({ description: "Premier administrateur (adresse professionnelle obligatoire) : il reçoit le courriel de création du mot de passe" }),
  })
  .openapi('CreateEstablishment');

const EstablishmentCreatedSchema = z
  .object({
    establishment: EstablishmentRefSchema,
    admin: CreatedAccountSchema,
  })
  .openapi('EstablishmentCreated');

const createEstablishmentRoute = createRoute({
  method: 'post',
  path: '/operator/establishments',
  middleware: [operatorOnly('establishment.create')] as const,
  tags,
  summary: 'Inscrire un établissement',
  description:
    "Crée l'établissement, son représentant légal et son premier administrateur (en attente d'activation, courriel de création du mot de passe envoyé, courrier au représentant légal). Réservé à l'opérateur.",
  security: operatorSecurity,
  request: { body: { content: { 'application/json': { schema: CreateEstablishmentBody } }, required: true } },
  responses: {
    201: { description: 'Établissement inscrit', content: { 'application/json': { schema: EstablishmentCreatedSchema } } },
    ...errorResponses('siret_already_registered', 'service_unavailable'),
  },
});

const EstablishmentListSchema = z
  .object({
    items: z.array(
      z.object({
        id: z.string().openapi({ example: '3f1c2b9e-8d1a-4a57-9d55-0d3c5a1f2b77' }),
        siret: z.string().openapi({ example: '21330063500017' }),
        name: z.string().openapi({ example: 'COMMUNE DE DEMO' }),
        centralEstablishmentId: z.string().nullable().openapi({ description: 'Établissement centralisateur', example: null }),
        accountCount: z.number().int().openapi({ description: 'Comptes non supprimés', example: 7 }),
        activeAdminCount: z.number().int().openapi({ description: 'Administrateurs actifs', example: 2 }),
        createdAt: instant('Inscription'),
      }),
    ),
    ...PaginationMeta,
  })
  .openapi('EstablishmentList');

const listEstablishmentsRoute = createRoute({
  method: 'get',
  path: '/operator/establishments',
  middleware: [operatorOnly()] as const,
  tags,
  summary: 'Liste des établissements',
  description: "Par nom, avec le nombre de comptes et d'administrateurs actifs. Réservé à l'opérateur.",
  security: operatorSecurity,
  request: { query: PaginationQuery },
  responses: {
    200: { description: 'Une page d’établissements', content: { 'application/json': { schema: EstablishmentListSchema } } },
    ...errorResponses(),
  },
});

const siretTaken = () =>
  new ApiError('siret_already_registered', 'Un établissement avec ce SIRET est déjà inscrit.', {
    errors: [{ field: 'siret', message: 'Ce SIRET est déjà inscrit.' }],
  });

export function registerOperatorRoutes(app: OpenAPIHono<AppEnv>) {
  app.openapi(createEstablishmentRoute, async (c) => {
    const body = c.req.valid('json');
    const { db } = c.var.deps;
    const clock = clockOf(c);

    const errors: FieldError[] = unknownServiceErrors(body.defaultRights ?? {}, await listServiceCodes(db)).map((e) => ({
      ...e,
      field: `defaultRights.${e.field.slice('rights.'.length)}`,
    }));
    if (body.centralEstablishmentId && !(await findEstablishment(db, body.centralEstablishmentId))) {
      errors.push({ field: 'centralEstablishmentId', message: 'Établissement centralisateur introuvable.' });
    }
    if (errors.length > 0) throw new ApiError('validation_failed', 'Certaines données sont invalides : corrigez les champs indiqués.', { errors });
    if (await findEstablishmentBySiret(db, body.siret)) throw siretTaken();

    try {
      const created = await db.transaction(async (tx) => {
        const establishment = await insertEstablishment(tx, {
          siret: body.siret,
          name: body.name,
          legalRepCivility: body.legalRepresentative.civility,
          legalRepLastName: body.legalRepresentative.lastName,
          legalRepFirstName: body.legalRepresentative.firstName,
          legalRepTitle: body.legalRepresentative.title,
          legalRepAddress: body.legalRepresentative.address,
          centralEstablishmentId: body.centralEstablishmentId ?? null,
          defaultRights: body.defaultRights ?? {},
          createdAt: clock.now,
          updatedAt: clock.now,
        });
        const scope = { ...requestScope(c, establishment.id), ...clock };
        const { id: _id, createdAt: _c, updatedAt: _u, ...registered } = establishment;
        await recordAudit(tx, {
          ...auditActor(c.var.actor),
          requestId: c.var.requestId,
          establishmentId: establishment.id,
          action: 'establishment.create',
          outcome: 'success',
          after: registered,
        });
        const { emailConfirmation: _e, ...coordinates } = body.admin;
        const { account: admin } = await createAccount(tx, scope, establishment.id, { ...coordinates, profile: 'admin' }, undefined);
        await startAccountActivation(tx, scope, admin, establishment.siret);
        await enrolInCurrentTerms(tx, scope, establishment);
        return {
          establishment: { id: establishment.id, siret: establishment.siret, name: establishment.name },
          admin: presentCreated(admin, clock.now),
        };
      });
      return c.json(created, 201);
    } catch (error) {
      if (isUniqueViolation(error)) throw siretTaken();
      throw error;
    }
  });

  app.openapi(listEstablishmentsRoute, async (c) => {
    const q = c.req.valid('query');
    const pageSize = Number(q.pageSize);
    const { items, total } = await listEstablishments(c.var.deps.db, { ...clockOf(c), page: q.page, pageSize });
    return c.json(
      { items: items.map((e) => ({ ...e, createdAt: e.createdAt.toISOString() })), ...paginationMeta(q.page, pageSize, total) },
      200,
    );
  });
}
