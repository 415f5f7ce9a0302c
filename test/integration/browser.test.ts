/**
 * What a person sees, in Debian's Chromium driven by playwright-core, on the real stack (one stack,
 * one browser for the file): the API reference, the password page, the mailbox and an email, then
 * the administrators' console — log in, create a user in three steps (the email reaches the mail
 * sink), search « celine », group by status, renew two accounts, delete one, export a selection,
 * open the history, log out. Every screen passes axe (no serious or critical violation) and the
 * list's actions are reached with the keyboard. Screenshots: `UPDATE_SCREENSHOTS=1 npx vitest run
 * test/integration/browser.test.ts` refreshes the ones the README shows (docs/screenshots/);
 * otherwise they go to the run's temporary folder.
 */
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { serve } from '@hono/node-server';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { accounts } from '../../db/schema';
import { findChromium } from '../../dev/chromium';
import { addDays, parisDay } from '../../domain/dates';
import { buildConsole } from '../../web/build';
import { TEST_PASSWORD, useTestApp } from '../support/harness';

const t = useTestApp({ worker: true });
// Found (or installed with apt) in beforeAll, whose timeout leaves room for a first install.
let chromiumFound: ReturnType<typeof findChromium> = { missing: 'not looked for yet' };
const outDir = process.env.UPDATE_SCREENSHOTS
  ? path.resolve(__dirname, '../../docs/screenshots')
  : path.join(inject('stack').root, 'screenshots');
let server: ReturnType<typeof serve>;
let api: string;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  chromiumFound = findChromium();
  if (!('path' in chromiumFound)) return;
  mkdirSync(outDir, { recursive: true });
  await buildConsole();
  server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: chromiumFound.path, args: ['--no-sandbox', '--disable-gpu'] });
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
});

/** A fresh browser context (no session left over) for each test; offline for real: any request that leaves this machine fails the test. */
async function freshPage() {
  await page?.context().close();
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'fr-FR', acceptDownloads: true });
  await context.route(/^https?:\/\/(?!127\.0\.0\.1|localhost)/, (route) => {
    throw new Error(`request to the internet: ${route.request().url()}`);
  });
  page = await context.newPage();
}

async function shot(name: string, fullPage = false) {
  const file = path.join(outDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  expect(statSync(file).size).toBeGreaterThan(5_000);
}

/** RGAA rests on WCAG 2.1 AA: no serious or critical violation on the screen as it is now. */
async function accessible(screen: string) {
  const { violations } = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const grave = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(grave, screen).toEqual([]);
}

/** The accessible names of what Tab reaches, in order, from the top of the page. */
async function tabStops(max: number): Promise<string[]> {
  await page.locator('body').focus();
  const names: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    // A string: this runs in the page, whose DOM types the project's Node tsconfig does not have.
    names.push(
      await page.evaluate<string>(`(() => {
        const el = document.activeElement;
        if (!el || el === document.body) return '';
        const labelled = el.id ? document.querySelector('label[for="' + el.id + '"]')?.textContent : null;
        return (el.getAttribute('aria-label') ?? labelled ?? el.textContent ?? '').trim();
      })()`),
    );
  }
  return names;
}

function skipWithoutChromium(ctx: { skip: () => void }) {
  if ('path' in chromiumFound) return false;
  console.warn(`browser tests skipped: ${chromiumFound.missing}`);
  ctx.skip();
  return true;
}

describe('pages', () => {
  it('shows the API reference, the password page (fresh, weak, done, dead), the mailbox and an email, then the console to a user', async (ctx) => {
    if (skipWithoutChromium(ctx)) return;
    await freshPage();
    // /docs renders from the API alone.
    await page.goto(`${api}/docs`);
    await page.locator('.swagger-ui .info .title').waitFor();
    expect(await page.locator('.swagger-ui .info .title').innerText()).toContain("PEP's — gestion des comptes");
    await page.locator('.opblock-tag-section').first().waitFor();
    await shot('docs');

    // The holder of a new account follows the emailed link.
    const { establishment, adminToken } = await t.createEstablishment({ name: 'COMMUNE DE DEMO' });
    const created = await t.createAccount(establishment.id, adminToken, { civility: 'monsieur', lastName: 'Louty', firstName: 'Jean' });
    const email = await t.mail.waitFor((m) => m.subject === 'Vous pouvez créer votre mot de passe', { to: created.body.email, timeoutMs: 30_000 });
    const link = new URL(/http:\/\/peps\.test\/password\?token=[A-Za-z0-9_-]+/.exec(email.text ?? '')![0]);
    const pageUrl = `${api}${link.pathname}${link.search}`;

    await page.goto(pageUrl);
    expect(await page.title()).toBe("Créer votre mot de passe — Pep's");
    await shot('password-fresh');

    await page.fill('#password', 'motdepasse');
    await page.fill('#confirmation', 'motdepasse');
    await page.click('button[type=submit]');
    await page.locator('#result ul.error li').first().waitFor();
    expect(await page.locator('#result ul.error li').allInnerTexts()).toContain('Votre mot de passe doit contenir au moins 1 chiffre.');
    await shot('password-weak');

    await page.fill('#password', 'Soleil-2026');
    await page.fill('#confirmation', 'Soleil-2026');
    await page.click('button[type=submit]');
    await page.locator('#result .ok').waitFor();
    expect(await page.locator('#result').innerText()).toContain('Votre mot de passe a bien été créé');
    expect(await page.locator('#result').innerText()).not.toContain(created.body.loginId);
    expect(await page.locator('form').count()).toBe(0);
    await shot('password-success');

    // « Se connecter » leads to the console's login; a user's menu has no « Gestion des comptes ».
    await page.click('#result a.button');
    await page.getByLabel('Identifiant', { exact: false }).first().fill(created.body.loginId);
    await page.getByLabel('Mot de passe').fill('Soleil-2026');
    await page.getByRole('button', { name: 'Me connecter' }).click();
    await page.getByRole('heading', { name: 'Tableau de bord' }).waitFor();
    expect(await page.locator('#menu').innerText()).toContain('Mes intervenants');
    expect(await page.locator('#menu').innerText()).not.toContain('Gestion des comptes');
    await page.getByRole('link', { name: 'Mes intervenants' }).first().click();
    await page.getByText('Alice Admin').waitFor();
    await accessible('Mes intervenants');
    await shot('console-intervenants');
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByRole('heading', { name: 'Se connecter' }).waitFor();

    const dead = await page.goto(pageUrl);
    expect(dead?.status()).toBe(410);
    expect(await page.locator('h1').innerText()).toBe("Ce lien n'est plus valable");
    expect(await page.locator('form').count()).toBe(0);
    await shot('password-dead-link');

    // The local mailbox and the email as its HTML renders.
    const mailbox = inject('stack').mailSinkUrl;
    await page.goto(mailbox);
    expect(await page.locator('body').innerText()).toContain('Vous pouvez créer votre mot de passe');
    await shot('mailbox');
    await page.goto(`${mailbox}/messages/${email.id}/html`);
    expect(await page.locator('a', { hasText: 'Créer mon mot de passe' }).count()).toBe(1);
    expect(await page.title()).toBe('Vous pouvez créer votre mot de passe');
    await shot('email', true);
  }, 240_000);
});

describe("the administrators' console", () => {
  it('an admin logs in, creates, searches, groups, renews, deletes, exports, reads the history and logs out', async (ctx) => {
    if (skipWithoutChromium(ctx)) return;
    await freshPage();
    const { establishment, admin } = await t.createEstablishment({ name: 'MAIRIE DE SAINT-DENIS-LÈS-BOURG' });
    // Within the reminder window (from the 20th of the month before), whatever day the test runs.
    const soon = addDays(parisDay(new Date()), 7);
    await t.db.update(accounts).set({ expiresOn: soon }).where(eq(accounts.id, admin.id));
    const celine = await t.insertActiveAccount(establishment.id, { firstName: 'Céline', lastName: 'Martin', serviceFunction: 'Ressources Humaines', expiresOn: soon });
    const sonia = await t.insertActiveAccount(establishment.id, { firstName: 'Sonia', lastName: 'Bernard', serviceFunction: 'Ressources humaines', expiresOn: soon });
    await t.insertActiveAccount(establishment.id, { civility: 'monsieur', firstName: 'Fernand', lastName: 'Louty', serviceFunction: 'DMN', expiresOn: '2020-03-06' });
    await t.insertActiveAccount(establishment.id, { firstName: 'Delphine', lastName: 'Roux', profile: 'admin' });

    // Connexion: a wrong password gets the API's words; « Identifiant oublié » and « Mot de passe oublié » are one click away.
    await page.goto(`${api}/`);
    await page.getByRole('heading', { name: 'Se connecter' }).waitFor();
    await accessible('Connexion');
    await page.getByRole('button', { name: 'Mot de passe oublié ?' }).click();
    await page.getByRole('heading', { name: 'Mot de passe oublié' }).waitFor();
    await accessible('Mot de passe oublié');
    await page.getByRole('button', { name: 'Retour à la connexion' }).click();
    await page.getByRole('button', { name: 'Identifiant oublié ?' }).click();
    await accessible('Identifiant oublié');
    await page.getByRole('button', { name: 'Retour à la connexion' }).click();
    await page.getByLabel('Identifiant', { exact: false }).first().fill(admin.loginId);
    await page.getByLabel('Mot de passe').fill('pas-le-bon');
    await page.getByRole('button', { name: 'Me connecter' }).click();
    await page.getByText('Identifiant ou mot de passe incorrect').waitFor();
    await shot('console-login');
    await page.getByLabel('Mot de passe').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Me connecter' }).click();

    // Tableau de bord: an admin's menu.
    await page.getByRole('heading', { name: 'Tableau de bord' }).waitFor();
    expect(await page.locator('#menu').innerText()).toContain('Gestion des comptes');
    await page.getByText('Votre compte expire le').waitFor();
    await accessible('Tableau de bord');
    await shot('console-dashboard');

    // Gestion des comptes, its actions reached with the keyboard.
    await page.locator('#menu').getByRole('link', { name: 'Gestion des comptes' }).click();
    const rows = page.locator('tbody tr[data-account]');
    // A list shown after a navigation or a keystroke: the page asks the API, then draws. vitest's poll
    // gives up after 1 s by default, which a busy CI machine passed once (0 rows at the return from
    // « Créer un compte »).
    const LIST_SHOWN = { timeout: 10_000 };
    await expect.poll(() => rows.count(), LIST_SHOWN).toBe(5);
    expect(await page.locator('#result-count').innerText()).toBe('1-5 sur 5 résultat(s)');
    const louty = page.locator('tr', { hasText: 'Fernand' });
    expect(await louty.getByRole('button', { name: /Renouveler/ }).count()).toBe(1);
    expect(await louty.getByRole('link', { name: /Modifier/ }).count() + (await louty.getByRole('button', { name: /Supprimer/ }).count())).toBe(0);
    await accessible('Gestion des comptes');
    await shot('console-accounts');
    const stops = await tabStops(90);
    for (const name of [
      'Créer un compte',
      'Rechercher un nom, un prénom, un service...',
      'Grouper par',
      'Résultats par page',
      'Tout sélectionner',
      'Exporter tous les comptes',
      'Sélectionner Mme Céline Martin',
      'Modifier le compte de Mme Céline Martin',
      'Renouveler le compte de Mme Céline Martin',
      'Supprimer le compte de Mme Céline Martin',
    ]) {
      expect(stops, name).toContain(name);
    }

    // Créer un compte, in three steps; a refusal about a coordinate comes back beside its field.
    await page.getByRole('link', { name: 'Créer un compte' }).click();
    await page.getByRole('heading', { name: 'Créer un compte' }).waitFor();
    await page.getByLabel('Madame').check({ force: true });
    await page.getByLabel('Nom', { exact: true }).fill('Xxy');
    await page.getByLabel('Prénom').fill('Agathe');
    const newEmail = `agathe.xxy.${Date.now()}@mairie.test`;
    await page.getByLabel('Courriel', { exact: true }).fill(newEmail);
    await page.getByLabel('Confirmation du courriel').fill('autre@mairie.test');
    await page.getByLabel('Service d', { exact: false }).fill('État civil');
    await page.getByLabel('Administrateur').check({ force: true });
    await page.getByText('Un courrier d\'information est envoyé au représentant légal').waitFor();
    await accessible('Créer un compte, étape 1, profil Administrateur');
    await page.getByLabel('Utilisateur').check({ force: true });
    await page.getByRole('button', { name: 'Suivant' }).click();
    await page.getByRole('heading', { name: 'Attribuer les droits de Mme Agathe Xxy' }).waitFor();
    await page.getByRole('button', { name: 'Créer' }).click();
    const confirmation = page.locator('.fr-input-group--error', { has: page.getByLabel('Confirmation du courriel') });
    await confirmation.getByText('La confirmation ne correspond pas au courriel saisi.').waitFor();
    await accessible('Créer un compte, erreur');
    await shot('console-create-error', true);
    await page.getByLabel('Confirmation du courriel').fill(newEmail);
    await page.getByRole('button', { name: 'Suivant' }).click();
    await page.getByLabel('Affiliation CNRACL : Modification').check({ force: true });
    await page.getByLabel('Simulation de retraite CNRACL : Lecture seule').check({ force: true });
    await accessible('Créer un compte, étape 2');
    await shot('console-create-rights', true);
    await page.getByRole('button', { name: 'Créer' }).click();
    await page.getByText('Vous seul pouvez le lui transmettre').waitFor();
    const loginId = (await page.locator('#created-login-id').innerText()).trim();
    expect(loginId).toMatch(/^AXX\d{6}$/);
    await accessible('Créer un compte, étape 3');
    await shot('console-create-done');
    const mail = await t.mail.waitFor((m) => m.subject === 'Vous pouvez créer votre mot de passe', { to: newEmail, timeoutMs: 30_000 });
    expect(mail.text).toContain('Bonjour Madame Xxy');
    const createdRights = await t.request('GET', `/establishments/${establishment.id}/accounts?q=agathe`, { token: await t.login(admin.loginId) });
    expect(createdRights.body.items[0].loginId).toBe(loginId);

    // Instant search, accent-insensitive (the API's).
    await page.getByRole('link', { name: 'Retour à la gestion des comptes' }).click();
    await expect.poll(() => rows.count(), LIST_SHOWN).toBe(6);

    // The holder did not get the email: « Renvoyer le courriel de création du mot de passe » (a new link).
    await page.getByRole('button', { name: 'Renvoyer le courriel de création du mot de passe à Mme Agathe Xxy' }).click();
    await page.getByText('Mme Agathe Xxy :').waitFor();
    await expect.poll(async () => (await t.mail.list({ to: newEmail })).length, { timeout: 30_000 }).toBe(2);
    await page.getByLabel('Rechercher un nom, un prénom, un service...').fill('celine');
    await expect.poll(() => rows.count(), LIST_SHOWN).toBe(1);
    expect(await rows.first().innerText()).toContain('Céline');
    await shot('console-search');
    await page.getByLabel('Rechercher un nom, un prénom, un service...').fill('');
    await expect.poll(() => rows.count(), LIST_SHOWN).toBe(6);

    // Grouper par statut: one heading row per status, with its count.
    await page.getByLabel('Grouper par').selectOption('status');
    await page.locator('tr.console-group', { hasText: "En attente d'activation (1)" }).waitFor();
    expect(await page.locator('tr.console-group').allInnerTexts()).toEqual(["En attente d'activation (1)", 'Actif (4)', 'Expiré (1)']);
    await accessible('Gestion des comptes groupée');
    await shot('console-grouped');

    // Two accounts selected and renewed after the guide's confirmation.
    await page.getByLabel('Sélectionner Mme Céline Martin').check({ force: true });
    await page.getByLabel('Sélectionner Mme Sonia Bernard').check({ force: true });
    expect(await page.locator('#selection-count').innerText()).toBe('2 compte(s) sélectionné(s)');
    await page.getByRole('button', { name: 'Renouveler', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Renouvellement des droits' });
    // The guide's sentence, from the API's preview (no date computed in the browser).
    await dialog.getByText(/Vous allez renouveler les droits pour : 2 utilisateurs jusqu'au \d\d\/\d\d\/\d{4}/).waitFor();
    await accessible('Confirmation du renouvellement');
    await shot('console-renew-confirm');
    await dialog.getByRole('button', { name: 'Confirmer' }).click();
    await page.getByText(/2 compte\(s\) renouvelé\(s\) jusqu'au \d\d\/\d\d\/\d{4}\./).waitFor();
    const token = await t.login(admin.loginId);
    for (const id of [celine.id, sonia.id]) {
      const account = await t.request('GET', `/establishments/${establishment.id}/accounts/${id}`, { token });
      expect(account.body.expiresOn > soon).toBe(true);
    }

    // Delete one, from its row.
    await page.getByRole('button', { name: 'Supprimer le compte de Mme Sonia Bernard' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Confirmer' }).click();
    await page.getByText('1 compte(s) supprimé(s).').waitFor();
    await expect.poll(() => rows.count(), LIST_SHOWN).toBe(5);
    expect(await page.locator('tbody').innerText()).not.toContain('Sonia');

    // Export the selection: a CSV of those two accounts.
    await page.getByLabel('Sélectionner Mme Céline Martin').check({ force: true });
    await page.getByLabel('Sélectionner Mme Agathe Xxy').check({ force: true });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Exporter la sélection' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    const lines = csv.trim().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(csv).toContain(celine.loginId);
    expect(csv).toContain(loginId);

    // Modifier: the two tabs.
    await page.getByRole('link', { name: 'Modifier le compte de Mme Céline Martin' }).click();
    await page.getByRole('heading', { name: 'Modifier un compte' }).waitFor();
    await page.getByRole('tab', { name: 'Ses coordonnées' }).click();
    await page.getByLabel('Téléphone fixe (facultatif)').fill('05 56 11 41 23');
    await page.getByRole('button', { name: 'Appliquer les modifications' }).click();
    await page.getByText('Les modifications sont enregistrées.').waitFor();
    await accessible('Modifier un compte');
    await shot('console-edit');

    // The history, then the account's own.
    await page.getByRole('link', { name: "Voir l'historique du compte" }).click();
    await page.getByRole('heading', { name: 'Historique des opérations' }).waitFor();
    await page.getByRole('cell', { name: 'Renouvellement du compte' }).first().waitFor();
    await page.getByRole('link', { name: "Voir tout l'historique" }).click();
    await page.getByRole('cell', { name: 'Suppression du compte' }).first().waitFor();
    expect(await page.locator('tbody').innerText()).toContain('Création du compte');
    await accessible('Historique');
    await shot('console-history');

    for (const [menu, heading] of [
      ['Mon compte', 'Mon compte'],
      ['Mon établissement', 'Mon établissement'],
    ] as const) {
      await page.locator('#menu').getByRole('link', { name: menu }).click();
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      await accessible(heading);
    }
    // The terms-of-use screen (no version published in this test's database: the screen says so).
    await page.goto(`${api}/console/cgu`);
    await page.getByRole('heading', { name: "Conditions générales d'utilisation", level: 1 }).waitFor();
    await accessible("Conditions générales d'utilisation");

    // Accès multicomptes: the operator attached a commune to this establishment; its admin asks for the delegation.
    const { establishment: commune } = await t.createEstablishment({ name: 'COMMUNE DE BOURG-LE-PETIT' });
    const attached = await t.request('POST', `/operator/establishments/${establishment.id}/attachments`, {
      token: t.config.operatorToken,
      body: { establishmentId: commune.id },
    });
    expect(attached.status).toBeLessThan(300);
    await page.locator('#menu').getByRole('link', { name: 'Accès multicomptes' }).click();
    await page.getByLabel('Sélectionner COMMUNE DE BOURG-LE-PETIT').check({ force: true });
    await page.getByRole('button', { name: 'Demander la délégation (1)' }).click();
    await page.getByText('Demande envoyée aux administrateurs de 1 établissement(s).').waitFor();
    await page.getByRole('button', { name: 'Retirer la demande' }).waitFor();
    await accessible('Accès multicomptes');
    await shot('console-delegations');

    // Log out: the session is gone for the API too.
    const stored = await page.evaluate<string | null>("sessionStorage.getItem('peps.session')");
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByRole('heading', { name: 'Se connecter' }).waitFor();
    expect((await t.request('GET', '/me', { token: stored! })).status).toBe(401);
  }, 300_000);
});
