/**
 * Terms of use end to end on the real stack (API, Temporal dev server with a real worker, PostgreSQL,
 * mail sink), in a database of its own: a published version concerns every establishment.
 * The operator publishes; the admins of several establishments are emailed; members see the notice;
 * an admin accepts; the notice is gone and the history has the entry.
 */
import { randomInt } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { addDays, frenchDate, parisDay, termsAcceptableFrom } from '../../domain/dates';
import { searchAttributes, workflowIds } from '../../workflows/definitions';
import { useTestApp } from '../support/harness';

const t = useTestApp({ worker: true, ownDatabase: true });
const DAY = 86_400_000;

const operator = (method: string, path: string, body?: unknown) => t.request(method, path, { token: t.config.operatorToken, body });

/** An establishment with an admin of 10 days (may accept), an admin of today (may not yet) and a user. */
async function establishment(name: string) {
  const { establishment: est } = await t.createEstablishment({ name });
  const tenDaysAgo = new Date(Date.now() - 10 * DAY);
  const senior = await t.insertActiveAccount(est.id, {
    profile: 'admin',
    adminSince: tenDaysAgo,
    termsAcceptableFrom: termsAcceptableFrom(tenDaysAgo),
    firstName: 'Sam',
    lastName: 'Senior',
  });
  const recent = await t.insertActiveAccount(est.id, {
    profile: 'admin',
    adminSince: new Date(),
    termsAcceptableFrom: termsAcceptableFrom(new Date()),
    firstName: 'Rita',
    lastName: 'Recent',
  });
  const user = await t.insertActiveAccount(est.id, { firstName: 'Ugo', lastName: 'User' });
  const emails = async (loginId: string) => (await t.db.execute<{ email: string }>(sql`select email from accounts where login_id = ${loginId}`))[0]!.email;
  return { est, recent: { ...recent, email: await emails(recent.loginId) }, senior: { ...senior, email: await emails(senior.loginId) }, user };
}

describe('terms of use, end to end', () => {
  it('publish for several establishments, emails, notice, acceptance, notice gone, history entry', async () => {
    const establishments = await Promise.all([1, 2, 3].map((n) => establishment(`COMMUNE CGU ${n}`)));
    const version = `e2e-${randomInt(1_000_000)}`;
    const deadlineOn = addDays(parisDay(new Date()), 30);

    // Refused publications change nothing: too short a deadline, neither text nor PDF.
    const tooSoon = await operator('POST', '/operator/terms-versions', { version, title: 'CGU', text: 'Texte', deadlineOn: addDays(parisDay(new Date()), 3) });
    expect(tooSoon.status).toBe(400);
    expect(tooSoon.body.errors).toEqual([expect.objectContaining({ field: 'deadlineOn' })]);
    expect((await operator('POST', '/operator/terms-versions', { version, title: 'CGU', deadlineOn })).status).toBe(400);

    const published = await operator('POST', '/operator/terms-versions', {
      version,
      title: "Conditions générales d'utilisation de la plateforme PEP's",
      text: 'Article 1 — Objet. Les identifiants de connexion doivent rester personnels et secrets.',
      deadlineOn,
    });
    expect(published.status, JSON.stringify(published.body)).toBe(201);
    expect(published.body).toMatchObject({ version: { version, deadlineOn, reminderDaysBefore: [7, 1], documentType: 'text' }, establishments: 3 });
    const again = await operator('POST', '/operator/terms-versions', { version, title: 'Autre', text: 'Autre texte', deadlineOn });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('terms_version_exists');

    // Every active admin of every establishment gets the email; the recent admin learns from when they can accept.
    for (const { senior, recent } of establishments) {
      const seniorMail = await t.mail.waitFor((m) => (m.text ?? '').includes(`version ${version}`), { to: senior.email, timeoutMs: 30_000 });
      expect(seniorMail.subject).toBe(`Nouvelles conditions générales d'utilisation à valider avant le ${frenchDate(deadlineOn)}`);
      expect(seniorMail.text).toContain('vous devez accepter les nouvelles conditions générales d\'utilisation sans délai, vous êtes le seul à pouvoir le faire');
      expect(seniorMail.text).not.toContain('moins de 8 jours');
      const recentMail = await t.mail.waitFor((m) => (m.text ?? '').includes(`version ${version}`), { to: recent.email, timeoutMs: 30_000 });
      expect(recentMail.text).toContain(`vous pourrez les valider à partir du ${frenchDate(addDays(parisDay(new Date()), 8))}`);
    }

    const [first] = establishments;
    const { est, senior, recent, user } = first!;
    // The version in force, readable by any logged-in person.
    const userToken = await t.login(user.loginId);
    const current = await t.request('GET', '/terms/current', { token: userToken });
    expect(current.body).toMatchObject({ version, deadlineOn, documentUrl: `/terms/versions/${version}/document` });
    const document = await t.request('GET', current.body.documentUrl, { token: userToken });
    expect(document.text).toContain('Article 1 — Objet.');

    const notice = `Pour garantir l'accès à la plateforme, un de vos administrateurs doit valider les conditions générales d'utilisation avant le ${frenchDate(deadlineOn)}.`;
    const me = await t.request('GET', '/me', { token: userToken });
    expect(me.body.notices).toContainEqual({ code: 'terms_pending', level: 'warning', message: notice, dueOn: deadlineOn });
    const recentMe = await t.request('GET', '/me', { token: await t.login(recent.loginId) });
    expect(recentMe.body.notices.map((n: { code: string }) => n.code)).toEqual(expect.arrayContaining(['terms_pending', 'terms_admin_can_accept']));
    expect(recentMe.body.terms).toMatchObject({ canAccept: false });

    // A user cannot accept; a senior admin can, once for the whole establishment.
    const byUser = await t.request('POST', `/establishments/${est.id}/terms/acceptance`, { token: userToken, body: { version, declaration: true } });
    expect(byUser.status).toBe(403);
    const seniorToken = await t.login(senior.loginId);
    const unchecked = await t.request('POST', `/establishments/${est.id}/terms/acceptance`, { token: seniorToken, body: { version } });
    expect(unchecked.status).toBe(400);
    const accepted = await t.request('POST', `/establishments/${est.id}/terms/acceptance`, { token: seniorToken, body: { version, declaration: true } });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    expect(accepted.body).toMatchObject({ version, acceptedByLoginId: senior.loginId, alreadyAccepted: false });

    const after = await t.request('GET', '/me', { token: userToken });
    expect(after.body.notices.filter((n: { code: string }) => n.code.startsWith('terms_'))).toEqual([]);
    expect(after.body.terms).toMatchObject({ standing: 'accepted', standingLabel: 'Validées', acceptedByLoginId: senior.loginId });

    const history = await t.request('GET', `/establishments/${est.id}/history`, { token: seniorToken });
    const entry = history.body.items.find((e: { action: string }) => e.action === 'terms.accepted');
    expect(entry).toMatchObject({
      actionLabel: "Validation des conditions générales d'utilisation",
      outcome: 'success',
      actor: { type: 'account', label: senior.loginId },
      after: { version, standing: 'accepted', late: false },
    });
    expect(history.body.items.map((e: { action: string }) => e.action)).toContain('email.terms_of_use_sent');

    // The workflow has settled; the operator finds the two others among those that have not accepted.
    const handle = t.temporal.workflow.getHandle(workflowIds.terms(version, est.siret));
    expect(await handle.result()).toBe('accepted');
    const notAccepted = await operator('GET', `/operator/terms-versions/${version}/establishments`);
    expect(notAccepted.body.items.map((i: { siret: string }) => i.siret).sort()).toEqual(establishments.slice(1).map((e) => e.est.siret).sort());
    const csv = await operator('GET', `/operator/terms-versions/${version}/establishments.csv?standing=accepted`);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.text).toContain(`${est.siret};COMMUNE CGU 1;${version};${frenchDate(deadlineOn)};Validées;${frenchDate(parisDay(new Date()))};${senior.loginId}`);
    const versions = await operator('GET', '/operator/terms-versions');
    expect(versions.body.items[0]).toMatchObject({ version, counts: { pending: 2, overdue: 0, accepted: 1 } });

    // Operators find the establishments' workflows by version and state in the Temporal UI.
    const query = `${searchAttributes.termsVersion.name}="${version}" AND ${searchAttributes.lifecycleState.name}="awaiting_acceptance"`;
    await expect
      .poll(async () => {
        const ids: string[] = [];
        for await (const wf of t.temporal.workflow.list({ query })) ids.push(wf.workflowId);
        return ids.sort();
      }, { timeout: 20_000 })
      .toEqual(establishments.slice(1).map((e) => workflowIds.terms(version, e.est.siret)).sort());
    expect(await (await handle.describe()).staticSummary()).toBe(`CGU ${version} — établissement ${est.siret}`);
  });

  it('a PDF version is stored as published and never changes', async () => {
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
    const version = `pdf-${randomInt(1_000_000)}`;
    const published = await operator('POST', '/operator/terms-versions', {
      version,
      title: 'CGU (PDF)',
      pdfBase64: pdf.toString('base64'),
      deadlineOn: addDays(parisDay(new Date()), 20),
    });
    expect(published.status, JSON.stringify(published.body)).toBe(201);
    const res = await t.app.request(`/terms/versions/${version}/document`, { headers: { authorization: `Bearer ${t.config.operatorToken}` } });
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(pdf);
    const notPdf = await operator('POST', '/operator/terms-versions', { version: `${version}b`, title: 'X', pdfBase64: 'aGVsbG8=', deadlineOn: addDays(parisDay(new Date()), 20) });
    expect(notPdf.status).toBe(400);
    const error = await t.db.execute(sql`update terms_versions set title = 'changé' where version = ${version}`).catch((e: Error) => e);
    expect(String((error as Error).cause)).toMatch(/immutable/);
  });
});
