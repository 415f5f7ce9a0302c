/**
 * A worker evicting a run from its workflow cache cancels the run's local activities (the SDK's core:
 * `CancelAllInRun` when a run is marked for eviction; one still backing off between attempts resolves
 * at once as cancelled, and the run's workflow code hears it while its workflow task is still alive).
 * The cluster drill met it during a PostgreSQL restart (README « Fault drill »): the first-send checks
 * of rolled-back creations, retrying their read of the absent row, were evicted to make room for the
 * new runs, and closed Failed. Here for real: a worker whose cache holds two runs, a first send
 * retrying its read of an absent row, and more runs whose first tasks need the room.
 */
import { randomUUID } from 'node:crypto';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createMailer } from '../../activities/mailer';
import { startActivation } from '../../accounts';
import { ensureValidity } from '../../workflows/validity-client';
import { workflowIds } from '../../workflows/definitions';
import { connectWorker } from '../../worker/connection';
import { createWorker } from '../../worker/create-worker';
import { insertAccount } from '../support/fixtures';
import { recordHistory } from '../support/histories';
import { useTestApp } from '../support/harness';

const t = useTestApp();
let worker: Worker;
let running: Promise<void>;
let native: NativeConnection;

beforeAll(async () => {
  native = await connectWorker(t.config.temporal.address);
  worker = await createWorker({
    connection: native,
    namespace: t.config.temporal.namespace,
    taskQueue: t.config.temporal.taskQueue,
    deps: { db: t.db, mailer: createMailer(t.config.mail), config: t.config },
    workflowBundle: { codePath: inject('stack').workflowBundlePath },
    maxCachedWorkflows: 2, // the SDK's least
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await native?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const { EventType } = temporal.api.enums.v1;

/** An activation started for an account whose row is not there (yet): its first send retries its read. */
async function activationOfAbsentRow(establishment: { siret: string }) {
  const ghost = { id: randomUUID(), loginId: `EVI${randomUUID().slice(0, 6).toUpperCase()}`, expiresOn: '2028-05-23' };
  await startActivation(t.deps, ghost, establishment.siret);
  return { ghost, handle: t.temporal.workflow.getHandle(workflowIds.activation(ghost.loginId)) };
}

/** The first send's local-activity markers: each recorded result, `cancelled` for the eviction's. */
async function firstSendMarkers(handle: { fetchHistory(): Promise<temporal.api.history.v1.IHistory> }) {
  const events = (await handle.fetchHistory()).events ?? [];
  return events
    .filter((e) => e.eventType === EventType.EVENT_TYPE_MARKER_RECORDED)
    .map((e) => (e.markerRecordedEventAttributes?.failure?.canceledFailureInfo ? 'cancelled' : e.markerRecordedEventAttributes?.failure ? 'failed' : 'completed'));
}

/**
 * More runs on the same worker (validity workflows: one task, no activity, a timer), two at a time,
 * until the activation is evicted: the cache holds two runs, so for two new ones the worker evicts
 * its two least recently used, the activation among them. Their tasks reach this worker only once
 * the activation's first task has heartbeaten (after 8 s: the SDK lets a worker hold no more
 * workflow tasks, polls included, than it caches), within its read's last backoff (8 s): backing
 * off, as the drill's orphans were. Evicted: the cancellation's result is recorded, a marker.
 */
async function evictWhileItRetries(activation: { fetchHistory(): Promise<temporal.api.history.v1.IHistory> }, establishment: { siret: string }) {
  await sleep(1_000);
  const others: { terminate(reason: string): Promise<unknown> }[] = [];
  const startOne = async () => {
    const account = { id: randomUUID(), loginId: `EVV${randomUUID().slice(0, 6).toUpperCase()}`, expiresOn: '2028-05-23' };
    await ensureValidity({ client: t.temporal, taskQueue: t.config.temporal.taskQueue }, account, establishment.siret);
    const other = t.temporal.workflow.getHandle(workflowIds.validity(account.loginId));
    others.push(other);
    await vi.waitFor(async () => expect((await other.describe()).historyLength).toBeGreaterThan(3), { timeout: 20_000, interval: 100 });
  };
  while ((await firstSendMarkers(activation)).length === 0) {
    if (others.length >= 6) throw new Error('the activation was never evicted');
    await Promise.all([startOne(), startOne()]);
  }
  return { terminate: () => Promise.all(others.map((other) => other.terminate('test over'))) };
}

describe('a run evicted from the worker cache while its first send retries', () => {
  it('a rolled-back creation still ends account_not_eligible, not Failed', async () => {
    const { establishment } = await t.createEstablishment();
    const { handle } = await activationOfAbsentRow(establishment);
    const others = await evictWhileItRetries(handle, establishment);

    expect(await handle.result()).toBe('account_not_eligible');
    // The eviction did cancel the send (else this test proves nothing), and the run went on: its read
    // of the absent row was taken up again until it gave up.
    expect(await firstSendMarkers(handle)).toEqual(['cancelled', 'failed']);
    await recordHistory('activation-evicted-then-not-eligible-v4', handle);
    await others.terminate();
  }, 60_000);

  it('a creation committed after the eviction gets its one link', async () => {
    const { establishment } = await t.createEstablishment();
    const { ghost, handle } = await activationOfAbsentRow(establishment);
    const others = await evictWhileItRetries(handle, establishment);
    // A slow creating transaction: the row appears once the send was cancelled, within its retries.
    const account = await insertAccount(t.db, establishment.id, { id: ghost.id, loginId: ghost.loginId, status: 'pending_activation' });

    await vi.waitFor(async () => expect(await t.mail.list({ to: account.email })).toHaveLength(1), { timeout: 30_000, interval: 200 });
    await vi.waitFor(async () => expect(await firstSendMarkers(handle)).toEqual(['cancelled', 'completed']), { timeout: 10_000, interval: 200 });
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await sleep(1_000);
    expect(await t.mail.list({ to: account.email }), 'one email, not one per attempt').toHaveLength(1);
    await handle.terminate('test over');
    await others.terminate();
  }, 60_000);
});
