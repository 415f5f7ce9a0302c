/**
 * What a person sees, in Debian's Chromium driven by playwright-core, on the real stack: the API
 * reference at /docs (offline), the password page (fresh, weak password, success, dead link), the
 * home page, the mailbox and one email. Each page is checked for what matters, and photographed:
 * `UPDATE_SCREENSHOTS=1 npx vitest run test/integration/screenshots.test.ts` refreshes the pictures
 * the README shows (docs/screenshots/); otherwise they go to the run's temporary folder.
 */
import { mkdirSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findChromium } from '../../dev/chromium';
import { useTestApp } from '../support/harness';

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
  server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: chromiumFound.path, args: ['--no-sandbox', '--disable-gpu'] });
  page = await browser.newPage({ viewport: { width: 1000, height: 760 }, locale: 'fr-FR' });
  // Offline for real: any request that leaves this machine fails the test.
  await page.route(/^https?:\/\/(?!127\.0\.0\.1|localhost)/, (route) => {
    throw new Error(`request to the internet: ${route.request().url()}`);
  });
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
});

async function shot(name: string, fullPage = false) {
  const file = path.join(outDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  expect(statSync(file).size).toBeGreaterThan(5_000);
}

describe('screens', () => {
  it('shows the API reference, the password page, the mailbox and an email', async (ctx) => {
    if (!('path' in chromiumFound)) {
      console.warn(`screenshots skipped: ${chromiumFound.missing}`);
      ctx.skip();
      return;
    }
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
    expect(await page.locator('#result a.button').getAttribute('href')).toBe('/');
    expect(await page.locator('form').count()).toBe(0);
    await shot('password-success');

    const dead = await page.goto(pageUrl);
    expect(dead?.status()).toBe(410);
    expect(await page.locator('h1').innerText()).toBe("Ce lien n'est plus valable");
    expect(await page.locator('form').count()).toBe(0);
    await shot('password-dead-link');

    // Where « Se connecter » and the emails' « Accéder à la Plateforme… » lead.
    await page.goto(`${api}/`);
    await page.fill('#loginId', created.body.loginId);
    await page.fill('#password', 'Soleil-2026');
    await page.click('#login-form button[type=submit]');
    await page.locator('#login-result .ok').waitFor();
    expect(await page.locator('#login-result').innerText()).toContain('Vous êtes connecté(e) : Jean Louty — COMMUNE DE DEMO.');
    await shot('home-logged-in');

    // The local mailbox and the email as its HTML renders.
    const mailbox = inject('stack').mailSinkUrl;
    await page.goto(mailbox);
    expect(await page.locator('body').innerText()).toContain('Vous pouvez créer votre mot de passe');
    await shot('mailbox');
    await page.goto(`${mailbox}/messages/${email.id}/html`);
    expect(await page.locator('a', { hasText: 'Créer mon mot de passe' }).count()).toBe(1);
    expect(await page.title()).toBe('Vous pouvez créer votre mot de passe');
    await shot('email', true);
  });
});
