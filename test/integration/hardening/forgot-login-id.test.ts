/**
 * Forgotten login id when two accounts share an address: each account's email is sent (one
 * idempotency key per account), and no workflow is left retrying a send the provider refuses.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../../support/harness';

const t = useTestApp({ worker: true });

describe('forgotten login id, shared address', () => {
  it('sends one email per account and every reminder workflow completes', async () => {
    const { establishment } = await t.createEstablishment();
    const email = `partage-${randomUUID()}@employeur.test`;
    const first = await t.insertActiveAccount(establishment.id, { email });
    const second = await t.insertActiveAccount(establishment.id, { email, status: 'pending_activation' });

    const res = await t.request('POST', '/auth/forgot-login-id', { body: { email } });
    expect(res.status).toBe(202);

    const texts: string[] = [];
    for (let i = 0; i < 100 && texts.length < 2; i++) {
      texts.splice(0, texts.length, ...(await t.mail.list({ to: email })).map((m) => m.text ?? ''));
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(texts.some((text) => text.includes(`Votre identifiant : ${first.loginId}`))).toBe(true);
    expect(texts.some((text) => text.includes(`Votre identifiant : ${second.loginId}`))).toBe(true);

    for (const loginId of [first.loginId, second.loginId]) {
      const runs = [];
      for await (const wf of t.temporal.workflow.list({ query: `AccountLoginId="${loginId}"` })) runs.push(wf);
      expect(runs).toHaveLength(1);
      await t.temporal.workflow.getHandle(runs[0]!.workflowId).result();
    }
  });
});
