/** The account-management endpoints, as OpenAPI declares them. Handlers are in index.ts. */
import { createRoute, z } from '@hono/zod-openapi';
import {
  AccountDetailSchema,
  AccountListSchema,
  AccountSummarySchema,
  BulkReportSchema,
  CreateAccountBody,
  CreatedAccountSchema,
  EXPORT_BODY_MAX_IDS,
  ExportSelectionBody,
  IdsBody,
  ListAccountsQuery,
  ListFiltersQuery,
  RenewalPreviewSchema,
  RenewalReportSchema,
  RenewalSelectionBody,
  UpdateAccountBody,
} from '../../schemas/accounts';
import { establishmentAccess } from '../../middleware/guards';
import { AccountParams, errorResponses, EstablishmentParams, sessionSecurity } from '../../schemas/common';

const tags = ['Gestion des comptes'];
const ADMIN_ONLY =
  "Réservé aux administrateurs de l'établissement (ou d'un établissement centralisateur ayant reçu délégation). Un utilisateur reçoit 403 ; un autre établissement, 404.";
const EXPIRED_RULE = 'Sur un compte expiré, la seule action possible est le renouvellement : cette action est refusée (`account_expired`).';
/** 300 ids (39 characters each, comma encoded) keep the address within Node's 16 KB of headers. */
const EXPORT_QUERY_MAX_IDS = 300;
const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });

export const listAccountsRoute = createRoute({
  middleware: [establishmentAccess('admin')] as const,
  method: 'get',
  path: '/establishments/{establishmentId}/accounts',
  tags,
  summary: 'Liste des comptes',
  description: `Comptes non supprimés de l'établissement, triés par nom, prénom puis identifiant (groupe d'abord avec \`groupBy\`). ${ADMIN_ONLY}`,
  security: sessionSecurity,
  request: { params: EstablishmentParams, query: ListAccountsQuery },
  responses: {
    200: { description: 'Une page de comptes', content: json(AccountListSchema) },
    ...errorResponses('forbidden', 'not_found', 'invalid_cursor'),
  },
});

export const exportAccountsRoute = createRoute({
  middleware: [establishmentAccess('admin')] as const,
  method: 'get',
  path: '/establishments/{establishmentId}/accounts/export.csv',
  tags,
  summary: 'Exporter les comptes (CSV pour Excel)',
  description: `La sélection (\`ids\`) ou les comptes non supprimés que gardent les filtres de la liste (\`q\`, \`status\`, \`profile\`, comme GET …/accounts), dans l'ordre de la liste. UTF-8 avec BOM, séparateur « ; », fins de ligne CRLF, dates JJ/MM/AAAA, en-têtes en français ; une cellule commençant par = + - @ est précédée d'une apostrophe. ${ADMIN_ONLY}`,
  security: sessionSecurity,
  request: {
    params: EstablishmentParams,
    query: ListFiltersQuery.extend({
      ids: z
        .union([z.string(), z.array(z.string())])
        .optional()
        .transform((v, ctx) => {
          if (v === undefined) return undefined;
          const ids = (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
          for (const id of ids) {
            if (!z.uuid().safeParse(id).success) ctx.addIssue({ code: 'custom', message: `Identifiant de compte invalide : « ${id} ».` });
          }
          if (ids.length > EXPORT_QUERY_MAX_IDS) {
            ctx.addIssue({ code: 'custom', message: `${EXPORT_QUERY_MAX_IDS} comptes au plus dans l'adresse : pour une sélection plus grande, envoyez-la par POST.` });
          }
          return ids;
        })
        .openapi({
          description: `Comptes sélectionnés, séparés par des virgules (ou paramètre répété), ${EXPORT_QUERY_MAX_IDS} au plus (une adresse plus longue serait refusée, 431) ; absent = tous les comptes. Pour une sélection jusqu'à ${EXPORT_BODY_MAX_IDS} comptes : POST sur la même adresse.`,
          example: '0b8f3c1e-4c8a-4a57-9d55-0d3c5a1f2b77,5d1c2a44-0a52-4c55-a0a6-7f2f4f7b9f11',
        }),
    }),
  },
  responses: {
    200: {
      description: 'Fichier CSV',
      content: { 'text/csv': { schema: z.string().openapi({ example: '\uFEFFCivilité;Nom;Prénom;Identifiant;…\r\n' }) } },
    },
    ...errorResponses('forbidden', 'not_found'),
  },
});

export const exportSelectionRoute = createRoute({
  middleware: [establishmentAccess('admin')] as const,
  method: 'post',
  path: '/establishments/{establishmentId}/accounts/export.csv',
  tags,
  summary: 'Exporter une sélection de comptes (CSV pour Excel)',
  description: `Comme GET, pour la sélection envoyée dans le corps (jusqu'à ${EXPORT_BODY_MAX_IDS} comptes : une telle liste ne tient pas dans une adresse). Ne modifie rien. ${ADMIN_ONLY}`,
  security: sessionSecurity,
  request: { params: EstablishmentParams, body: { content: json(ExportSelectionBody), required: true } },
  responses: {
    200: {
      description: 'Fichier CSV',
      content: { 'text/csv': { schema: z.string().openapi({ example: '\uFEFFCivilité;Nom;Prénom;Identifiant;…\r\n' }) } },
    },
    ...errorResponses('forbidden', 'not_found'),
  },
});

export const createAccountRoute = createRoute({
  middleware: [establishmentAccess('admin', 'account.create')] as const,
  method: 'post',
  path: '/establishments/{establishmentId}/accounts',
  tags,
  summary: 'Créer un compte',
  description:
    "Étapes 1 et 2 du guide (coordonnées, droits) ; la réponse est l'étape 3 : l'identifiant à communiquer au titulaire. " +
    "Le compte est « En attente d'activation », expire dans 18 mois, et le courriel de création du mot de passe (lien valable 15 jours) part aussitôt. " +
    "Un compte Administrateur exige l'adresse professionnelle ; le représentant légal en est informé par courrier. " +
    `En-tête \`Idempotency-Key\` : la même clé avec le même corps renvoie la première réponse sans rien recréer ; avec un autre corps, 422. ${ADMIN_ONLY}`,
  security: sessionSecurity,
  request: {
    params: EstablishmentParams,
    headers: z.object({
      'idempotency-key': z
        .string()
        .min(1)
        .max(200)
        .optional()
        .openapi({ description: 'Clé choisie par le client pour rejouer la requête sans risque (ex. un UUID)', example: '7b0c6f1e-2f5d-4b8e-9a55-1c1f0c9f4f20' }),
    }),
    body: { content: json(CreateAccountBody), required: true },
  },
  responses: {
    201: { description: 'Compte créé (ou première réponse rejouée)', content: json(CreatedAccountSchema) },
    ...errorResponses('forbidden', 'not_found', 'idempotency_key_reused', 'service_unavailable'),
  },
});

export const getAccountRoute = createRoute({
  middleware: [establishmentAccess('admin')] as const,
  method: 'get',
  path: '/establishments/{establishmentId}/accounts/{accountId}',
  tags,
  summary: 'Consulter un compte',
  description: `Coordonnées, statut et droits groupés par thématique. ${ADMIN_ONLY}`,
  security: sessionSecurity,
  request: { params: AccountParams },
  responses: {
    200: { description: 'Le compte', content: json(AccountDetailSchema) },
    ...errorResponses('forbidden', 'not_found'),
  },
});

export const updateAccountRoute = createRoute({
  middleware: [establishmentAccess('admin', 'account.update')] as const,
  method: 'patch',
  path: '/establishments/{establishmentId}/accounts/{accountId}',
  tags,
  summary: 'Modifier un compte (coordonnées, droits, promotion)',
  description:
    "Seuls les champs présents changent ; `null` efface un champ facultatif. Utilisateur → Administrateur : promotion (adresse professionnelle exigée, courrier au représentant légal, prise en compte à la prochaine connexion : les sessions du titulaire sont fermées). " +
    `Administrateur → Utilisateur : refusé (\`admin_demotion_refused\`). ${EXPIRED_RULE} ${ADMIN_ONLY}`,
  security: sessionSecurity,
  request: { params: AccountParams, body: { content: json(UpdateAccountBody), required: true } },
  responses: {
    200: { description: 'Le compte modifié', content: json(AccountDetailSchema) },
    ...errorResponses('forbidden', 'not_found', 'account_expired', 'admin_demotion_refused'),
  },
});

export const deleteAccountRoute = createRoute({
  middleware: [establishmentAccess('admin', 'account.delete')] as const,
  method: 'delete',
  path: '/establishments/{establishmentId}/accounts/{accountId}',
  tags,
  summary: 'Supprimer un compte',
  description:
    "Le compte quitte la liste (il reste dans l'historique) ; ses sessions et son lien de création du mot de passe ne fonctionnent plus. " +
    `Refusé pour le dernier administrateur actif (\`last_active_admin\`). ${EXPIRED_RULE} ${ADMIN_ONLY}`,
  security: sessionSecurity,
  request: { params: AccountParams },
  responses: {
    204: { description: 'Compte supprimé' },
    ...errorResponses('forbidden', 'not_found', 'account_expired', 'last_active_admin', 'service_unavailable'),
  },
});

export const renewAccountRoute = createRoute({
  middleware: [establishmentAccess('admin', 'account.renew')] as const,
  method: 'post',
  path: '/establishments/{establishmentId}/accounts/{accountId}/renew',
  tags,
  summary: 'Renouveler un compte',
  description: `Nouvelle expiration : 18 mois après aujourd'hui. Seule action possible sur un compte expiré. ${ADMIN_ONLY}`,
  security: sessionSecurity,
  request: { params: AccountParams },
  responses: {
    200: { description: 'Le compte renouvelé', content: json(AccountSummarySchema) },
    ...errorResponses('forbidden', 'not_found'),
  },
});

export const resendActivationRoute = createRoute({
  middleware: [establishmentAccess('admin', 'account.resend_activation')] as const,
  method: 'post',
  path: '/establishments/{establishmentId}/accounts/{accountId}/resend-activation',
  tags,
  summary: 'Renvoyer le courriel de création du mot de passe',
  description: `Un nouveau lien valable 15 jours à compter de maintenant ; le précédent ne fonctionne plus. Possible tant que le compte est en attente d’activation, y compris après l’expiration du lien (nouvelle demande). ${EXPIRED_RULE} ${ADMIN_ONLY}`,
  security: sessionSecurity,
  request: { params: AccountParams },
  responses: {
    202: {
      description: 'Nouveau courriel demandé',
      content: json(z.object({ message: z.string().openapi({ description: 'Confirmation, en français', example: 'Un nouveau courriel de création du mot de passe a été envoyé.' }) })),
    },
    ...errorResponses('forbidden', 'not_found', 'account_expired', 'account_not_pending', 'service_unavailable'),
  },
});

export const unblockAccountRoute = createRoute({
  middleware: [establishmentAccess('admin', 'account.unblock')] as const,
  method: 'post',
  path: '/establishments/{establishmentId}/accounts/{accountId}/unblock',
  tags,
  summary: 'Débloquer un compte',
  description: `Lève le blocage dû aux échecs de connexion répétés. ${EXPIRED_RULE} ${ADMIN_ONLY}`,
  security: sessionSecurity,
  request: { params: AccountParams },
  responses: {
    200: { description: 'Le compte débloqué', content: json(AccountSummarySchema) },
    ...errorResponses('forbidden', 'not_found', 'account_expired', 'account_not_blocked'),
  },
});

const BULK =
  'Chaque compte est traité à part (sa transaction, son entrée d’historique) : la réponse est 200 avec un compte rendu par compte (`done` ou `refused` avec code et message), même si certains sont refusés.';

export const bulkDeleteRoute = createRoute({
  middleware: [establishmentAccess('admin', 'account.delete')] as const,
  method: 'post',
  path: '/establishments/{establishmentId}/accounts/bulk-delete',
  tags,
  summary: 'Supprimer une sélection de comptes',
  description: `${BULK} Les administrateurs actifs sélectionnés sont refusés si la sélection n'en laisserait aucun. ${ADMIN_ONLY}`,
  security: sessionSecurity,
  request: { params: EstablishmentParams, body: { content: json(IdsBody), required: true } },
  responses: {
    200: { description: 'Compte rendu par compte', content: json(BulkReportSchema) },
    ...errorResponses('forbidden', 'not_found'),
  },
});

const RENEWAL =
  "Nouvelle expiration : 18 mois après aujourd'hui, pour les comptes sélectionnés (`ids`) ou tous les comptes (`all: true`), expirés compris. ";

export const bulkRenewRoute = createRoute({
  middleware: [establishmentAccess('admin', 'account.renew')] as const,
  method: 'post',
  path: '/establishments/{establishmentId}/accounts/bulk-renew',
  tags,
  summary: 'Renouveler une sélection de comptes, ou tous',
  description:
    RENEWAL +
    "Une seule transaction : chaque compte trouvé est renouvelé avec son entrée d'historique (avant/après) ; un compte introuvable est refusé (`not_found`) avec la sienne. " +
    'La réponse est 200 avec un compte rendu par compte (`done` ou `refused` avec code et message). ' +
    'Les suivis de validité (Temporal) des comptes sont informés juste après, hors de la requête, par le workflow `signalsWorkflowId`. ' +
    `Temporal injoignable : 503, rien n'est renouvelé. ${ADMIN_ONLY}`,
  security: sessionSecurity,
  request: { params: EstablishmentParams, body: { content: json(RenewalSelectionBody), required: true } },
  responses: {
    200: { description: 'Compte rendu par compte', content: json(RenewalReportSchema) },
    ...errorResponses('forbidden', 'not_found', 'service_unavailable'),
  },
});

export const renewalPreviewRoute = createRoute({
  middleware: [establishmentAccess('admin')] as const,
  method: 'post',
  path: '/establishments/{establishmentId}/accounts/renewal-preview',
  tags,
  summary: 'Aperçu d’un renouvellement (avant confirmation)',
  description:
    RENEWAL +
    "Ne change rien : donne le nombre de comptes qui seraient renouvelés, leur nouvelle date et la phrase de confirmation du guide " +
    `(« Vous allez renouveler les droits pour : 2 utilisateurs jusqu'au 18/09/2025 »). Même corps que le renouvellement. ${ADMIN_ONLY}`,
  security: sessionSecurity,
  request: { params: EstablishmentParams, body: { content: json(RenewalSelectionBody), required: true } },
  responses: {
    200: { description: 'Ce que ferait le renouvellement', content: json(RenewalPreviewSchema) },
    ...errorResponses('forbidden', 'not_found'),
  },
});
