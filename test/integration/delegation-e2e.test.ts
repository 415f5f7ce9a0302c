/**
 * Multi-account access through the real stack: the API with its real dependencies, a real worker on
 * the Temporal dev server, PostgreSQL and the mail sink. Then who may do what around a delegation.
 */
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/harness';

const t = useTestApp({ worker: true });
const operator = () => t.config.operatorToken;

async function attach(centralId: string, establishmentId: string) {
  const res = await t.request('POST', `/operator/establishments/${centralId}/attachments`, { token: operator(), body: { establishmentId } });
  expect(res.status).toBe(200);
}

async function adminEmail(accountId: string, token: string, establishmentId: string): Promise<string> {
  const res = await t.request('GET', `/establishments/${establishmentId}/accounts/${accountId}`, { token });
  return res.body.email;
}

describe('delegation end to end', () => {
  it('A asks B and C; B accepts, C refuses; A manages B only, until B ends it', async () => {
    const a = await t.createEstablishment({ name: 'CDG DE DEMO-E2E' });
    const b = await t.createEstablishment({ name: 'COMMUNE DE B-E2E' });
    const c = await t.createEstablishment({ name: 'COMMUNE DE C-E2E' });
    await attach(a.establishment.id, b.establishment.id);
    await attach(a.establishment.id, c.establishment.id);

    // A's admin asks both; asking again while pending is refused in the report and starts nothing.
    const asked = await t.request('POST', `/establishments/${a.establishment.id}/delegations`, {
      token: a.adminToken,
      body: { establishmentIds: [b.establishment.id, c.establishment.id] },
    });
    expect(asked.status).toBe(200);
    expect(asked.body).toMatchObject({ done: 2, refused: 0 });
    const again = await t.request('POST', `/establishments/${a.establishment.id}/delegations`, {
      token: a.adminToken,
      body: { establishmentIds: [b.establishment.id] },
    });
    expect(again.body).toMatchObject({ done: 0, refused: 1, results: [{ outcome: 'refused', code: 'delegation_pending' }] });

    // B's admin gets the email, finds the request and accepts it.
    const bEmail = await adminEmail(b.admin.id, b.adminToken, b.establishment.id);
    const request = await t.mail.waitFor((m) => m.subject === 'Accès multicomptes : demande de délégation de gestion', { to: bEmail, timeoutMs: 20_000 });
    expect(request.text).toContain("L'établissement centralisateur CDG DE DEMO-E2E");
    const bView = await t.request('GET', `/establishments/${b.establishment.id}/delegations`, { token: b.adminToken });
    expect(bView.body.asDelegating).toMatchObject([{ central: { id: a.establishment.id }, delegation: { state: 'requested' } }]);
    const bDelegation = bView.body.asDelegating[0].delegation.id as string;
    const accepted = await t.request('POST', `/establishments/${b.establishment.id}/delegations/${bDelegation}/accept`, { token: b.adminToken });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ state: 'accepted', stateLabel: 'Délégation active' });

    // C's admin refuses.
    const cView = await t.request('GET', `/establishments/${c.establishment.id}/delegations`, { token: c.adminToken });
    const cDelegation = cView.body.asDelegating[0].delegation.id as string;
    const refused = await t.request('POST', `/establishments/${c.establishment.id}/delegations/${cDelegation}/refuse`, { token: c.adminToken });
    expect(refused.body).toMatchObject({ state: 'refused' });
    // A late acceptance of the refused request changes nothing.
    const late = await t.request('POST', `/establishments/${c.establishment.id}/delegations/${cDelegation}/accept`, { token: c.adminToken });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('delegation_not_pending');

    // A sees both states and can act for B.
    const aView = await t.request('GET', `/establishments/${a.establishment.id}/delegations`, { token: a.adminToken });
    const states = Object.fromEntries(aView.body.asCentral.map((x: any) => [x.establishment.id, x.delegation.state]));
    expect(states).toEqual({ [b.establishment.id]: 'accepted', [c.establishment.id]: 'refused' });
    const me = await t.request('GET', '/me', { token: a.adminToken });
    expect(me.body.actsFor).toEqual([{ id: b.establishment.id, name: 'COMMUNE DE B-E2E', siret: b.establishment.siret }]);

    // A's admin creates an account in B; B's history names the person and the establishment they act for.
    const created = await t.createAccount(b.establishment.id, a.adminToken);
    expect(created.status).toBe(201);
    const history = await t.request('GET', `/establishments/${b.establishment.id}/history?accountId=${created.body.id}`, { token: b.adminToken });
    expect(history.body.items.find((e: any) => e.action === 'account.create')).toMatchObject({
      actor: { label: a.admin.loginId, establishmentId: a.establishment.id, establishmentName: 'CDG DE DEMO-E2E', onBehalf: true },
    });

    // A's admin is refused on C.
    expect((await t.createAccount(c.establishment.id, a.adminToken)).status).toBe(404);

    // B ends it: A's admin is refused on B at the next request.
    const ended = await t.request('POST', `/establishments/${b.establishment.id}/delegations/${bDelegation}/end`, { token: b.adminToken });
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({ state: 'ended', endReason: 'ended_by_delegating' });
    expect((await t.createAccount(b.establishment.id, a.adminToken)).status).toBe(404);
    expect((await t.request('GET', '/me', { token: a.adminToken })).body.actsFor).toEqual([]);

    // Both sides' histories show every step; both sides were emailed the outcome.
    const aEmail = await adminEmail(a.admin.id, a.adminToken, a.establishment.id);
    await t.mail.waitFor((m) => m.subject === 'Accès multicomptes : fin de la délégation de gestion', { to: aEmail, timeoutMs: 20_000 });
    await t.mail.waitFor((m) => m.subject === 'Accès multicomptes : délégation de gestion refusée', { to: aEmail, timeoutMs: 20_000 });
    const bHistory = await t.request('GET', `/establishments/${b.establishment.id}/history?pageSize=100`, { token: b.adminToken });
    const aHistory = await t.request('GET', `/establishments/${a.establishment.id}/history?pageSize=100`, { token: a.adminToken });
    for (const h of [aHistory, bHistory]) {
      expect(h.body.items.map((e: any) => e.action)).toEqual(
        expect.arrayContaining(['establishment.attach', 'delegation.request', 'delegation.accepted', 'delegation.ended']),
      );
    }

    // A new request after the end is a new run, and B can accept it again.
    const anew = await t.request('POST', `/establishments/${a.establishment.id}/delegations`, { token: a.adminToken, body: { establishmentIds: [b.establishment.id] } });
    expect(anew.body).toMatchObject({ done: 1 });
    expect(anew.body.results[0].delegationId).not.toBe(bDelegation);
  });

  it('removing the attachment ends the delegation at once', async () => {
    const a = await t.createEstablishment();
    const b = await t.createEstablishment();
    await attach(a.establishment.id, b.establishment.id);
    const asked = await t.request('POST', `/establishments/${a.establishment.id}/delegations`, { token: a.adminToken, body: { establishmentIds: [b.establishment.id] } });
    const id = asked.body.results[0].delegationId;
    await t.request('POST', `/establishments/${b.establishment.id}/delegations/${id}/accept`, { token: b.adminToken });
    expect((await t.request('GET', `/establishments/${b.establishment.id}/accounts`, { token: a.adminToken })).status).toBe(200);

    const detached = await t.request('DELETE', `/operator/establishments/${a.establishment.id}/attachments/${b.establishment.id}`, { token: operator() });
    expect(detached.status).toBe(204);
    expect((await t.request('GET', `/establishments/${b.establishment.id}/accounts`, { token: a.adminToken })).status).toBe(404);
    const view = await t.request('GET', `/establishments/${b.establishment.id}/delegations`, { token: b.adminToken });
    expect(view.body.asDelegating).toEqual([]);
    // No longer attached: it cannot be asked.
    const refused = await t.request('POST', `/establishments/${a.establishment.id}/delegations`, { token: a.adminToken, body: { establishmentIds: [b.establishment.id] } });
    expect(refused.body.results[0]).toMatchObject({ outcome: 'refused', code: 'not_attached' });
  });
});

describe('delegation authorization', () => {
  /** A central A with a user, B delegating to A (accepted), D attached to A but not delegating. */
  async function scene() {
    const a = await t.createEstablishment();
    const b = await t.createEstablishment();
    const d = await t.createEstablishment();
    await attach(a.establishment.id, b.establishment.id);
    await attach(a.establishment.id, d.establishment.id);
    const asked = await t.request('POST', `/establishments/${a.establishment.id}/delegations`, { token: a.adminToken, body: { establishmentIds: [b.establishment.id] } });
    const delegationId = asked.body.results[0].delegationId as string;
    await t.request('POST', `/establishments/${b.establishment.id}/delegations/${delegationId}/accept`, { token: b.adminToken });
    const user = await t.insertActiveAccount(a.establishment.id, { profile: 'user' });
    return { a, b, d, delegationId, userToken: await t.login(user.loginId) };
  }

  it("a user of the central establishment cannot manage the delegating one's accounts", async () => {
    const { b, userToken } = await scene();
    expect((await t.request('GET', `/establishments/${b.establishment.id}/accounts`, { token: userToken })).status).toBe(403);
    expect((await t.createAccount(b.establishment.id, userToken)).status).toBe(403);
  });

  it('an admin of the central establishment gets 404 on an attached establishment that did not delegate', async () => {
    const { a, d } = await scene();
    expect((await t.request('GET', `/establishments/${d.establishment.id}/accounts`, { token: a.adminToken })).status).toBe(404);
    expect((await t.createAccount(d.establishment.id, a.adminToken)).status).toBe(404);
  });

  it('an ended delegation gives no access; the central admin cannot answer or end on the other side', async () => {
    const { a, b, delegationId } = await scene();
    // Acting by delegation does not extend to the delegation itself.
    const answer = await t.request('POST', `/establishments/${b.establishment.id}/delegations/${delegationId}/end`, { token: a.adminToken });
    expect(answer.status).toBe(403);
    const ended = await t.request('POST', `/establishments/${a.establishment.id}/delegations/${delegationId}/end`, { token: a.adminToken });
    expect(ended.body).toMatchObject({ state: 'ended', endReason: 'ended_by_central' });
    expect((await t.request('GET', `/establishments/${b.establishment.id}/accounts`, { token: a.adminToken })).status).toBe(404);
    expect((await t.request('GET', `/establishments/${b.establishment.id}/history`, { token: a.adminToken })).status).toBe(404);
    const again = await t.request('POST', `/establishments/${a.establishment.id}/delegations/${delegationId}/end`, { token: a.adminToken });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('delegation_not_living');
  });
});
