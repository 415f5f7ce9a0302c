/**
 * Administrator registration end to end on the real stack (dev Temporal server, worker, PostgreSQL,
 * mail sink): an admin promotes a user; the operator lists the letter, downloads the PDF (its text is
 * read back with a PDF library), marks it posted, records the legal representative's opposition.
 */
import { extractText, getDocumentProxy } from 'unpdf';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { addDays, frenchDate, parisDay, termsAcceptableFrom } from '../../domain/dates';
import { registrationStatusQuery, workflowIds } from '../../workflows/definitions';
import { useTestApp } from '../support/harness';

const t = useTestApp({ worker: true });
const ADDRESS = ['Mairie – Service RH', '1 place de la Mairie', '44000 NANTES'];

async function pdfText(bytes: ArrayBuffer): Promise<string> {
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(bytes)), { mergePages: true });
  return text.replace(/\s+/g, ' ');
}

describe('administrator registration, end to end', () => {
  it('promotion → letter → posted → opposition: the account is back to user, emails sent, history kept', async () => {
    const { establishment, adminToken } = await t.createEstablishment();
    const operator = t.config.operatorToken;
    const user = await t.insertActiveAccount(establishment.id, {
      civility: 'monsieur',
      lastName: 'Béranger',
      firstName: 'Jérôme',
      phone: '0240861234',
      serviceFunction: 'Ressources humaines',
    });
    const userToken = await t.login(user.loginId);

    const promoted = await t.request('PATCH', `/establishments/${establishment.id}/accounts/${user.id}`, {
      token: adminToken,
      body: { profile: 'admin', professionalAddress: ADDRESS },
    });
    expect(promoted.status, promoted.text).toBe(200);
    const today = parisDay(new Date());
    expect(promoted.body.termsAcceptableFrom).toBe(termsAcceptableFrom(new Date(promoted.body.adminSince)));
    expect((await t.request('GET', '/me', { token: userToken })).status).toBe(401); // promotion closes sessions

    // The operator's list of letters waiting to be posted, for this establishment.
    let letters: any[] = [];
    for (let i = 0; i < 100 && letters.length === 0; i++) {
      const res = await t.request('GET', `/operator/letters?establishmentId=${establishment.id}`, { token: operator });
      expect(res.status).toBe(200);
      letters = res.body.items;
      if (letters.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(letters).toMatchObject([{ loginId: user.loginId, reason: 'promoted', status: 'pending', letterDate: today, overdue: false, postedOn: null }]);
    const { reference, statedDeadline } = letters[0];

    const pdf = await t.app.request(`/operator/letters/${reference}`, { headers: { authorization: `Bearer ${operator}` } });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const text = await pdfText(await pdf.arrayBuffer());
    for (const expected of [
      'Monsieur Jean MAIRE', // the legal representative (test establishment)
      establishment.name,
      '1 place de la Mairie',
      '44000 NANTES',
      'Monsieur BÉRANGER Jérôme',
      user.loginId,
      '0240861234',
      'Ressources humaines',
      `Le ${frenchDate(today)}, Madame Alice ADMIN`, // promotion date and who did it
      `au plus tard le ${frenchDate(statedDeadline)}`,
      reference,
    ]) {
      expect(text).toContain(expected);
    }

    const batch = await t.app.request('/operator/letters/batch', {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ references: [reference] }),
    });
    expect(batch.headers.get('content-type')).toBe('application/zip');
    expect(Object.keys(unzipSync(new Uint8Array(await batch.arrayBuffer())))).toEqual([`${reference}-${user.loginId}.pdf`]);

    // The workflow refuses a posting day before the letter's: the caller's error in the report, not a 503.
    const early = await t.request('POST', '/operator/letters/posted', { token: operator, body: { references: [reference], postedOn: addDays(today, -1) } });
    expect(early.status).toBe(200);
    expect(early.body).toMatchObject({ done: 0, refused: 1, results: [{ reference, outcome: 'refused', code: 'validation_failed' }] });

    const posted = await t.request('POST', '/operator/letters/posted', { token: operator, body: { references: [reference], postedOn: today } });
    expect(posted.body).toMatchObject({ done: 1, refused: 0 });
    const handle = t.temporal.workflow.getHandle(workflowIds.adminRegistration(user.loginId));
    expect(await handle.query(registrationStatusQuery)).toMatchObject({ stage: 'awaiting_opposition', postedOn: today, oppositionDeadline: statedDeadline });
    expect((await t.request('GET', `/operator/letters?establishmentId=${establishment.id}`, { token: operator })).body.items).toEqual([]);

    const opposed = await t.request('POST', '/operator/admin-registrations/oppositions', {
      token: operator,
      body: { reference, requestedOn: today, channel: 'email', reason: 'Agent en disponibilité.' },
    });
    expect(opposed.status, opposed.text).toBe(200);
    expect(opposed.body).toMatchObject({ account: 'demoted', noActiveAdminLeft: false });
    expect(await handle.result()).toBe('opposed');

    const detail = await t.request('GET', `/establishments/${establishment.id}/accounts/${user.id}`, { token: adminToken });
    expect(detail.body).toMatchObject({ profile: 'user', adminSince: null, termsAcceptableFrom: null });
    const holderMail = await t.mail.waitFor((m) => m.subject.startsWith('Opposition du représentant légal'), { to: (await t.request('GET', `/establishments/${establishment.id}/accounts/${user.id}`, { token: adminToken })).body.email, timeoutMs: 15_000 });
    expect(holderMail?.text).toContain(reference);
    const admins = (await t.request('GET', `/establishments/${establishment.id}/admins`, { token: adminToken })).body;
    const adminEmail = (admins.items ?? admins)[0].email;
    expect(await t.mail.waitFor((m) => m.subject.startsWith('Opposition du représentant légal'), { to: adminEmail, timeoutMs: 15_000 })).toBeTruthy();

    const history = await t.request('GET', `/establishments/${establishment.id}/history?accountId=${user.id}&pageSize=50`, { token: adminToken });
    const actions = history.body.items.map((e: { action: string }) => e.action);
    for (const action of [
      'account.promote',
      'admin_registration.letter_generated',
      'admin_registration.letter_posted',
      'account.demote',
      'admin_registration.opposed',
      'email.admin_opposition_sent',
    ]) {
      expect(actions).toContain(action);
    }
    const opposition = history.body.items.find((e: { action: string }) => e.action === 'admin_registration.opposed');
    expect(opposition.actor).toMatchObject({ type: 'operator' });
  });
});
