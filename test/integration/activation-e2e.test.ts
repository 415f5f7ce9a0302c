/**
 * End to end on the real stack: the real API, the Temporal dev server and a real worker, PostgreSQL
 * and the mail sink. An admin creates an account; the holder reads the email, follows the link,
 * sets a password and logs in with the login id.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { accounts } from '../../db/schema';
import { workflowIds } from '../../workflows/definitions';
import { useTestApp } from '../support/harness';

const t = useTestApp({ worker: true });

function linkIn(text: string | null | undefined): URL {
  const match = /(http:\/\/peps\.test\/password\?token=[A-Za-z0-9_-]+)/.exec(text ?? '');
  expect(match, 'the email carries the link').toBeTruthy();
  return new URL(match![1]!);
}

/** A new holder's address: the emails of this test are found by it alone, never by another file's. */
const newEmail = () => `${randomUUID()}@employeur.test`;

/** The `n`th password-creation email of `loginId`'s activation, by its idempotency key (one per link). */
function creationEmail(email: string, loginId: string, n = 1) {
  const key = new RegExp(`^activation/${workflowIds.activation(loginId)}/[^/]+/${n}$`);
  return t.mail.waitFor((m) => m.to.includes(email) && key.test(m.idempotencyKey ?? ''), { to: email, timeoutMs: 30_000 });
}

async function waitForWorkflowVisible(query: string) {
  for (let i = 0; i < 50; i++) {
    const found = [];
    for await (const wf of t.temporal.workflow.list({ query })) found.push(wf);
    if (found.length > 0) return found;
    await new Promise((r) => setTimeout(r, 200));
  }
  return [];
}

describe('account activation, end to end', () => {
  it('admin creates an account; the holder follows the emailed link, sets a password and logs in', async () => {
    const { establishment, adminToken } = await t.createEstablishment({ name: 'COMMUNE DE DEMO-E2E' });
    const email = newEmail();
    const created = await t.createAccount(establishment.id, adminToken, { lastName: 'Louty', firstName: 'Jean', civility: 'monsieur', email, emailConfirmation: email });
    expect(created.status).toBe(201);
    const { loginId } = created.body;
    expect(loginId).toMatch(/^JLO\d{6}$/);
    // The link's expiry is in the creation answer itself, 15 days ahead.
    const expiresAt = Date.parse(created.body.activationLinkExpiresAt);
    expect(expiresAt - Date.now()).toBeGreaterThan(15 * 24 * 3600_000 - 60_000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(15 * 24 * 3600_000);

    const message = await creationEmail(email, loginId);
    expect(message.subject).toBe('Vous pouvez créer votre mot de passe');
    expect(message.text).toContain('Bonjour Monsieur Louty,');
    expect(message.text).toContain("en tant qu'utilisateur");
    expect(message.text).toContain('COMMUNE DE DEMO-E2E');
    expect(message.text).toContain('vous avez 15 jours pour le créer');
    expect(message.text).not.toContain('représentant légal');

    const link = linkIn(message.text);
    const page = await t.request('GET', `${link.pathname}${link.search}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>Créer votre mot de passe — Pep\'s</title>');
    expect(page.text).toContain('<form id="password-form"');
    expect(page.text).not.toContain(loginId);

    const token = link.searchParams.get('token')!;
    const weak = await t.request('POST', '/auth/password', { body: { token, password: 'motdepasse', passwordConfirmation: 'motdepasse' } });
    expect(weak.status).toBe(400);
    expect(weak.headers.get('content-type')).toContain('application/problem+json');
    expect(weak.body.errors.map((e: { message: string }) => e.message)).toEqual([
      'Votre mot de passe doit contenir au moins 1 chiffre.',
      'Votre mot de passe doit contenir au moins 1 majuscule.',
      'Votre mot de passe doit contenir au moins 1 caractère spécial.',
    ]);

    const set = await t.request('POST', '/auth/password', { body: { token, password: 'Soleil-2026', passwordConfirmation: 'Soleil-2026' } });
    expect(set.status).toBe(200);
    // The guide: the admin alone hands over the login id; the link's page and answer do not reveal it.
    expect(set.body).toEqual({
      message: 'Votre mot de passe a bien été créé. Connectez-vous avec l’identifiant que votre administrateur vous a transmis.',
    });
    const used = await t.request('GET', `${link.pathname}${link.search}`);
    expect(used.status).toBe(410);
    expect(used.text).toContain("Ce lien n'est plus valable");
    expect(used.text).not.toContain('<form');

    const login = await t.request('POST', '/auth/login', { body: { loginId, password: 'Soleil-2026' } });
    expect(login.status).toBe(200);
    const me = await t.request('GET', '/me', { token: login.body.token });
    expect(me.status).toBe(200);

    const handle = t.temporal.workflow.getHandle(workflowIds.activation(loginId));
    expect(await handle.result()).toBe('password_set');
    const listed = await waitForWorkflowVisible(`AccountLoginId = "${loginId}" AND EstablishmentSiret = "${establishment.siret}"`);
    expect(listed.map((w) => w.workflowId)).toContain(`activation-${loginId}`);

    const reused = await t.request('POST', '/auth/password', { body: { token, password: 'Autre-2026!', passwordConfirmation: 'Autre-2026!' } });
    expect(reused.status).toBe(410);

    // The establishment's history shows the email sent and the activation, the workflow's shows each step.
    const history = await t.request('GET', `/establishments/${establishment.id}/history?accountId=${created.body.id}`, { token: adminToken });
    expect(history.body.items.map((e: { action: string }) => e.action).reverse()).toEqual([
      'account.create',
      'email.password_creation_sent',
      'account.activated',
      'auth.login',
    ]);
    const events = (await handle.fetchHistory()).events ?? [];
    // The check and the first send are one local activity (a marker in the history), the password's application a
    // task, which also starts the account's validity (version 5).
    const activities = events.flatMap((e) => {
      const marker = e.markerRecordedEventAttributes;
      if (marker?.markerName === 'core_local_activity') {
        return [JSON.parse(Buffer.from(marker.details!.data!.payloads![0]!.data!).toString()).activity_type as string];
      }
      return e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType!.name!] : [];
    });
    expect(activities).toEqual(['sendFirstPasswordLink', 'applyStagedPassword']);
    expect((await t.temporal.workflow.getHandle(workflowIds.validity(loginId)).describe()).status.name).toBe('RUNNING');
  });

  it("tells a new admin that the legal representative was informed by letter", async () => {
    const { establishment, adminToken } = await t.createEstablishment();
    const email = newEmail();
    const created = await t.createAccount(establishment.id, adminToken, {
      profile: 'admin',
      professionalAddress: ['Mairie', '2 rue de la Paix', '44000 NANTES'],
      email,
      emailConfirmation: email,
    });
    expect(created.status).toBe(201);
    const message = await creationEmail(email, created.body.loginId);
    expect(message.text).toContain("en tant qu'administrateur");
    expect(message.text).toContain("Le représentant légal de votre établissement a été informé de cette démarche par courrier à l'adresse 1 place de la Mairie, 44000 NANTES.");
  });

  it('resend gives a new link and the old one stops working', async () => {
    const { establishment, adminToken } = await t.createEstablishment();
    const email = newEmail();
    const created = await t.createAccount(establishment.id, adminToken, { email, emailConfirmation: email });
    const first = linkIn((await creationEmail(email, created.body.loginId, 1)).text);

    const resend = await t.request('POST', `/establishments/${establishment.id}/accounts/${created.body.id}/resend-activation`, { token: adminToken });
    expect(resend.status).toBe(202);
    const second = await creationEmail(email, created.body.loginId, 2);
    const secondToken = linkIn(second.text).searchParams.get('token')!;

    const oldPage = await t.request('GET', `/password?token=${first.searchParams.get('token')}`);
    expect(oldPage.status).toBe(410);
    expect(oldPage.text).not.toContain('<form');
    const old = await t.request('POST', '/auth/password', {
      body: { token: first.searchParams.get('token'), password: 'Soleil-2026', passwordConfirmation: 'Soleil-2026' },
    });
    expect(old.status).toBe(410);
    const ok = await t.request('POST', '/auth/password', { body: { token: secondToken, password: 'Soleil-2026', passwordConfirmation: 'Soleil-2026' } });
    expect(ok.status).toBe(200);

    const again = await t.request('POST', `/establishments/${establishment.id}/accounts/${created.body.id}/resend-activation`, { token: adminToken });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('account_not_pending');
  });
});

describe('pages', () => {
  it('a bogus or missing token gets the dead-link page, never the form', async () => {
    for (const path of ['/password', '/password?token=abc', `/password?token=${'x'.repeat(43)}`]) {
      const page = await t.request('GET', path);
      expect(page.status).toBe(410);
      expect(page.text).toContain("Ce lien n'est plus valable");
      expect(page.text).not.toContain('<form');
    }
  });

  it('the emails lead to the console (a French page whose script and styles come from the API itself)', async () => {
    const home = await t.request('GET', '/');
    expect([200, 503]).toContain(home.status);
    expect(home.text).toContain('<html lang="fr"');
    if (home.status === 200) {
      const sources = [...home.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
      expect(sources).toEqual(['/static/styles.css', '/static/console.js']);
    } else {
      expect(home.text).toContain('npm run web:build');
    }
    expect((await t.request('GET', '/static/../package.json')).status).toBe(404);
    expect((await t.request('GET', '/static/%2e%2e/package.json')).status).toBe(404);
    expect((await t.request('GET', '/assets/nope.js')).status).toBe(404);
  });
});

describe('forgotten password and login id', () => {
  it('sends a single-use reset link to an active account, without revealing whether accounts exist', async () => {
    const { establishment } = await t.createEstablishment();
    const holder = await t.insertActiveAccount(establishment.id);
    const [row] = await t.db.select().from(accounts).where(eq(accounts.id, holder.id));

    const unknown = await t.request('POST', '/auth/forgot-password', { body: { identifier: 'ZZZ999999' } });
    const known = await t.request('POST', '/auth/forgot-password', { body: { identifier: holder.loginId } });
    expect(unknown.status).toBe(202);
    expect(known.status).toBe(202);
    expect(known.body).toEqual(unknown.body);

    const message = await t.mail.waitFor((m) => m.subject === 'Réinitialisation de votre mot de passe', { to: row!.email, timeoutMs: 30_000 });
    const token = linkIn(message.text).searchParams.get('token')!;
    const page = await t.request('GET', `/password?token=${token}`);
    expect(page.text).toContain('<title>Choisir un nouveau mot de passe — Pep\'s</title>');
    expect(page.text).not.toContain('Créer votre mot de passe');
    const set = await t.request('POST', '/auth/password', { body: { token, password: 'Nouveau-2026', passwordConfirmation: 'Nouveau-2026' } });
    expect(set.status).toBe(200);
    expect(set.body.loginId).toBeUndefined();
    expect((await t.request('POST', '/auth/login', { body: { loginId: holder.loginId, password: holder.password } })).status).toBe(401);
    expect((await t.request('POST', '/auth/login', { body: { loginId: holder.loginId, password: 'Nouveau-2026' } })).status).toBe(200);
    const reused = await t.request('POST', '/auth/password', { body: { token, password: 'Encore-2026!', passwordConfirmation: 'Encore-2026!' } });
    expect(reused.status).toBe(410);
  });

  it('sends the login id to the account email, answering the same for an unknown email', async () => {
    const { establishment } = await t.createEstablishment();
    const holder = await t.insertActiveAccount(establishment.id);
    const [row] = await t.db.select().from(accounts).where(eq(accounts.id, holder.id));
    const unknown = await t.request('POST', '/auth/forgot-login-id', { body: { email: 'personne@nulle-part.test' } });
    const known = await t.request('POST', '/auth/forgot-login-id', { body: { email: row!.email.toUpperCase() } });
    expect(known.status).toBe(202);
    expect(known.body).toEqual(unknown.body);
    const message = await t.mail.waitFor((m) => m.subject === 'Votre identifiant de connexion', { to: row!.email, timeoutMs: 30_000 });
    expect(message.text).toContain(`Votre identifiant : ${holder.loginId}`);
  });
});
