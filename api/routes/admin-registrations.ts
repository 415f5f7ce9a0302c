/**
 * The operator's (DRS) side of administrator registrations: the letters for the print-and-post
 * service (list, download one or a zip, mark posted) and the legal representative's opposition.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { zipSync } from 'fflate';
import { findRegistration, letterPdfs, listLetters } from '../../db/queries/admin-registrations';
import { frenchDate, parisDay } from '../../domain/dates';
import { OPPOSITION_CHANNELS } from '../../workflows/definitions';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';
import { operatorOnly } from '../middleware/guards';
import { dayInput, errorResponses, isoDay, operatorSecurity, PaginationMeta, PaginationQuery, paginationMeta, uuidSchema } from '../schemas/common';
import { markLetterPosted, recordOpposition } from './admin-registration-updates';
import { clockOf } from './accounts/present';

const tags = ['Opérateur : inscriptions d’administrateurs'];

const day = dayInput;

const referenceSchema = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^ADM-\d{6}$/, 'Référence attendue de la forme ADM-000042.')
  .openapi({ description: 'Référence de l’inscription, imprimée sur le courrier', example: 'ADM-000042' });

const LetterQuery = PaginationQuery.extend({
  state: z.enum(['waiting', 'posted', 'all']).default('waiting').openapi({
    description: 'waiting : à poster (par défaut) ; posted : déjà postés ; all : tous',
    example: 'waiting',
  }),
  from: day('Courriers datés de ce jour ou après').optional(),
  to: day('Courriers datés de ce jour ou avant').optional(),
  establishmentId: uuidSchema('Seulement cet établissement').optional(),
});

const LetterSchema = z
  .object({
    reference: z.string().openapi({ description: 'Référence de l’inscription', example: 'ADM-000042' }),
    reason: z.enum(['created', 'promoted']).openapi({ description: 'created : compte créé administrateur ; promoted : utilisateur promu', example: 'promoted' }),
    status: z.enum(['pending', 'letter_sent', 'confirmed', 'opposed', 'cancelled']).openapi({
      description: 'pending : à poster ; letter_sent : posté, délai d’opposition en cours ; confirmed ; opposed ; cancelled (compte supprimé)',
      example: 'pending',
    }),
    loginId: z.string().openapi({ description: 'Identifiant du nouvel administrateur', example: 'JBE000123' }),
    establishment: z.object({
      id: z.string().openapi({ description: 'Établissement', example: '3f1c2b9e-8d1a-4a57-9d55-0d3c5a1f2b77' }),
      siret: z.string().openapi({ description: 'SIRET', example: '21440176200018' }),
      name: z.string().openapi({ description: 'Nom', example: 'COMMUNE DE DEMO' }),
    }),
    letterDate: isoDay('Date imprimée sur le courrier'),
    statedDeadline: isoDay('Date limite d’opposition imprimée sur le courrier'),
    overdue: z.boolean().openapi({ description: 'Pas posté dans le délai LETTER_POSTING_DAYS', example: false }),
    postedOn: isoDay('Jour de l’envoi postal').nullable(),
    oppositionDeadline: isoDay('Dernier jour où une opposition est acceptée').nullable(),
    pdfBytes: z.number().int().openapi({ description: 'Taille du PDF (octets)', example: 26561 }),
  })
  .openapi('RegistrationLetter');

const listLettersRoute = createRoute({
  method: 'get',
  path: '/operator/letters',
  middleware: [operatorOnly()] as const,
  tags,
  summary: 'Courriers aux représentants légaux',
  description: 'Les courriers à poster (par défaut), filtrés par date et par établissement, du plus ancien au plus récent. Réservé à l’opérateur.',
  security: operatorSecurity,
  request: { query: LetterQuery },
  responses: {
    200: {
      description: 'Une page de courriers',
      content: { 'application/json': { schema: z.object({ items: z.array(LetterSchema), ...PaginationMeta }).openapi('RegistrationLetterList') } },
    },
    ...errorResponses(),
  },
});

const downloadLetterRoute = createRoute({
  method: 'get',
  path: '/operator/letters/{reference}',
  middleware: [operatorOnly()] as const,
  tags,
  summary: 'Télécharger un courrier (PDF)',
  description: 'Le PDF tel qu’il a été généré (A4, adresse placée pour une enveloppe à fenêtre DL/C5). Réservé à l’opérateur.',
  security: operatorSecurity,
  request: { params: z.object({ reference: referenceSchema.openapi({ param: { name: 'reference', in: 'path' } }) }) },
  responses: {
    200: { description: 'Le courrier', content: { 'application/pdf': { schema: z.string().openapi({ format: 'binary' }) } } },
    ...errorResponses('not_found'),
  },
});

const References = z.array(referenceSchema).min(1, 'Au moins une référence.').max(200, '200 courriers au plus par lot.').openapi({
  description: 'Références des courriers (200 au plus)',
  example: ['ADM-000042', 'ADM-000043'],
});

const batchRoute = createRoute({
  method: 'post',
  path: '/operator/letters/batch',
  middleware: [operatorOnly()] as const,
  tags,
  summary: 'Télécharger un lot de courriers (zip)',
  description: 'Une archive zip avec un PDF par courrier (`ADM-000042-JBE000123.pdf`), dans l’ordre demandé. Réservé à l’opérateur.',
  security: operatorSecurity,
  request: { body: { required: true, content: { 'application/json': { schema: z.object({ references: References }).openapi('LetterBatch') } } } },
  responses: {
    200: { description: 'L’archive', content: { 'application/zip': { schema: z.string().openapi({ format: 'binary' }) } } },
    ...errorResponses('not_found'),
  },
});

const PostedBody = z
  .object({ references: References, postedOn: day('Jour où les courriers ont été remis à La Poste') })
  .openapi('LettersPosted');

const postedRoute = createRoute({
  method: 'post',
  path: '/operator/letters/posted',
  middleware: [operatorOnly('admin_registration.letter_posted')] as const,
  tags,
  summary: 'Marquer des courriers comme postés',
  description:
    'Pour chaque courrier : le délai d’opposition commence, son dernier jour est renvoyé. Chaque courrier est traité à part (compte rendu par référence). Réservé à l’opérateur.',
  security: operatorSecurity,
  request: { body: { required: true, content: { 'application/json': { schema: PostedBody } } } },
  responses: {
    200: {
      description: 'Compte rendu par courrier',
      content: {
        'application/json': {
          schema: z
            .object({
              done: z.number().int().openapi({ description: 'Courriers marqués postés', example: 1 }),
              refused: z.number().int().openapi({ description: 'Courriers refusés', example: 0 }),
              results: z.array(
                z.object({
                  reference: z.string().openapi({ description: 'Référence', example: 'ADM-000042' }),
                  outcome: z.enum(['done', 'refused']).openapi({ description: 'Résultat', example: 'done' }),
                  oppositionDeadline: isoDay('Dernier jour où une opposition est acceptée').optional(),
                  code: z.string().optional().openapi({ description: 'Code du refus', example: 'letter_not_waiting' }),
                  message: z.string().optional().openapi({ description: 'Motif du refus', example: 'Ce courrier n’est pas en attente d’envoi.' }),
                }),
              ),
            })
            .openapi('LettersPostedReport'),
        },
      },
    },
    ...errorResponses('service_unavailable'),
  },
});

const OppositionBody = z
  .object({
    reference: referenceSchema.optional(),
    loginId: z.string().trim().toUpperCase().max(9).optional().openapi({ description: 'Ou l’identifiant du nouvel administrateur (sa dernière inscription)', example: 'JBE000123' }),
    requestedOn: day('Jour de la demande du représentant légal'),
    channel: z.enum(OPPOSITION_CHANNELS).openapi({ description: 'Comment il l’a demandé : letter (courrier), email, phone, in_person', example: 'letter' }),
    reason: z.string().trim().min(1, 'Motif obligatoire.').max(2000).openapi({ description: 'Motif, en texte libre', example: 'Cette personne a quitté la commune.' }),
  })
  .refine((b) => b.reference || b.loginId, { message: 'Indiquez la référence ou l’identifiant.', path: ['reference'] })
  .openapi('Opposition');

const oppositionRoute = createRoute({
  method: 'post',
  path: '/operator/admin-registrations/oppositions',
  middleware: [operatorOnly('admin_registration.opposed')] as const,
  tags,
  summary: 'Enregistrer l’opposition du représentant légal',
  description:
    'Annule l’inscription : un compte créé administrateur est supprimé, un utilisateur promu redevient utilisateur ; ses sessions sont fermées ; le titulaire et les autres administrateurs actifs sont prévenus par courriel. L’opposition prévaut même si l’établissement n’a plus d’administrateur actif (la réponse le signale). Refusée après la fin du délai. Réservé à l’opérateur.',
  security: operatorSecurity,
  request: { body: { required: true, content: { 'application/json': { schema: OppositionBody } } } },
  responses: {
    200: {
      description: 'Opposition enregistrée',
      content: {
        'application/json': {
          schema: z
            .object({
              reference: z.string().openapi({ description: 'Référence', example: 'ADM-000042' }),
              loginId: z.string().openapi({ description: 'Identifiant du compte', example: 'JBE000123' }),
              account: z.enum(['deleted', 'demoted', 'already_deleted']).openapi({
                description: 'deleted : compte supprimé ; demoted : redevenu utilisateur ; already_deleted : il l’était déjà',
                example: 'demoted',
              }),
              noActiveAdminLeft: z.boolean().openapi({ description: 'L’établissement n’a plus d’administrateur actif', example: false }),
              message: z.string().openapi({ description: 'Ce qui a été fait, en français', example: 'Opposition enregistrée : le compte JBE000123 est redevenu utilisateur.' }),
            })
            .openapi('OppositionRecorded'),
        },
      },
    },
    ...errorResponses('not_found', 'opposition_window_closed', 'registration_settled', 'service_unavailable'),
  },
});

const registrationNotFound = () => new ApiError('not_found', 'Aucune inscription d’administrateur ne correspond à cette référence ou à cet identifiant.');

export function registerAdminRegistrationRoutes(app: OpenAPIHono<AppEnv>) {
  app.openapi(listLettersRoute, async (c) => {
    const q = c.req.valid('query');
    const pageSize = Number(q.pageSize);
    const { items, total } = await listLetters(c.var.deps.db, { ...q, pageSize });
    return c.json(
      {
        items: items.map((l) => ({
          reference: l.reference!,
          reason: l.reason,
          status: l.status,
          loginId: l.loginId,
          establishment: { id: l.establishmentId, siret: l.siret, name: l.establishmentName },
          letterDate: l.letterDate!,
          statedDeadline: l.statedDeadline!,
          overdue: l.letterOverdueAt !== null,
          postedOn: l.postedOn,
          oppositionDeadline: l.oppositionDeadline,
          pdfBytes: l.letterSize,
        })),
        ...paginationMeta(q.page, pageSize, total),
      },
      200,
    );
  });

  app.openapi(downloadLetterRoute, async (c) => {
    const { reference } = c.req.valid('param');
    const [letter] = await letterPdfs(c.var.deps.db, [reference]);
    if (!letter) throw new ApiError('not_found', 'Aucun courrier ne porte cette référence (ou il n’est pas encore généré).');
    return c.body(new Uint8Array(letter.letterPdf), 200, {
      'content-type': 'application/pdf',
      'content-disposition': `attachment; filename="${letter.reference}-${letter.loginId}.pdf"`,
    }) as never;
  });

  app.openapi(batchRoute, async (c) => {
    const { references } = c.req.valid('json');
    const wanted = [...new Set(references)];
    const letters = await letterPdfs(c.var.deps.db, wanted);
    const missing = wanted.filter((r) => !letters.some((l) => l.reference === r));
    if (missing.length > 0) {
      throw new ApiError('not_found', `Courriers introuvables : ${missing.join(', ')}.`, {
        errors: missing.map((r) => ({ field: 'references', message: `${r} introuvable.` })),
      });
    }
    const zip = zipSync(Object.fromEntries(letters.map((l) => [`${l.reference}-${l.loginId}.pdf`, new Uint8Array(l.letterPdf)])), { level: 0 });
    return c.body(zip, 200, {
      'content-type': 'application/zip',
      'content-disposition': `attachment; filename="courriers-${parisDay(clockOf(c).now)}.zip"`,
    }) as never;
  });

  app.openapi(postedRoute, async (c) => {
    const { references, postedOn } = c.req.valid('json');
    const { deps, requestId } = c.var;
    const results = [];
    for (const reference of [...new Set(references)]) {
      const found = await findRegistration(deps.db, { reference });
      try {
        if (!found) throw new ApiError('not_found', 'Aucun courrier ne porte cette référence.');
        if (found.registration.postedOn || found.registration.status !== 'pending') {
          throw new ApiError('letter_not_waiting', "Ce courrier n'est pas en attente d'envoi : il est déjà posté, ou l'inscription est réglée.");
        }
        const { oppositionDeadline: deadline } = await markLetterPosted(deps, found.loginId, { postedOn, requestId });
        results.push({ reference, outcome: 'done' as const, oppositionDeadline: deadline });
      } catch (error) {
        if (!(error instanceof ApiError) || error.code === 'service_unavailable') throw error;
        results.push({ reference, outcome: 'refused' as const, code: error.code, message: error.detail });
      }
    }
    const done = results.filter((r) => r.outcome === 'done').length;
    return c.json({ done, refused: results.length - done, results }, 200);
  });

  app.openapi(oppositionRoute, async (c) => {
    const body = c.req.valid('json');
    const { deps, requestId } = c.var;
    const found = await findRegistration(deps.db, { reference: body.reference, loginId: body.loginId });
    if (!found) throw registrationNotFound();
    const r = found.registration;
    c.set('auditEstablishmentId', r.establishmentId);
    c.set('auditTargetAccountId', r.accountId);
    if (r.status === 'confirmed') {
      throw new ApiError(
        'opposition_window_closed',
        `Le délai d'opposition est écoulé (dernier jour : ${r.oppositionDeadline ? frenchDate(r.oppositionDeadline) : '—'}) : l'inscription ${r.reference} est confirmée. Si le représentant légal maintient sa demande, supprimez le compte comme une action ordinaire.`,
        { oppositionDeadline: r.oppositionDeadline },
      );
    }
    if (r.status !== 'pending' && r.status !== 'letter_sent') {
      throw new ApiError('registration_settled', `L'inscription ${r.reference} est déjà réglée (${r.status === 'opposed' ? 'opposition déjà enregistrée' : 'compte supprimé'}).`);
    }
    const result = await recordOpposition(deps, found.loginId, { requestedOn: body.requestedOn, channel: body.channel, reason: body.reason, requestId });
    const what = { deleted: 'est supprimé', demoted: 'est redevenu utilisateur', already_deleted: 'était déjà supprimé' }[result.account];
    const message =
      `Opposition enregistrée (${r.reference}) : le compte ${found.loginId} ${what}, ses sessions sont fermées et les administrateurs sont prévenus.` +
      (result.noActiveAdminLeft ? " Attention : l'établissement n'a plus d'administrateur actif ; inscrivez-en un nouveau." : '');
    return c.json({ reference: r.reference!, loginId: found.loginId, ...result, message }, 200);
  });
}
