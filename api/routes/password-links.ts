/**
 * The holder's side of the password links (creation after account creation, reset after a
 * forgotten password) and the forgotten login id (the admin's "renvoyer le courriel" is an account
 * rule and route: accounts/, api/routes/accounts).
 * Whether a link still lives is the workflow's decision: the API stages the password hash on the
 * token and asks the workflow, which applies it or refuses.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { callWorkflow, requestPasswordReset, sendLoginIdReminder } from '../../accounts';
import { findAccountsByEmail, findResettableAccounts } from '../../db/queries/accounts';
import { findLivingLink, findOpenToken, stagePassword } from '../../db/queries/one-time-tokens';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, PASSWORD_RULES, unmetPasswordRules } from '../../domain/password-policy';
import { hashPassword } from '../../security/passwords';
import { hashToken } from '../../security/tokens';
import { submitPasswordUpdate } from '../../workflows/definitions';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';
import { errorResponses } from '../schemas/common';
import { clockOf } from './accounts/present';
import { deadLinkPage, passwordFormPage } from '../pages/password';
import { runInBackground } from '../background';
import { log } from '../../logging/logger';

const backgroundFailure = (requestId: string, what: string) => (error: unknown) =>
  log.error({ requestId, err: error }, `${what}: request not carried out`);

const tags = ['Mot de passe'];
const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });

const PASSWORD_LENGTHS = { minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH };
const PASSWORD_RULES_TEXT = `${PASSWORD_RULES.map((r) => r.message).join(', ')}, au plus ${PASSWORD_MAX_LENGTH} caractères.`;

const setPasswordBody = z
  .object({
    token: z.string().min(20).max(200).openapi({ description: 'Le jeton du lien reçu par courriel', example: 'q2Vn…' }),
    // The rules are checked by the handler, which names each one unmet; the schema states them.
    password: z.string().min(1).max(512).openapi({ description: `Le mot de passe choisi : ${PASSWORD_RULES_TEXT}`, example: 'Printemps-2026', ...PASSWORD_LENGTHS }),
    passwordConfirmation: z.string().max(512).openapi({ description: 'Le même mot de passe, une seconde fois', example: 'Printemps-2026', ...PASSWORD_LENGTHS }),
  })
  .openapi('SetPassword');

const setPasswordRoute = createRoute({
  method: 'post',
  path: '/auth/password',
  tags,
  summary: 'Créer ou réinitialiser son mot de passe par le lien reçu',
  description:
    'Applique les règles du guide (8 caractères, 1 chiffre, 1 majuscule, 1 minuscule, 1 caractère spécial) et nomme chaque règle non respectée. Le lien ne sert qu’une fois.',
  request: { body: { content: json(setPasswordBody), required: true } },
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
    ...errorResponses('link_invalid', 'service_unavailable'),
  },
});

const discreetBody = z.object({
  identifier: z.string().trim().min(1).max(320).openapi({ description: 'Identifiant ou courriel du compte', example: 'JLO000439' }),
});
const discreetResponse = {
  202: {
    description: 'Demande prise en compte (la réponse est la même que le compte existe ou non)',
    content: json(
      z.object({
        message: z.string().openapi({ description: 'Message pour la personne, en français', example: 'Si un compte correspond à votre demande, un courriel vient de lui être envoyé.' }),
      }),
    ),
  },
  ...errorResponses(),
};

const forgotPasswordRoute = createRoute({
  method: 'post',
  path: '/auth/forgot-password',
  tags,
  summary: 'Mot de passe oublié',
  description: 'Envoie un lien de réinitialisation valable 1 heure au courriel d’un compte actif. Ne révèle jamais si le compte existe.',
  request: { body: { content: { 'application/json': { schema: discreetBody } }, required: true } },
  responses: discreetResponse,
});

const forgotLoginRoute = createRoute({
  method: 'post',
  path: '/auth/forgot-login-id',
  tags,
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
    // The workflow refusing the update (dead link, run over) is the holder's answer; Temporal not answering is a 503.
    const accepted = await callWorkflow(c.var.requestId, async () => {
      try {
        await temporal.workflow.getHandle(found.token.workflowId).executeUpdate(submitPasswordUpdate, { args: [{ tokenHash }] });
        return true;
      } catch (error) {
        if (error instanceof WorkflowUpdateFailedError || error instanceof WorkflowNotFoundError) return false;
        throw error;
      }
    });
    if (!accepted) throw dead;
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

  // Answered before the look-up (same time whether the account exists or not); the work goes on in the
  // background, where a Temporal outage is logged (the holder can ask again).
  app.openapi(forgotPasswordRoute, async (c) => {
    const { identifier } = c.req.valid('json');
    const { deps, requestId } = c.var;
    const clock = clockOf(c);
    runInBackground(async () => {
      for (const account of await findResettableAccounts(deps.db, identifier, clock)) await requestPasswordReset(deps, account, account.siret);
    }, backgroundFailure(requestId, 'forgot-password'));
    return c.json({ message: DISCREET_MESSAGE }, 202);
  });

  app.openapi(forgotLoginRoute, async (c) => {
    const { email } = c.req.valid('json');
    const { deps, requestId } = c.var;
    runInBackground(async () => {
      for (const account of await findAccountsByEmail(deps.db, email)) await sendLoginIdReminder(deps, account, account.siret, requestId);
    }, backgroundFailure(requestId, 'forgot-login-id'));
    return c.json({ message: DISCREET_MESSAGE }, 202);
  });
}
