/** Establishment pages: « Mes intervenants » (every member) and the history (admins). */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { listActiveAdmins } from '../../db/queries/accounts';
import { listHistory } from '../../db/queries/history';
import { CIVILITY_SHORT } from '../../domain/account';
import { addDays, parisMidnight } from '../../domain/dates';
import type { AppEnv } from '../env';
import { CivilitySchema } from '../schemas/accounts';
import { dayInput, errorResponses, EstablishmentParams, instant, PaginationMeta, PaginationQuery, paginationMeta, sessionSecurity, uuidSchema } from '../schemas/common';
import { establishmentAccess } from '../middleware/guards';
import { clockOf } from './accounts/present';

const AdminSchema = z
  .object({
    id: z.string().openapi({ description: 'Compte', example: '0b8f3c1e-4c8a-4a57-9d55-0d3c5a1f2b77' }),
    civility: CivilitySchema,
    civilityLabel: z.string().openapi({ description: 'Civilité abrégée', example: 'Mme' }),
    lastName: z.string().openapi({ description: 'Nom', example: 'Gueriot' }),
    firstName: z.string().openapi({ description: 'Prénom', example: 'Myriam' }),
    email: z.string().openapi({ description: 'Courriel', example: 'myriam.gueriot@commune-demo.fr' }),
    phone: z.string().nullable().openapi({ description: 'Téléphone fixe', example: '0556114123' }),
    serviceFunction: z.string().nullable().openapi({ description: 'Service et/ou fonction', example: 'Ressources Humaines' }),
  })
  .openapi('Intervenant');

const adminsRoute = createRoute({
  method: 'get',
  path: '/establishments/{establishmentId}/admins',
  middleware: [establishmentAccess('member')] as const,
  tags: ['Établissement'],
  summary: 'Mes intervenants',
  description: "Les administrateurs actifs de l'établissement, à contacter pour obtenir des droits ou un renouvellement. Ouvert à tous les comptes de l'établissement.",
  security: sessionSecurity,
  request: { params: EstablishmentParams },
  responses: {
    200: { description: 'Les administrateurs actifs', content: { 'application/json': { schema: z.object({ items: z.array(AdminSchema) }) } } },
    ...errorResponses('not_found'),
  },
});

const ACTION_LABELS: Record<string, string> = {
  'auth.login': 'Connexion',
  'auth.login_failed': 'Échec de connexion',
  'auth.logout': 'Déconnexion',
  'establishment.create': "Inscription de l'établissement",
  'account.create': 'Création du compte',
  'account.update': 'Modification du compte',
  'account.promote': 'Passage au profil Administrateur',
  'account.delete': 'Suppression du compte',
  'account.renew': 'Renouvellement du compte',
  'account.unblock': 'Déblocage du compte',
  'account.resend_activation': 'Renvoi du courriel de création du mot de passe',
  'account.set_password': 'Création du mot de passe',
  'account.activated': 'Activation du compte',
  'account.password_reset': 'Réinitialisation du mot de passe',
  'email.password_creation_sent': 'Envoi du courriel de création du mot de passe',
  'email.password_reset_sent': 'Envoi du courriel de réinitialisation du mot de passe',
  'email.login_id_reminder_sent': "Envoi de l'identifiant oublié",
  'activation.link_expired': 'Expiration du lien de création du mot de passe',
  'password_reset.link_expired': 'Expiration du lien de réinitialisation',
  'activation.link_cancelled': 'Lien de création du mot de passe annulé (exploitation)',
  'password_reset.link_cancelled': 'Lien de réinitialisation annulé (exploitation)',
  'email.terms_of_use_sent': "Envoi du courriel des conditions générales d'utilisation aux administrateurs",
  'terms.accept': "Validation des conditions générales d'utilisation",
  'terms.accepted': "Validation des conditions générales d'utilisation",
  'terms.deadline_passed': "Date limite de validation des conditions générales d'utilisation dépassée",
  'terms.enrolled': "Conditions générales d'utilisation en vigueur à valider",
  'account.demote': 'Retour au profil Utilisateur',
  'admin_registration.letter_generated': 'Courrier au représentant légal préparé',
  'admin_registration.letter_overdue': 'Courrier au représentant légal en retard',
  'admin_registration.letter_posted': 'Courrier au représentant légal posté',
  'admin_registration.confirmed': "Inscription de l'administrateur confirmée",
  'admin_registration.opposed': "Opposition du représentant légal à l'inscription de l'administrateur",
  'admin_registration.cancelled': "Inscription de l'administrateur sans objet (compte supprimé)",
  'email.admin_opposition_sent': "Envoi du courriel d'opposition du représentant légal",
  'account.expired': 'Expiration du compte',
  'email.expiry_reminder_sent': "Envoi du rappel d'expiration des comptes",
  'establishment.attach': 'Rattachement à un établissement centralisateur',
  'establishment.detach': "Retrait du rattachement à l'établissement centralisateur",
  'delegation.request': 'Demande de délégation de gestion',
  'delegation.accept': 'Acceptation de la délégation de gestion',
  'delegation.refuse': 'Refus de la délégation de gestion',
  'delegation.accepted': 'Délégation de gestion acceptée',
  'delegation.refused': 'Délégation de gestion refusée',
  'delegation.lapsed': 'Demande de délégation sans réponse dans le délai',
  'delegation.end': 'Fin de la délégation de gestion',
  'delegation.ended': 'Délégation de gestion terminée',
  'email.delegation_requested_sent': 'Envoi du courriel de demande de délégation',
  'email.delegation_reminder_sent': 'Envoi du courriel de relance de la demande de délégation',
  'email.delegation_accepted_sent': "Envoi du courriel d'acceptation de la délégation",
  'email.delegation_refused_sent': 'Envoi du courriel de refus de la délégation',
  'email.delegation_lapsed_sent': 'Envoi du courriel de demande de délégation sans réponse',
  'email.delegation_ended_sent': 'Envoi du courriel de fin de la délégation',
};

const day = (description: string) => dayInput(description).optional();

const HistoryQuery = PaginationQuery.extend({
  accountId: uuidSchema('Opérations portant sur ce compte').optional(),
  actorId: uuidSchema('Opérations faites par ce compte').optional(),
  from: day('Depuis ce jour inclus (heure de Paris)'),
  to: day("Jusqu'à ce jour inclus (heure de Paris)"),
});

const HistoryEntrySchema = z
  .object({
    id: z.number().int().openapi({ description: "Numéro de l'entrée", example: 1042 }),
    at: instant("Moment de l'opération"),
    action: z.string().openapi({ description: 'Opération (code stable)', example: 'account.create' }),
    actionLabel: z.string().openapi({ description: 'Opération, en français', example: 'Création du compte' }),
    outcome: z.enum(['success', 'refused']).openapi({ description: 'Faite, ou refusée', example: 'success' }),
    actor: z.object({
      type: z.enum(['account', 'operator', 'system', 'anonymous']).openapi({ description: 'Qui a agi', example: 'account' }),
      accountId: z.string().nullable().openapi({ description: 'Compte auteur', example: '5d1c2a44-0a52-4c55-a0a6-7f2f4f7b9f11' }),
      label: z.string().nullable().openapi({ description: 'Identifiant de l’auteur (ou DRS, ou le processus)', example: 'MGU000012' }),
      establishmentId: z.string().nullable().openapi({ description: "Établissement de l'auteur", example: '3f1c2b9e-8d1a-4a57-9d55-0d3c5a1f2b77' }),
      establishmentName: z.string().nullable().openapi({ description: "Nom de l'établissement de l'auteur (celui pour le compte duquel il agit est l'établissement de l'historique)", example: 'CDG DE DEMO' }),
      onBehalf: z.boolean().openapi({ description: "Vrai quand l'auteur agit pour le compte de cet établissement (délégation)", example: false }),
    }),
    targetAccountId: z.string().nullable().openapi({ description: 'Compte concerné', example: '0b8f3c1e-4c8a-4a57-9d55-0d3c5a1f2b77' }),
    targetLoginId: z.string().nullable().openapi({ description: 'Identifiant du compte concerné', example: 'JLO000439' }),
    before: z.unknown().openapi({ description: 'État avant (sans aucun secret)' }),
    after: z.unknown().openapi({ description: 'État après (sans aucun secret)' }),
    detail: z.unknown().openapi({ description: 'Précisions (motif du refus...)' }),
    requestId: z.string().nullable().openapi({ description: 'Requête à l’origine de l’opération', example: 'b7c1…' }),
  })
  .openapi('HistoryEntry');

const historyRoute = createRoute({
  method: 'get',
  path: '/establishments/{establishmentId}/history',
  middleware: [establishmentAccess('admin')] as const,
  tags: ['Gestion des comptes'],
  summary: 'Historique des opérations',
  description:
    "Toutes les opérations sur l'établissement et ses comptes (y compris refusées et par délégation), les plus récentes d'abord. L'historique ne peut être ni modifié ni effacé. Réservé aux administrateurs.",
  security: sessionSecurity,
  request: { params: EstablishmentParams, query: HistoryQuery },
  responses: {
    200: {
      description: 'Une page d’historique',
      content: { 'application/json': { schema: z.object({ items: z.array(HistoryEntrySchema), ...PaginationMeta }).openapi('History') } },
    },
    ...errorResponses('forbidden', 'not_found'),
  },
});

export function registerEstablishmentRoutes(app: OpenAPIHono<AppEnv>) {
  app.openapi(adminsRoute, async (c) => {
    const { establishmentId } = c.req.valid('param');
    const admins = await listActiveAdmins(c.var.deps.db, { ...clockOf(c), establishmentId });
    return c.json({ items: admins.map((a) => ({ ...a, civilityLabel: CIVILITY_SHORT[a.civility] })) }, 200);
  });

  app.openapi(historyRoute, async (c) => {
    const { establishmentId } = c.req.valid('param');
    const q = c.req.valid('query');
    const pageSize = Number(q.pageSize);
    const { items, total } = await listHistory(c.var.deps.db, {
      establishmentId,
      accountId: q.accountId,
      actorId: q.actorId,
      from: q.from ? parisMidnight(q.from) : undefined,
      to: q.to ? parisMidnight(addDays(q.to, 1)) : undefined,
      page: q.page,
      pageSize,
    });
    return c.json(
      {
        items: items.map((e) => ({
          id: e.id,
          at: e.at.toISOString(),
          action: e.action,
          actionLabel: ACTION_LABELS[e.action] ?? e.action,
          outcome: e.outcome,
          actor: {
            type: e.actorType,
            accountId: e.actorAccountId,
            label: e.actorLabel,
            establishmentId: e.actorEstablishmentId,
            establishmentName: e.actorEstablishmentName,
            onBehalf: e.actorEstablishmentId !== null && e.actorEstablishmentId !== e.establishmentId,
          },
          targetAccountId: e.targetAccountId,
          targetLoginId: e.targetLoginId,
          before: e.before,
          after: e.after,
          detail: e.detail,
          requestId: e.requestId,
        })),
        ...paginationMeta(q.page, pageSize, total),
      },
      200,
    );
  });
}
