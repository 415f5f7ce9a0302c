/**
 * The validity lifecycle on Temporal's time-skipping test server: 18 months pass in seconds. Real
 * activities, PostgreSQL and API; the API's clock follows the test server's time so that login and
 * renewal see the same day as the workflow.
 */
import { randomUUID } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import { and, eq } from 'drizzle-orm';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { notifyAccountDeleted } from '../../accounts/lifecycles';
import { accounts, auditEvents } from '../../db/schema';
import { addDays, expiryFrom, expiryInstant, parisDay, parisMidnight, reminderDayFor } from '../../domain/dates';
import { hashPassword } from '../../security/passwords';
import { expiryChangedSignal, searchAttributes, validityStatusQuery, type ValidityStage, type ValidityStatus, workflowIds } from '../../workflows/definitions';
import { recordHistory } from '../support/histories';
import { ensureValidity } from '../../workflows/validity-client';
import { HISTORY_LIMIT, validityWorkflow } from '../../workflows/validity';
import { validityStartOptions } from '../../workflows/validity-start';
import { insertAccount, insertEstablishment } from '../support/fixtures';
import { useTimeSkippingStack } from '../support/time-skipping';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const PASSWORD = 'Printemps-2026';

let envNow = Date.now();
let passwordHash: string;


// One time-skipping server per test: a later test's jumps in time would fire the earlier tests' timers.
const ts = useTimeSkippingStack({ name: 'validity', perTest: true, clock: { now: () => new Date(envNow) } });

beforeAll(async () => {
  passwordHash = await hashPassword(PASSWORD);
});

beforeEach(async () => {
  envNow = await ts.env.currentTimeMs();
});

/** Moves the test server's clock to `instant` (and the API's with it). */
async function sleepUntil(instant: number) {
  const now = await ts.env.currentTimeMs();
  if (instant > now) await ts.env.sleep(instant - now);
  envNow = await ts.env.currentTimeMs();
}

async function sleepFor(ms: number) {
  await sleepUntil((await ts.env.currentTimeMs()) + ms);
}

const target = () => ({ client: ts.env.client, taskQueue: ts.deps.config.temporal.taskQueue });

/** An active account created "today" (the test server's today), with its validity workflow started (as its activation, or the reconcile, does). */
async function createdAccount() {
  envNow = await ts.env.currentTimeMs();
  const establishment = await insertEstablishment(ts.deps.db);
  const account = await insertAccount(ts.deps.db, establishment.id, {
    passwordHash,
    expiresOn: expiryFrom(parisDay(new Date(envNow))),
  });
  await ensureValidity(target(), account, establishment.siret);
  const handle = ts.env.client.workflow.getHandle(workflowIds.validity(account.loginId));
  return { establishment, account, handle };
}

/** Waits (real time) until the workflow has reached `stage`: after a timer fires, its activities run in real time. */
async function stageOf(handle: ReturnType<typeof ts.env.client.workflow.getHandle>, stage: ValidityStage, match: Partial<ValidityStatus> = {}) {
  for (let i = 0; i < 150; i++) {
    const status = await handle.query(validityStatusQuery);
    if (status.stage === stage && Object.entries(match).every(([k, v]) => status[k as keyof ValidityStatus] === v)) return status;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`workflow never reached ${stage}`);
}

/** The ExpiresAt the current run shows in the Temporal UI (describe: no query while a run closes by continue-as-new). */
async function shownExpiry(handle: ReturnType<typeof ts.env.client.workflow.getHandle>) {
  const described = await handle.describe();
  return { runId: described.runId, expiresAt: described.typedSearchAttributes.get(searchAttributes.expiresAt)?.toISOString() };
}

/**
 * An admin renews the account through the API, today (the test server's today). With `signal: false`
 * only the database changes, as a bulk renewal whose signals are still on their way.
 */
async function renew(account: { id: string; establishmentId: string }, _siret: string, opts: { signal: boolean } = { signal: true }) {
  if (!opts.signal) {
    const expiresOn = expiryFrom(parisDay(new Date(envNow)));
    await ts.deps.db.update(accounts).set({ expiresOn }).where(eq(accounts.id, account.id));
    return expiresOn;
  }
  const admin = await insertAccount(ts.deps.db, account.establishmentId, { profile: 'admin', passwordHash, expiresOn: '2099-12-31' });
  const token = (await login(admin.loginId)).body.token;
  const res = await ts.app.request(`/establishments/${account.establishmentId}/accounts/${account.id}/renew`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { expiresOn: string };
  expect(body.expiresOn).toBe(expiryFrom(parisDay(new Date(envNow))));
  return body.expiresOn;
}

async function expiredEntries(accountId: string) {
  return ts.deps.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.targetAccountId, accountId), eq(auditEvents.action, 'account.expired')));
}

async function login(loginId: string) {
  const res = await ts.app.request('/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ loginId, password: PASSWORD }),
  });
  return { status: res.status, body: (await res.json()) as { token?: string; code?: string } };
}

describe('validity workflow (time skipping)', () => {
  it('expires at midnight after the expiry day, ends sessions and login; a renewal reopens it for 18 months from the renewal day', async () => {
    const { establishment, account, handle } = await createdAccount();
    const expiresOn = account.expiresOn;
    expect(await handle.query(validityStatusQuery)).toMatchObject({
      stage: 'valid',
      expiresOn,
      reminderOn: reminderDayFor(expiresOn),
      expiresAt: expiryInstant(expiresOn).toISOString(),
    });
    const described = await handle.describe();
    expect(described.typedSearchAttributes.get(searchAttributes.lifecycleState)).toBe('valid');
    expect(described.typedSearchAttributes.get(searchAttributes.expiresAt)?.toISOString()).toBe(expiryInstant(expiresOn).toISOString());

    // The expiry day itself, 23:00 in Paris: the holder still logs in.
    await sleepUntil(parisMidnight(expiresOn).getTime() + 23 * HOUR);
    expect((await handle.query(validityStatusQuery)).stage).toBe('valid');
    const session = await login(account.loginId);
    expect(session.status).toBe(200);
    expect(await expiredEntries(account.id)).toHaveLength(0);

    // One minute after midnight: recorded, sessions ended, login refused.
    await sleepUntil(expiryInstant(expiresOn).getTime() + MINUTE);
    const expired = await stageOf(handle, 'expired');
    const [entry, ...others] = await expiredEntries(account.id);
    expect(others).toHaveLength(0);
    expect(entry).toMatchObject({ actorType: 'system', actorLabel: `validity-${account.loginId}`, establishmentId: establishment.id, outcome: 'success' });
    const expiredAt = new Date((entry!.detail as { expiredAt: string }).expiredAt);
    expect(parisDay(expiredAt)).toBe(addDays(expiresOn, 1));
    expect(expiredAt.getTime()).toBeGreaterThanOrEqual(expiryInstant(expiresOn).getTime());
    expect(expired.expiredAt).toBe(expiredAt.toISOString());
    const me = await ts.app.request('/me', { headers: { authorization: `Bearer ${session.body.token}` } });
    expect(me.status).toBe(401);
    const refused = await login(account.loginId);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('account_not_usable');
    expect((await handle.describe()).typedSearchAttributes.get(searchAttributes.lifecycleState)).toBe('expired');

    // Ten days later an admin renews: 18 months from the renewal day, in the same run, login works again.
    await sleepFor(10 * DAY);
    const expiredRun = (await handle.describe()).runId;
    const renewedOn = await renew(account, establishment.siret);
    expect(renewedOn).toBe(expiryFrom(addDays(addDays(expiresOn, 1), 10)));
    const renewed = await stageOf(handle, 'valid', { expiresOn: renewedOn, renewals: 1 });
    expect(renewed).toMatchObject({ expiredAt: null, reminderOn: reminderDayFor(renewedOn) });
    const sameRun = await handle.describe();
    expect(sameRun.runId).toBe(expiredRun);
    expect(sameRun.status.name).toBe('RUNNING');
    expect(sameRun.typedSearchAttributes.get(searchAttributes.lifecycleState)).toBe('valid');
    expect(sameRun.typedSearchAttributes.get(searchAttributes.expiresAt)?.toISOString()).toBe(expiryInstant(renewedOn).toISOString());
    expect((await login(account.loginId)).status).toBe(200);

    // The new timer: the next expiry is recorded once more, by the same run.
    await sleepUntil(expiryInstant(renewedOn).getTime() + MINUTE);
    await stageOf(handle, 'expired', { expiresOn: renewedOn, renewals: 1 });
    expect(await expiredEntries(account.id)).toHaveLength(2);
    expect((await handle.describe()).runId).toBe(expiredRun);
    await recordHistory('validity-expired-then-renewed-in-run-v2', handle);
  });

  it('a renewal before the expiry moves the timer: nothing happens at the old date', async () => {
    const { establishment, account, handle } = await createdAccount();
    await sleepUntil(expiryInstant(account.expiresOn).getTime() - 20 * DAY);
    const firstRun = (await handle.describe()).runId;
    const renewedOn = await renew(account, establishment.siret);
    await stageOf(handle, 'valid', { expiresOn: renewedOn, renewals: 1 });
    expect(await shownExpiry(handle)).toEqual({ runId: firstRun, expiresAt: expiryInstant(renewedOn).toISOString() });

    await sleepUntil(expiryInstant(account.expiresOn).getTime() + DAY);
    expect(await handle.query(validityStatusQuery)).toMatchObject({ stage: 'valid', expiresOn: renewedOn, renewals: 1 });
    expect(await expiredEntries(account.id)).toHaveLength(0);
    expect((await handle.describe()).runId).toBe(firstRun);
    await recordHistory('validity-renewed-in-run-v2', handle);

    await sleepUntil(expiryInstant(renewedOn).getTime() + MINUTE);
    await stageOf(handle, 'expired');
    expect(await expiredEntries(account.id)).toHaveLength(1);
  });

  it('a renewal whose signal has not arrived is found in the database when the timer fires', async () => {
    const { establishment, account, handle } = await createdAccount();
    await sleepUntil(expiryInstant(account.expiresOn).getTime() - 3 * DAY);
    const renewedOn = await renew(account, establishment.siret, { signal: false });
    expect((await handle.query(validityStatusQuery)).expiresOn).toBe(account.expiresOn);

    await sleepUntil(expiryInstant(account.expiresOn).getTime() + MINUTE);
    await stageOf(handle, 'valid', { expiresOn: renewedOn, renewals: 1 });
    expect(await expiredEntries(account.id)).toHaveLength(0);
  });

  it('deletion ends it, before or after the expiry', async () => {
    const before = await createdAccount();
    await sleepFor(30 * DAY);
    await notifyAccountDeleted(ts.deps, before.account);
    expect(await before.handle.result()).toBe('deleted');
    expect((await before.handle.query(validityStatusQuery)).stage).toBe('ended');
    await recordHistory('validity-deleted-renewal-in-run-v2', before.handle);

    const after = await createdAccount();
    await sleepUntil(expiryInstant(after.account.expiresOn).getTime() + MINUTE);
    await stageOf(after.handle, 'expired');
    await ts.deps.db.update(accounts).set({ status: 'deleted', deletedAt: new Date(envNow) }).where(eq(accounts.id, after.account.id));
    await notifyAccountDeleted(ts.deps, after.account);
    expect(await after.handle.result()).toBe('deleted');
  });

  it('continues as new once the history is long, carrying the expiry and the renewals over', async () => {
    const { account, handle } = await createdAccount();
    const firstRun = (await handle.describe()).runId;
    let sent = 0;
    let expiresOn = account.expiresOn;
    // One renewal at a time (each followed before the next): the history grows by a few events each.
    for (;;) {
      expiresOn = addDays(expiresOn, 1);
      await handle.signal(expiryChangedSignal, { expiresOn });
      sent += 1;
      let shown = await shownExpiry(handle);
      for (let i = 0; shown.runId === firstRun && shown.expiresAt !== expiryInstant(expiresOn).toISOString(); i++) {
        if (i === 100) throw new Error(`renewal ${sent} never followed`);
        await new Promise((r) => setTimeout(r, 50));
        shown = await shownExpiry(handle);
      }
      if (shown.runId !== firstRun) break;
      expect(sent, 'still the first run after many renewals').toBeLessThan(HISTORY_LIMIT / 4);
    }
    // Each renewal before the last was followed in the first run; the last one made it continue.
    expect(sent).toBeGreaterThan(10);
    const first = ts.env.client.workflow.getHandle(handle.workflowId, firstRun);
    expect((await first.describe()).status.name).toBe('CONTINUED_AS_NEW');
    const events = (await first.fetchHistory()).events ?? [];
    expect(events.length).toBeGreaterThanOrEqual(HISTORY_LIMIT);
    expect(events.length).toBeLessThan(HISTORY_LIMIT + 20);
    expect(await stageOf(handle, 'valid', { expiresOn })).toMatchObject({ renewals: sent, expiredAt: null });
    expect((await shownExpiry(handle)).expiresAt).toBe(expiryInstant(expiresOn).toISOString());
    await recordHistory('validity-renewals-then-continued-v2', first);

    // The new run keeps the timer: the expiry comes on the carried-over day (the database's, as a renewal writes it).
    await ts.deps.db.update(accounts).set({ expiresOn }).where(eq(accounts.id, account.id));
    await sleepUntil(expiryInstant(expiresOn).getTime() + MINUTE);
    await stageOf(handle, 'expired', { expiresOn, renewals: sent });
  });

  it('an expired run woken by late signals continues as new, still expired', async () => {
    const { account, handle } = await createdAccount();
    await sleepUntil(expiryInstant(account.expiresOn).getTime() + MINUTE);
    const { expiredAt } = await stageOf(handle, 'expired');
    const expiredRun = (await handle.describe()).runId;
    // Repeated signals of the old expiry (a bulk renewal's retry, say) change nothing but the history's length.
    // One at a time, each handled before the next: a continue-as-new is refused (and retried) while
    // signals keep arriving during its workflow task, which the test server handles poorly.
    const first = ts.env.client.workflow.getHandle(handle.workflowId, expiredRun);
    const handled = async () => {
      for (let i = 0; i < 200; i++) {
        if ((await first.describe()).status.name !== 'RUNNING') return 'continued';
        const events = (await first.fetchHistory()).events ?? [];
        if (events.at(-1)?.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) return 'handled';
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error('the signal was never handled');
    };
    let sent = 0;
    do {
      await handle.signal(expiryChangedSignal, { expiresOn: account.expiresOn });
      expect(++sent, 'still the first run after many signals').toBeLessThan(HISTORY_LIMIT / 2);
    } while ((await handled()) === 'handled');
    expect((await first.describe()).status.name).toBe('CONTINUED_AS_NEW');
    expect(await stageOf(handle, 'expired', { expiresOn: account.expiresOn, expiredAt })).toMatchObject({ renewals: 0 });
    expect((await handle.describe()).typedSearchAttributes.get(searchAttributes.lifecycleState)).toBe('expired');
    expect(await expiredEntries(account.id)).toHaveLength(1);
  });

  // Creations now start the validity from their activation, once the account is committed; runs that
  // creations started inside their transaction (before that change) still confirm the commit first.
  it('a run started inside a creating transaction that rolled back ends at once', async () => {
    const establishment = await insertEstablishment(ts.deps.db);
    const ghost = { id: randomUUID(), loginId: `GHO${String(Date.now()).slice(-6)}`, expiresOn: expiryFrom(parisDay(new Date())) };
    // As creations started it before the activation did (no run version then).
    const start = validityStartOptions(ghost, establishment.siret, { confirmAccount: true, version: undefined });
    await ts.env.client.workflow.start(validityWorkflow, { ...start, taskQueue: target().taskQueue });
    expect(await ts.env.client.workflow.getHandle(workflowIds.validity(ghost.loginId)).result()).toBe('account_not_found');
  });
});
