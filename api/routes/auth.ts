/**
 * Login by login id and password (bearer session), logout, and « Mon compte » (GET /me).
 * A wrong login id and a wrong password answer alike; repeated failures block the account.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import {
  type AccountView,
  findAccountById,
  findAccountForLogin,
  recordLoginFailure,
  recordLoginSuccess,
} from '../../db/queries/accounts';
import { recordAudit } from '../../db/queries/audit';
import { listActingFor } from '../../db/queries/delegations';
import { findEstablishment } from '../../db/queries/establishments';
import { createSession, revokeSession } from '../../db/queries/sessions';
import { LOCKOUT_MINUTES, MAX_FAILED_LOGINS } from '../../domain/account';
import { frenchDate, reminderDayFor } from '../../domain/dates';
import { LOGIN_ID_MAX_LENGTH } from '../../domain/login-id';
import { dummyPasswordHash, hashPassword, needsRehash, verifyPassword } from '../../security/passwords';
import { hashToken, randomToken } from '../../security/tokens';
import { auditActor } from '../../accounts';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';
import { problemResponse } from '../middleware/error-handler';
import { AccountDetailSchema, ThemeRightsSchema } from '../schemas/accounts';
import { errorResponses, EstablishmentRefSchema, instant, sessionSecurity } from '../schemas/common';
import { accountOnly } from '../middleware/guards';
import { establishmentTermsStanding } from '../../db/queries/terms';
import { adminAcceptanceMessage, termsNoticeMessage, termsOverdueMessage } from '../../domain/terms';
import { type TermsView, termsViewFor } from '../terms';
import { EstablishmentTermsSchema } from './terms';
import { clockOf, loadDetail } from './accounts/present';

const tags = ['Connexion'];

const LoginBody = z
  .object({
    loginId: z
      .string()
      .trim()
      .min(1, 'Saisissez votre identifiant.')
      .max(32)
      .transform((v) => v.toUpperCase())
      .openapi({ description: `Identifiant (${LOGIN_ID_MAX_LENGTH} caractères au plus), sans tenir compte de la casse`, example: 'JLO000439' }),
    password: z.string().min(1, 'Saisissez votre mot de passe.').max(512).openapi({ description: 'Mot de passe', example: 'Printemps-2026' }),
  })
  .openapi('Login');

const SessionSchema = z
  .object({
    token: z.string().openapi({ description: 'Jeton à présenter dans `Authorization: Bearer …` (montré une seule fois)', example: 'q2Vn4…' }),
    tokenType: z.literal('Bearer').openapi({ example: 'Bearer' }),
    expiresAt: instant('Fin de validité de la session'),
    account: z.object({
      id: z.string().openapi({ example: '0b8f3c1e-4c8a-4a57-9d55-0d3c5a1f2b77' }),
      loginId: z.string().openapi({ example: 'JLO000439' }),
      establishmentId: z.string().openapi({ example: '3f1c2b9e-8d1a-4a57-9d55-0d3c5a1f2b77' }),
      profile: z.enum(['admin', 'user']).openapi({ example: 'user' }),
    }),
  })
  .openapi('Session');

const loginRoute = createRoute({
  method: 'post',
  path: '/auth/login',
  tags,
  summary: 'Se connecter',
  description:
    `Identifiant inconnu et mot de passe faux donnent la même réponse (\`invalid_credentials\`). Après ${MAX_FAILED_LOGINS} échecs de suite, le compte est bloqué ${LOCKOUT_MINUTES} minutes (\`account_blocked\`) ; un administrateur peut le débloquer. ` +
    'Un compte en attente d’activation, expiré ou supprimé ne peut pas se connecter (`account_not_usable`, avec la marche à suivre).',
  request: { body: { content: { 'application/json': { schema: LoginBody } }, required: true } },
  responses: {
    200: { description: 'Connecté', content: { 'application/json': { schema: SessionSchema } } },
    ...errorResponses('invalid_credentials', 'account_blocked', 'account_not_usable', 'terms_not_accepted'),
  },
});

const logoutRoute = createRoute({
  method: 'post',
  path: '/auth/logout',
  middleware: [accountOnly('auth.logout')] as const,
  tags,
  summary: 'Se déconnecter',
  description: 'Le jeton de session présenté ne fonctionne plus.',
  security: sessionSecurity,
  responses: { 204: { description: 'Déconnecté' }, ...errorResponses() },
});

const NoticeSchema = z
  .object({
    code: z.string().openapi({ description: 'Nature de l’avis (liste ouverte : de nouveaux codes peuvent apparaître)', example: 'account_expiring' }),
    level: z.enum(['info', 'warning']).openapi({ description: 'Importance', example: 'warning' }),
    message: z.string().openapi({ description: 'Texte à afficher, en français', example: 'Votre compte expire le 18/09/2025 : demandez à votre administrateur de le renouveler.' }),
    dueOn: z.string().optional().openapi({ description: 'Échéance éventuelle (AAAA-MM-JJ)', example: '2025-09-18' }),
  })
  .openapi('Notice');

const MeSchema = z
  .object({
    account: AccountDetailSchema.omit({ rights: true, rightsByTheme: true }),
    establishment: EstablishmentRefSchema,
    rights: z.record(z.string(), z.enum(['none', 'read', 'write'])).openapi({ description: 'Droits par code de service', example: { 'affiliation-cnracl': 'read' } }),
    rightsByTheme: z.array(ThemeRightsSchema),
    notices: z.array(NoticeSchema).openapi({ description: 'Avis à montrer à la personne connectée' }),
    terms: EstablishmentTermsSchema.nullable().openapi({
      description: "Les conditions générales d'utilisation en vigueur et leur état pour l'établissement (null : aucune version publiée)",
    }),
    actsFor: z
      .array(EstablishmentRefSchema)
      .openapi({ description: "Accès multicomptes : les établissements qui ont délégué leur gestion à votre établissement (délégation acceptée), pour le compte desquels vous pouvez agir" }),
  })
  .openapi('Me');

const meRoute = createRoute({
  method: 'get',
  path: '/me',
  middleware: [accountOnly()] as const,
  tags,
  summary: 'Mon compte',
  description: 'Profil, établissement, droits et avis (par exemple : expiration prochaine du compte).',
  security: sessionSecurity,
  responses: { 200: { description: 'La personne connectée', content: { 'application/json': { schema: MeSchema } } }, ...errorResponses() },
});

type Notice = z.infer<typeof NoticeSchema>;

/**
 * What the holder should be told on arrival. Each rule is a small function: add one to extend the list.
 * Expiry: from the day admins get their reminder (the 20th of the month before) until the expiry day.
 */
const NOTICE_RULES: ((account: AccountView, today: string) => Notice | null)[] = [
  (account, today) =>
    today >= reminderDayFor(account.expiresOn) && today <= account.expiresOn
      ? {
          code: 'account_expiring',
          level: 'warning',
          message: `Votre compte expire le ${frenchDate(account.expiresOn)} : demandez à votre administrateur de le renouveler avant cette date.`,
          dueOn: account.expiresOn,
        }
      : null,
];

/** While no admin accepted the version in force: the guide's notice for everyone, and for admins whether they can accept. */
function termsNotices(terms: TermsView | null, today: string): Notice[] {
  if (!terms || terms.standing === 'accepted') return [];
  const notices: Notice[] =
    terms.standing === 'overdue'
      ? [{ code: 'terms_overdue', level: 'warning', message: termsOverdueMessage(terms.deadlineOn), dueOn: terms.deadlineOn }]
      : [{ code: 'terms_pending', level: 'warning', message: termsNoticeMessage(terms.deadlineOn), dueOn: terms.deadlineOn }];
  if (terms.isAdmin) {
    notices.push({ code: 'terms_admin_can_accept', level: 'info', message: adminAcceptanceMessage(terms.acceptableFrom, today) });
  }
  return notices;
}

async function refuseLogin(
  c: Context<AppEnv>,
  error: ApiError,
  account: AccountView | undefined,
  detail: Record<string, unknown>,
): Promise<never> {
  // Recorded here with its target account (the error handler would not know it), then answered as
  // the error handler would: the same problem+json the route declares (hence the cast).
  await recordAudit(c.var.deps.db, {
    ...auditActor(c.var.actor),
    requestId: c.var.requestId,
    establishmentId: account?.establishmentId,
    targetAccountId: account?.id,
    action: 'auth.login_failed',
    outcome: 'refused',
    detail: { code: error.code, ...detail },
  });
  return problemResponse(c, error) as never;
}

const INVALID = () =>
  new ApiError('invalid_credentials', 'Identifiant ou mot de passe incorrect. Vérifiez votre saisie (le mot de passe tient compte des majuscules).');

export function registerAuthRoutes(app: OpenAPIHono<AppEnv>) {
  app.openapi(loginRoute, async (c) => {
    c.set('auditAction', 'auth.login_failed');
    const { loginId, password } = c.req.valid('json');
    const { db, config } = c.var.deps;
    const { now, today } = clockOf(c);
    const account = await findAccountForLogin(db, loginId, { now, today });

    if (!account || account.status === 'deleted') {
      const matches = await verifyPassword(password, account?.passwordHash ?? (await dummyPasswordHash()));
      if (account && matches) {
        return refuseLogin(
          c,
          new ApiError('account_not_usable', 'Ce compte a été supprimé : il ne permet plus de se connecter. Contactez votre administrateur.', { accountStatus: 'deleted' }),
          account,
          { reason: 'deleted' },
        );
      }
      return refuseLogin(c, INVALID(), account, { reason: account ? 'deleted' : 'unknown_login_id', loginId });
    }
    if (account.status === 'blocked') {
      return refuseLogin(c, blockedError(account.blockedUntil), account, { reason: 'blocked' });
    }
    if (account.status === 'pending_activation') {
      return refuseLogin(
        c,
        new ApiError(
          'account_not_usable',
          "Votre compte n'est pas encore activé : créez votre mot de passe avec le lien reçu par courriel. Si ce lien a expiré, demandez à votre administrateur de vous le renvoyer.",
          { accountStatus: 'pending_activation' },
        ),
        account,
        { reason: 'pending_activation' },
      );
    }
    if (!(await verifyPassword(password, account.passwordHash ?? (await dummyPasswordHash())))) {
      const failure = await recordLoginFailure(db, account.id, now);
      const error = failure.blocked ? blockedError(failure.blockedUntil) : INVALID();
      return refuseLogin(c, error, account, { reason: 'wrong_password', blocked: failure.blocked });
    }
    if (account.profile !== 'admin') {
      const terms = await establishmentTermsStanding(db, account.establishmentId, { now, today });
      if (terms?.standing === 'overdue') {
        return refuseLogin(
          c,
          new ApiError('terms_not_accepted', `${termsOverdueMessage(terms.deadlineOn)} Contactez l'un de vos administrateurs.`, {
            deadlineOn: terms.deadlineOn,
          }),
          account,
          { reason: 'terms_not_accepted', version: terms.version.version },
        );
      }
    }
    if (account.status === 'expired') {
      return refuseLogin(
        c,
        new ApiError(
          'account_not_usable',
          `Votre compte a expiré le ${frenchDate(account.expiresOn)} : l'état de votre compte ne permet pas votre connexion. Contactez votre administrateur pour qu'il le renouvelle.`,
          { accountStatus: 'expired' },
        ),
        account,
        { reason: 'expired' },
      );
    }

    c.set('auditAction', 'auth.login');
    const token = randomToken();
    const expiresAt = new Date(now.getTime() + config.sessionTtlMinutes * 60_000);
    // The password has just matched: the moment to store it again with today's hashing parameters.
    const rehashed = account.passwordHash && needsRehash(account.passwordHash) ? await hashPassword(password) : undefined;
    await db.transaction(async (tx) => {
      await recordLoginSuccess(tx, account.id, now, rehashed);
      await createSession(tx, { accountId: account.id, tokenHash: hashToken(token), expiresAt });
      await recordAudit(tx, {
        actorType: 'account',
        actorAccountId: account.id,
        actorLabel: account.loginId,
        actorEstablishmentId: account.establishmentId,
        requestId: c.var.requestId,
        establishmentId: account.establishmentId,
        targetAccountId: account.id,
        action: 'auth.login',
        outcome: 'success',
      });
    });
    return c.json(
      {
        token,
        tokenType: 'Bearer' as const,
        expiresAt: expiresAt.toISOString(),
        account: { id: account.id, loginId: account.loginId, establishmentId: account.establishmentId, profile: account.profile },
      },
      200,
    );
  });

  app.openapi(logoutRoute, async (c) => {
    const actor = c.var.actor;
    if (actor.type !== 'account') throw new ApiError('unauthenticated', 'Vous devez être connecté.');
    const { db, clock } = c.var.deps;
    await db.transaction(async (tx) => {
      await revokeSession(tx, actor.sessionId, clock.now());
      await recordAudit(tx, {
        ...auditActor(actor),
        requestId: c.var.requestId,
        establishmentId: actor.account.establishmentId,
        targetAccountId: actor.account.id,
        action: 'auth.logout',
        outcome: 'success',
      });
    });
    return c.body(null, 204);
  });

  app.openapi(meRoute, async (c) => {
    const actor = c.var.actor;
    if (actor.type !== 'account') throw new ApiError('unauthenticated', 'Vous devez être connecté.');
    const { db } = c.var.deps;
    const clock = clockOf(c);
    const account = await findAccountById(db, actor.account.id, clock);
    const establishment = await findEstablishment(db, actor.account.establishmentId);
    if (!account || !establishment) throw new ApiError('unauthenticated', 'Vous devez être connecté.');
    const { rights, rightsByTheme, ...profile } = await loadDetail(db, account, clock);
    const terms = await termsViewFor(c.var.deps, account, establishment.id, clock);
    return c.json(
      {
        account: profile,
        establishment: { id: establishment.id, name: establishment.name, siret: establishment.siret },
        rights,
        rightsByTheme,
        notices: [
          ...NOTICE_RULES.map((rule) => rule(account, clock.today)).filter((n): n is Notice => n !== null),
          ...termsNotices(terms, clock.today),
        ],
        terms,
        actsFor: await listActingFor(db, establishment.id),
      },
      200,
    );
  });
}

function blockedError(until: Date | null) {
  const time = until
    ? new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit' }).format(until)
    : undefined;
  return new ApiError(
    'account_blocked',
    `Votre compte est bloqué après ${MAX_FAILED_LOGINS} tentatives de connexion infructueuses${time ? ` : réessayez après ${time}` : ''}, ou demandez à votre administrateur de le débloquer.`,
    { blockedUntil: until?.toISOString() },
  );
}

