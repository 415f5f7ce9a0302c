/**
 * Terms of use (CGU): the operator publishes versions and follows who accepted; every logged-in
 * person reads the version in force; an establishment's admin accepts it.
 */
import { createHash } from 'node:crypto';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { recordAudit } from '../../db/queries/audit';
import { findEstablishment } from '../../db/queries/establishments';
import { findAccountById } from '../../db/queries/accounts';
import {
  currentTermsVersion,
  findTermsVersion,
  insertTermsVersion,
  listTermsVersions,
  listVersionTargets,
  versionTargetsCsv,
  standingCounts,
  targetAllEstablishments,
  termsDocument,
  type TermsVersionSummary,
  lockEstablishmentsForPublication,
} from '../../db/queries/terms';
import { frenchDate, parisDay } from '../../domain/dates';
import { DEFAULT_REMINDER_DAYS, earliestDeadline, TERMS_STANDING_LABELS, TERMS_STANDINGS, TERMS_VERSION_PATTERN } from '../../domain/terms';
import { auditActor, callWorkflow } from '../../accounts';
import { startTermsCampaign } from '../../terms/lifecycles';
import { csvResponse } from '../csv';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';
import { anyAuthenticated, establishmentAccess, operatorOnly } from '../middleware/guards';
import { dayInput, errorResponses, EstablishmentParams, instant, isoDay, operatorSecurity, PaginationMeta, PaginationQuery, paginationMeta, sessionSecurity } from '../schemas/common';
import { acceptTerms, termsViewFor } from '../terms';
import { clockOf } from './accounts/present';
import { log } from '../../logging/logger';

const tags = ["Conditions générales d'utilisation"];
/** Base64 of a PDF within the API's 1 MB body limit. */
const MAX_PDF_BASE64 = 1_000_000;

const versionLabel = z
  .string()
  .regex(TERMS_VERSION_PATTERN, 'Version invalide : lettres, chiffres, « . », « _ » ou « - », 32 caractères au plus.')
  .openapi({ description: 'Libellé de la version (entre dans les identifiants de workflow)', example: '2024-03' });

const PublishBody = z
  .object({
    version: versionLabel,
    title: z.string().trim().min(1).max(200).openapi({ description: 'Titre', example: "Conditions générales d'utilisation de la plateforme PEP's" }),
    text: z.string().min(1).max(500_000).optional().openapi({ description: 'Le texte des CGU (ou `pdfBase64`)', example: 'Article 1 — Objet…' }),
    pdfBase64: z
      .string()
      .max(MAX_PDF_BASE64)
      .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'PDF attendu encodé en base64.')
      .optional()
      .openapi({ description: 'Le PDF des CGU, encodé en base64 (ou `text`)', example: 'JVBERi0xLjQK…' }),
    deadlineOn: dayInput("Date limite : les CGU doivent être validées avant ce jour (« avant le 06/03/2024 »), au moins 9 jours après aujourd'hui").openapi({
      example: '2024-03-06',
    }),
    reminderDaysBefore: z
      .array(z.number().int().min(1).max(90))
      .max(5)
      .default([...DEFAULT_REMINDER_DAYS])
      .openapi({ description: 'Jours avant la date limite où les administrateurs reçoivent un rappel', example: [7, 1] }),
  })
  .superRefine((body, ctx) => {
    if ((body.text === undefined) === (body.pdfBase64 === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['text'], message: 'Fournissez le texte (text) ou le PDF (pdfBase64), un seul des deux.' });
    }
  })
  .openapi('PublishTermsVersion');

const VersionSchema = z
  .object({
    version: versionLabel,
    title: z.string().openapi({ description: 'Titre', example: "Conditions générales d'utilisation de la plateforme PEP's" }),
    documentType: z.enum(['text', 'pdf']).openapi({ description: 'Nature du document', example: 'pdf' }),
    documentSha256: z.string().openapi({ description: 'Empreinte SHA-256 du document publié', example: '9f86d081884c7d65…' }),
    documentUrl: z.string().openapi({ description: 'Où lire le document', example: '/terms/versions/2024-03/document' }),
    publishedAt: instant('Publication'),
    deadlineOn: isoDay('Date limite : validation avant ce jour'),
    reminderDaysBefore: z.array(z.number().int()).openapi({ description: 'Rappels, en jours avant la date limite', example: [7, 1] }),
    previousVersion: z.string().nullable().openapi({ description: 'Version remplacée', example: '2023-01' }),
  })
  .openapi('TermsVersion');

const CountsSchema = z
  .object({
    pending: z.number().int().openapi({ description: 'En attente de validation', example: 120 }),
    overdue: z.number().int().openapi({ description: 'Délai dépassé', example: 3 }),
    accepted: z.number().int().openapi({ description: 'Validées', example: 9877 }),
  })
  .openapi('TermsCounts');

const presentVersion = (v: TermsVersionSummary) => ({
  version: v.version,
  title: v.title,
  documentType: v.documentType,
  documentSha256: v.documentSha256,
  documentUrl: `/terms/versions/${v.version}/document`,
  publishedAt: v.publishedAt.toISOString(),
  deadlineOn: v.deadlineOn,
  reminderDaysBefore: v.reminderDaysBefore,
  previousVersion: v.previousVersion,
});

const VersionParams = z.object({ version: versionLabel.openapi({ param: { name: 'version', in: 'path' } }) });

const publishRoute = createRoute({
  method: 'post',
  path: '/operator/terms-versions',
  middleware: [operatorOnly('terms.publish')] as const,
  tags,
  summary: 'Publier une version des CGU',
  description:
    "Enregistre la version (texte ou PDF conservé par la plateforme, non modifiable ensuite), la rend en vigueur, et lance sa diffusion : chaque établissement inscrit doit la valider avant la date limite ; ses administrateurs actifs reçoivent un courriel, puis des rappels. Les campagnes en cours des versions précédentes s'arrêtent. Réservé à l'opérateur.",
  security: operatorSecurity,
  request: { body: { content: { 'application/json': { schema: PublishBody } }, required: true } },
  responses: {
    201: {
      description: 'Version publiée',
      content: {
        'application/json': {
          schema: z.object({
            version: VersionSchema,
            establishments: z.number().int().openapi({ description: 'Établissements qui doivent la valider', example: 10000 }),
          }),
        },
      },
    },
    ...errorResponses('terms_version_exists', 'service_unavailable'),
  },
});

const listVersionsRoute = createRoute({
  method: 'get',
  path: '/operator/terms-versions',
  middleware: [operatorOnly()] as const,
  tags,
  summary: 'Versions publiées des CGU',
  description: "Les plus récentes d'abord, avec le nombre d'établissements par état. Réservé à l'opérateur.",
  security: operatorSecurity,
  responses: {
    200: {
      description: 'Les versions',
      content: { 'application/json': { schema: z.object({ items: z.array(VersionSchema.extend({ counts: CountsSchema })) }) } },
    },
    ...errorResponses(),
  },
});

const StandingQuery = z.object({
  standing: z
    .enum([...TERMS_STANDINGS, 'not_accepted'])
    .default('not_accepted')
    .openapi({ description: 'État : `not_accepted` (en attente ou délai dépassé, par défaut), `pending`, `overdue`, `accepted`', example: 'not_accepted' }),
});

const TargetSchema = z
  .object({
    establishmentId: z.string().openapi({ example: '3f1c2b9e-8d1a-4a57-9d55-0d3c5a1f2b77' }),
    siret: z.string().openapi({ example: '21330063500017' }),
    name: z.string().openapi({ example: 'COMMUNE DE DEMO' }),
    deadlineOn: isoDay('Date limite de cet établissement'),
    standing: z.enum(TERMS_STANDINGS).openapi({ description: 'État', example: 'overdue' }),
    standingLabel: z.string().openapi({ description: 'État, en français', example: 'Délai dépassé' }),
    acceptedAt: instant('Validation').nullable(),
    acceptedByLoginId: z.string().nullable().openapi({ description: "Identifiant de l'administrateur qui a validé", example: 'MGU000012' }),
  })
  .openapi('TermsEstablishment');

const listTargetsRoute = createRoute({
  method: 'get',
  path: '/operator/terms-versions/{version}/establishments',
  middleware: [operatorOnly()] as const,
  tags,
  summary: 'Établissements et leur validation',
  description: "Par nom ; par défaut ceux qui n'ont pas validé. Réservé à l'opérateur.",
  security: operatorSecurity,
  request: { params: VersionParams, query: PaginationQuery.extend(StandingQuery.shape) },
  responses: {
    200: { description: 'Une page', content: { 'application/json': { schema: z.object({ items: z.array(TargetSchema), ...PaginationMeta }) } } },
    ...errorResponses('not_found'),
  },
});

const exportTargetsRoute = createRoute({
  method: 'get',
  path: '/operator/terms-versions/{version}/establishments.csv',
  middleware: [operatorOnly()] as const,
  tags,
  summary: 'Établissements et leur validation (CSV pour Excel)',
  description: "Tous ceux de l'état demandé (par défaut ceux qui n'ont pas validé). Réservé à l'opérateur.",
  security: operatorSecurity,
  request: { params: VersionParams, query: StandingQuery },
  responses: {
    200: { description: 'Fichier CSV', content: { 'text/csv': { schema: z.string().openapi({ example: '\uFEFFSIRET;Établissement;…\r\n' }) } } },
    ...errorResponses('not_found'),
  },
});

const currentRoute = createRoute({
  method: 'get',
  path: '/terms/current',
  middleware: [anyAuthenticated()] as const,
  tags,
  summary: 'Les CGU en vigueur',
  description: 'La version en vigueur, lisible par toute personne connectée (et par l’opérateur).',
  security: [...sessionSecurity, ...operatorSecurity],
  responses: {
    200: { description: 'La version en vigueur', content: { 'application/json': { schema: VersionSchema } } },
    ...errorResponses('not_found'),
  },
});

const documentRoute = createRoute({
  method: 'get',
  path: '/terms/versions/{version}/document',
  middleware: [anyAuthenticated()] as const,
  tags,
  summary: "Le document d'une version des CGU",
  description: 'Le texte (text/plain) ou le PDF (application/pdf) tel que publié.',
  security: [...sessionSecurity, ...operatorSecurity],
  request: { params: VersionParams },
  responses: {
    200: {
      description: 'Le document',
      content: { 'text/plain': { schema: z.string() }, 'application/pdf': { schema: z.string().openapi({ format: 'binary' }) } },
    },
    ...errorResponses('not_found'),
  },
});

export const EstablishmentTermsSchema = z
  .object({
    version: versionLabel,
    title: z.string().openapi({ description: 'Titre', example: "Conditions générales d'utilisation de la plateforme PEP's" }),
    publishedAt: instant('Publication'),
    deadlineOn: isoDay('Date limite : validation avant ce jour'),
    standing: z.enum(TERMS_STANDINGS).openapi({ description: "État pour l'établissement", example: 'pending' }),
    standingLabel: z.string().openapi({ description: 'État, en français', example: 'En attente de validation' }),
    acceptedAt: instant('Validation').nullable(),
    acceptedByLoginId: z.string().nullable().openapi({ description: "Identifiant de l'administrateur qui a validé", example: 'MGU000012' }),
    canAccept: z.boolean().openapi({ description: 'La personne connectée peut valider maintenant', example: false }),
    isAdmin: z.boolean().openapi({ description: 'La personne connectée est administrateur de cet établissement', example: true }),
    acceptableFrom: isoDay("Pour un administrateur dont le délai de 8 jours court : premier jour où il pourra valider").nullable(),
  })
  .openapi('EstablishmentTerms');

const establishmentTermsRoute = createRoute({
  method: 'get',
  path: '/establishments/{establishmentId}/terms',
  middleware: [establishmentAccess('member')] as const,
  tags,
  summary: "Les CGU de l'établissement",
  description: "La version en vigueur, sa date limite pour l'établissement et son état ; ouvert à tous les comptes de l'établissement.",
  security: sessionSecurity,
  request: { params: EstablishmentParams },
  responses: {
    200: { description: 'État', content: { 'application/json': { schema: EstablishmentTermsSchema.nullable() } } },
    ...errorResponses('not_found'),
  },
});

const AcceptBody = z
  .object({
    version: versionLabel.openapi({ description: 'La version lue et acceptée (celle en vigueur)', example: '2024-03' }),
    declaration: z.literal(true, { error: 'Cochez « Je déclare avoir lu, compris et accepté les conditions générales d’utilisation. »' }).openapi({
      description: "« Je déclare avoir lu, compris et accepté les conditions générales d'utilisation. »",
      example: true,
    }),
  })
  .openapi('AcceptTerms');

const acceptRoute = createRoute({
  method: 'post',
  path: '/establishments/{establishmentId}/terms/acceptance',
  middleware: [establishmentAccess('admin', 'terms.accept')] as const,
  tags,
  summary: 'Valider les CGU',
  description:
    "Un administrateur de l'établissement valide la version en vigueur pour tout l'établissement, au plus tôt 8 jours après être devenu administrateur. Une seule validation compte ; la répéter renvoie la première.",
  security: sessionSecurity,
  request: { params: EstablishmentParams, body: { content: { 'application/json': { schema: AcceptBody } }, required: true } },
  responses: {
    200: {
      description: 'CGU validées pour l’établissement',
      content: {
        'application/json': {
          schema: z.object({
            version: versionLabel,
            acceptedAt: instant('Validation'),
            acceptedByLoginId: z.string().openapi({ description: "Identifiant de l'administrateur qui a validé", example: 'MGU000012' }),
            alreadyAccepted: z.boolean().openapi({ description: 'Vrai quand elles étaient déjà validées (rien de changé)', example: false }),
            message: z.string().openapi({ example: "Les conditions générales d'utilisation sont validées pour votre établissement." }),
          }),
        },
      },
    },
    ...errorResponses('forbidden', 'not_found', 'terms_version_not_current', 'terms_admin_delay', 'service_unavailable'),
  },
});

async function versionOr404(db: Parameters<typeof findTermsVersion>[0], version: string) {
  const found = await findTermsVersion(db, version);
  if (!found) throw new ApiError('not_found', 'Cette version des conditions générales d’utilisation est introuvable.');
  return found;
}

export function registerTermsRoutes(app: OpenAPIHono<AppEnv>) {
  app.openapi(publishRoute, async (c) => {
    const body = c.req.valid('json');
    const { db } = c.var.deps;
    const clock = clockOf(c);
    if (body.deadlineOn < earliestDeadline(clock.today)) {
      throw new ApiError('validation_failed', 'Certaines données sont invalides : corrigez les champs indiqués.', {
        errors: [
          {
            field: 'deadlineOn',
            message: `La date limite doit être au plus tôt le ${frenchDate(earliestDeadline(clock.today))} : un nouvel administrateur ne peut valider qu'après 8 jours.`,
          },
        ],
      });
    }
    if (await findTermsVersion(db, body.version)) throw versionExists(body.version);
    const pdf = body.pdfBase64 === undefined ? null : Buffer.from(body.pdfBase64, 'base64');
    if (pdf && pdf.subarray(0, 5).toString('latin1') !== '%PDF-') {
      throw new ApiError('validation_failed', 'Certaines données sont invalides : corrigez les champs indiqués.', {
        errors: [{ field: 'pdfBase64', message: "Ce fichier n'est pas un PDF." }],
      });
    }
    const document = pdf ?? Buffer.from(body.text!, 'utf8');

    const published = await db.transaction(async (tx) => {
      await lockEstablishmentsForPublication(tx);
      const previous = await currentTermsVersion(tx);
      const version = await insertTermsVersion(tx, {
        version: body.version,
        title: body.title,
        documentType: pdf ? 'pdf' : 'text',
        documentText: pdf ? null : body.text!,
        documentPdf: pdf,
        documentSha256: createHash('sha256').update(document).digest('hex'),
        publishedAt: clock.now,
        deadlineOn: body.deadlineOn,
        reminderDaysBefore: [...new Set(body.reminderDaysBefore)].sort((a, b) => b - a),
        previousVersion: previous?.version ?? null,
      });
      const establishments = await targetAllEstablishments(tx, { versionId: version.id, deadlineOn: version.deadlineOn });
      await recordAudit(tx, {
        ...auditActor(c.var.actor),
        requestId: c.var.requestId,
        action: 'terms.publish',
        outcome: 'success',
        after: { ...presentVersion(version), establishments },
      });
      await callWorkflow(c.var.requestId, () => startTermsCampaign(c.var.deps, version, establishments));
      return { version: presentVersion(version), establishments };
    }).catch((error) => {
      if ((error as { code?: string })?.code === '23505') throw versionExists(body.version);
      throw error;
    });
    return c.json(published, 201);
  });

  app.openapi(listVersionsRoute, async (c) => {
    const { db } = c.var.deps;
    const { today } = clockOf(c);
    const versions = await listTermsVersions(db);
    const items = [];
    for (const v of versions) items.push({ ...presentVersion(v), counts: await standingCounts(db, v.id, today) });
    return c.json({ items }, 200);
  });

  app.openapi(listTargetsRoute, async (c) => {
    const { version } = c.req.valid('param');
    const q = c.req.valid('query');
    const { db } = c.var.deps;
    const found = await versionOr404(db, version);
    const pageSize = Number(q.pageSize);
    const { items, total } = await listVersionTargets(db, { versionId: found.id, today: clockOf(c).today, standing: q.standing, page: q.page, pageSize });
    return c.json(
      {
        items: items.map((t) => ({
          ...t,
          standingLabel: TERMS_STANDING_LABELS[t.standing],
          acceptedAt: t.acceptedAt?.toISOString() ?? null,
          acceptedByLoginId: t.acceptedByLoginId ?? null,
        })),
        ...paginationMeta(q.page, pageSize, total),
      },
      200,
    );
  });

  app.openapi(exportTargetsRoute, async (c) => {
    const { version } = c.req.valid('param');
    const { standing } = c.req.valid('query');
    const { db } = c.var.deps;
    const found = await versionOr404(db, version);
    const { today } = clockOf(c);
    const rows = await versionTargetsCsv(db, { versionId: found.id, version: found.version, today, standing });
    return csvResponse(c, rows, `cgu-${found.version}-${standing}-${today}.csv`);
  });

  app.openapi(currentRoute, async (c) => {
    const current = await currentTermsVersion(c.var.deps.db);
    if (!current) throw new ApiError('not_found', "Aucune version des conditions générales d'utilisation n'est en vigueur.");
    return c.json(presentVersion(current), 200);
  });

  app.openapi(documentRoute, async (c) => {
    const { version } = c.req.valid('param');
    const doc = await termsDocument(c.var.deps.db, version);
    if (!doc) throw new ApiError('not_found', 'Cette version des conditions générales d’utilisation est introuvable.');
    if (doc.documentType === 'pdf') {
      return c.body(new Uint8Array(doc.pdf!), 200, {
        'Content-Type': 'application/pdf',
        'Content-Disposition': `inline; filename="cgu-${version}.pdf"`,
      }) as never;
    }
    return c.body(doc.text!, 200, { 'Content-Type': 'text/plain; charset=utf-8' }) as never;
  });

  app.openapi(establishmentTermsRoute, async (c) => {
    const { establishmentId } = c.req.valid('param');
    const clock = clockOf(c);
    const actor = c.var.actor;
    const account = actor.type === 'account' ? await findAccountById(c.var.deps.db, actor.account.id, clock) : undefined;
    // An admin acting for a delegating establishment reads its state but does not accept for it.
    const own = account && account.establishmentId === establishmentId ? account : { profile: 'user', termsAcceptableFrom: null };
    return c.json(await termsViewFor(c.var.deps, own, establishmentId, clock), 200);
  });

  app.openapi(acceptRoute, async (c) => {
    const { establishmentId } = c.req.valid('param');
    const { version } = c.req.valid('json');
    const { db } = c.var.deps;
    const clock = clockOf(c);
    const actor = c.var.actor;
    if (actor.type !== 'account') throw new ApiError('unauthenticated', 'Vous devez être connecté.');
    if (actor.account.establishmentId !== establishmentId) {
      throw new ApiError('forbidden', "Seul un administrateur de l'établissement peut valider ses conditions générales d'utilisation.");
    }
    const account = await findAccountById(db, actor.account.id, clock);
    const establishment = await findEstablishment(db, establishmentId);
    if (!account || !establishment) throw new ApiError('not_found', 'Établissement introuvable.');
    const acceptance = await acceptTerms(c.var.deps, { establishment, account, version, requestId: c.var.requestId });
    return c.json(
      {
        version,
        acceptedAt: acceptance.acceptedAt,
        acceptedByLoginId: acceptance.acceptedByLoginId,
        alreadyAccepted: acceptance.alreadyAccepted,
        message: acceptance.alreadyAccepted
          ? `Les conditions générales d'utilisation avaient déjà été validées pour votre établissement par ${acceptance.acceptedByLoginId} le ${frenchDate(parisDay(new Date(acceptance.acceptedAt)))}.`
          : "Les conditions générales d'utilisation sont validées pour votre établissement.",
      },
      200,
    );
  });
}

function versionExists(version: string) {
  return new ApiError('terms_version_exists', `La version ${version} des conditions générales d'utilisation est déjà publiée : une version publiée ne change plus.`, {
    errors: [{ field: 'version', message: 'Cette version est déjà publiée.' }],
  });
}
