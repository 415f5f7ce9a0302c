/**
 * The holder's side of the password links (creation after account creation, reset after a
 * forgotten password), the forgotten login id, and the admin's "renvoyer le courriel".
 * Whether a link still lives is the workflow's decision: the API stages the password hash on the
 * token and asks the workflow, which applies it or refuses.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { and, eq, ne, sql } from 'drizzle-orm';
import { recordAudit } from '../../db/queries/audit';
import { effectiveStatus } from '../../db/queries/account-status';
import { findLivingLink, findOpenToken, stagePassword } from '../../db/queries/one-time-tokens';
import { accounts, establishments } from '../../db/schema';
import { parisDay } from '../../domain/dates';
import { unmetPasswordRules } from '../../domain/password-policy';
import { hashPassword } from '../../security/passwords';
import { hashToken } from '../../security/tokens';
import { submitPasswordUpdate } from '../../workflows/definitions';
import { auditActor } from '../../accounts';
import type { AppEnv } from '../env';
import { establishmentAccess } from '../middleware/guards';
import { ApiError } from '../errors';
import { ensureTemporalReachable, requestPasswordReset, resendActivation, sendLoginIdReminder } from '../../accounts';
import { deadLinkPage, passwordFormPage } from '../pages/password';
import { runInBackground } from '../background';

const backgroundFailure = (requestId: string, what: string) => (error: unknown) =>
  console.error(JSON.stringify({ level: 'error', requestId, msg: `${what}: request not carried out`, error: String(error) }));

const problem = { 'application/problem+json': { schema: z.object({ code: z.string(), detail: z.string() }).passthrough() } };

const setPasswordBody = z
  .object({
    token: z.string().min(20).max(200).openapi({ description: 'Le jeton du lien reçu par courriel', example: 'q2Vn…' }),
    password: z.string().min(1).max(512).openapi({ description: 'Le mot de passe choisi', example: 'Printemps-2026' }),
    passwordConfirmation: z.string().max(512).openapi({ description: 'Le même mot de passe, une seconde fois', example: 'Printemps-2026' }),
  })
  .openapi('SetPassword');

const setPasswordRoute = createRoute({
  method: 'post',
  path: '/auth/password',
  tags: ['Mot de passe'],
  summary: 'Créer ou réinitialiser son mot de passe par le lien reçu',
  description:
    'Applique les règles du guide (8 caractères, 1 chiffre, 1 majuscule, 1 minuscule, 1 caractère spécial) et nomme chaque règle non respectée. Le lien ne sert qu’une fois.',
  request: { body: { content: { 'application/json': { schema: setPasswordBody } }, required: true } },
  responses: {
    200: {
      description:
        'Mot de passe enregistré. L’identifiant n’est pas rappelé : selon le guide, l’administrateur seul le transmet au titulaire.',
      content: {
        'application/json': {
          schema: z.object({
            message: z.string().openapi({
              description: 'Message à montrer au titulaire',
              example: 'Votre mot de passe a bien été créé. Connectez-vous avec l’identifiant que votre administrateur vous a transmis.',
            }),
          }),
        },
      },
    },
    400: { description: 'Mot de passe refusé (règles non respectées)', content: problem },
    410: { description: 'Lien expiré, remplacé ou déjà utilisé', content: problem },
  },
});

const discreetBody = z.object({
  identifier: z.string().trim().min(1).max(320).openapi({ description: 'Identifiant ou courriel du compte', example: 'JLO000439' }),
});
const discreetResponse = {
  202: {
    description: 'Demande prise en compte (la réponse est la même que le compte existe ou non)',
    content: { 'application/json': { schema: z.object({ message: z.string() }) } },
  },
};

const forgotPasswordRoute = createRoute({
  method: 'post',
  path: '/auth/forgot-password',
  tags: ['Mot de passe'],
  summary: 'Mot de passe oublié',
  description: 'Envoie un lien de réinitialisation valable 1 heure au courriel d’un compte actif. Ne révèle jamais si le compte existe.',
  request: { body: { content: { 'application/json': { schema: discreetBody } }, required: true } },
  responses: discreetResponse,
});

const forgotLoginRoute = createRoute({
  method: 'post',
  path: '/auth/forgot-login-id',
  tags: ['Mot de passe'],
  summary: 'Identifiant oublié',
  description: 'Envoie l’identifiant au courriel du compte. Ne révèle jamais si le compte existe.',
  request: {
    body: {
      content: {
        'application/json': {
          schema: z.object({ email: z.email().max(320).openapi({ description: 'Courriel du compte', example: 'jean.louty@mairie.fr' }) }),
        },
      },
      required: true,
    },
  },
  responses: discreetResponse,
});

const resendRoute = createRoute({
  method: 'post',
  path: '/establishments/{establishmentId}/accounts/{accountId}/resend-activation',
  tags: ['Comptes'],
  summary: 'Renvoyer le courriel de création du mot de passe',
  description:
    'Un nouveau lien valable 15 jours à compter de maintenant ; le précédent ne fonctionne plus. Possible tant que le compte est en attente d’activation, y compris après l’expiration du lien (nouvelle demande).',
  security: [{ session: [] }],
  middleware: [establishmentAccess('admin', 'account.resend_activation')] as const,
  request: {
    params: z.object({
      establishmentId: z.uuid().openapi({ description: 'Établissement', example: '3f1c…' }),
      accountId: z.uuid().openapi({ description: 'Compte', example: '8a2d…' }),
    }),
  },
  responses: {
    202: { description: 'Nouveau courriel demandé', content: { 'application/json': { schema: z.object({ message: z.string() }) } } },
    404: { description: 'Compte introuvable', content: problem },
    409: { description: 'Compte déjà activé, ou expiré', content: problem },
  },
});

const DISCREET_MESSAGE =
  'Si un compte correspond à votre demande, un courriel vient de lui être envoyé. Pensez à vérifier vos courriers indésirables.';

export function registerPasswordLinkRoutes(app: OpenAPIHono<AppEnv>) {
  // The link is checked as the page opens: a dead or bogus link never shows the form.
  app.get('/password', async (c) => {
    c.header('cache-control', 'no-store');
    const token = c.req.query('token') ?? '';
    const link = /^[A-Za-z0-9_-]{20,200}$/.test(token)
      ? await findLivingLink(c.var.deps.db, hashToken(token), c.var.deps.clock.now())
      : undefined;
    if (!link) return c.html(deadLinkPage(), 410);
    return c.html(passwordFormPage(link.purpose));
  });

  app.openapi(setPasswordRoute, async (c) => {
    c.set('auditAction', 'account.set_password');
    const { token, password, passwordConfirmation } = c.req.valid('json');
    const unmet = unmetPasswordRules(password);
    if (unmet.length > 0) {
      throw new ApiError('validation_failed', 'Votre mot de passe ne respecte pas toutes les règles de sécurité.', {
        errors: unmet.map((rule) => ({ field: 'password', message: `Votre mot de passe doit contenir ${rule.message}.` })),
      });
    }
    if (password !== passwordConfirmation) {
      throw new ApiError('validation_failed', 'Les deux mots de passe saisis sont différents.', {
        errors: [{ field: 'passwordConfirmation', message: 'La confirmation ne correspond pas au mot de passe.' }],
      });
    }
    const { db, temporal } = c.var.deps;
    const tokenHash = hashToken(token);
    const found = await findOpenToken(db, tokenHash);
    const dead = new ApiError(
      'link_invalid',
      'Ce lien n’est plus valable : il a expiré, a été remplacé par un lien plus récent ou a déjà servi. Demandez un nouveau lien à votre administrateur (ou « Mot de passe oublié »).',
    );
    if (!found) throw dead;
    c.set('auditEstablishmentId', found.account.establishmentId);
    c.set('auditTargetAccountId', found.account.id);
    await stagePassword(db, found.token.id, await hashPassword(password));
    try {
      await temporal.workflow.getHandle(found.token.workflowId).executeUpdate(submitPasswordUpdate, { args: [{ tokenHash }] });
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError || error instanceof WorkflowNotFoundError) throw dead;
      throw error;
    }
    return c.json(
      {
        message:
          found.token.purpose === 'activation'
            ? 'Votre mot de passe a bien été créé. Connectez-vous avec l’identifiant que votre administrateur vous a transmis.'
            : 'Votre mot de passe a bien été modifié. Connectez-vous avec votre identifiant, rappelé dans le courriel de réinitialisation.',
      },
      200,
    );
  });

  app.openapi(forgotPasswordRoute, async (c) => {
    const { identifier } = c.req.valid('json');
    const { deps } = c.var;
    const requestId = c.var.requestId;
    runInBackground(async () => {
      const now = deps.clock.now();
      const status = effectiveStatus(parisDay(now), now);
      const matches = await deps.db
        .select({ id: accounts.id, loginId: accounts.loginId, siret: establishments.siret, status })
        .from(accounts)
        .innerJoin(establishments, eq(establishments.id, accounts.establishmentId))
        .where(sql`(upper(${accounts.loginId}) = upper(${identifier}) or lower(${accounts.email}) = lower(${identifier})) and ${status} in ('active', 'blocked')`);
      for (const account of matches) await requestPasswordReset(deps, account, account.siret);
    }, backgroundFailure(requestId, 'forgot-password'));
    return c.json({ message: DISCREET_MESSAGE }, 202);
  });

  app.openapi(forgotLoginRoute, async (c) => {
    const { email } = c.req.valid('json');
    const { deps } = c.var;
    const requestId = c.var.requestId;
    runInBackground(async () => {
      const matches = await deps.db
        .select({ id: accounts.id, loginId: accounts.loginId, siret: establishments.siret })
        .from(accounts)
        .innerJoin(establishments, eq(establishments.id, accounts.establishmentId))
        .where(and(sql`lower(${accounts.email}) = lower(${email})`, ne(accounts.status, 'deleted')));
      for (const account of matches) await sendLoginIdReminder(deps, account, account.siret, requestId);
    }, backgroundFailure(requestId, 'forgot-login-id'));
    return c.json({ message: DISCREET_MESSAGE }, 202);
  });

  app.openapi(resendRoute, async (c) => {
    const { establishmentId, accountId } = c.req.valid('param');
    const { db, clock } = c.var.deps;
    const now = clock.now();
    const [row] = await db
      .select({ id: accounts.id, loginId: accounts.loginId, siret: establishments.siret, status: effectiveStatus(parisDay(now), now) })
      .from(accounts)
      .innerJoin(establishments, eq(establishments.id, accounts.establishmentId))
      .where(and(eq(accounts.id, accountId), eq(accounts.establishmentId, establishmentId), ne(accounts.status, 'deleted')));
    if (!row) throw new ApiError('not_found', 'Compte introuvable.');
    if (row.status === 'expired') {
      throw new ApiError('account_expired', 'Ce compte est expiré : la seule action possible est son renouvellement.');
    }
    if (row.status !== 'pending_activation') {
      throw new ApiError('account_not_pending', 'Ce compte est déjà activé : son titulaire a créé son mot de passe.');
    }
    await ensureTemporalReachable(c.var.deps, c.var.requestId);
    await db.transaction(async (tx) => {
      await recordAudit(tx, {
        ...auditActor(c.var.actor),
        requestId: c.var.requestId,
        establishmentId,
        targetAccountId: accountId,
        action: 'account.resend_activation',
        outcome: 'success',
      });
      await resendActivation(c.var.deps, row, row.siret);
    });
    return c.json({ message: 'Un nouveau courriel de création du mot de passe a été envoyé. Le lien précédent ne fonctionne plus.' }, 202);
  });
}
