/**
 * After the drain: holders set their passwords, as the API makes it happen (the password's hash staged
 * on the link, then the activation's `submitPassword` update), a few at a time. Since version 5 the
 * activation starts the account's validity workflow here, as it ends, rather than in the burst of first
 * emails: this phase says what that costs where it is paid now (human paced in production), so that the
 * drain's figures hide nothing. On runs before version 5 the same phase has no validity to start.
 */
import { sql } from 'drizzle-orm';
import { hashPassword } from '../../security/passwords';
import { submitPasswordUpdate, workflowIds } from '../../workflows/definitions';
import { type BenchStack, benchLogger, cpuByPart, inBatches, type Part, until } from './bench-stack';
import type { SeededAccount } from './worker-figures';

const log = benchLogger('worker');

/** Password updates in flight: holders arrive one by one in production; a few at a time keeps the phase short. */
const CONCURRENCY = 16;

export interface PasswordSetFigures {
  count: number;
  perSecond: number;
  /** CPU milliseconds per password set, from the first update to the queue empty again (the validity's first task done). */
  cpu: Record<Part, number>;
  /** Sampled: validity runs open once the activations ended (version 5: started by them), and how many of those eagerly. */
  validityShare: number;
  eagerShare: number;
  /** Sampled: history events per account after the password, in the activation and the validity. */
  events: number;
}

/**
 * Sets the password of each of `accounts` (activations waiting with their first link), then waits until
 * the worker's queue is empty (`queueEmpty`). The staging of the hashes is done first, in one statement:
 * the API's own work is not what this phase measures.
 */
export async function measurePasswordSets(
  bench: BenchStack,
  workerPid: number,
  accounts: SeededAccount[],
  queueEmpty: () => Promise<unknown>,
): Promise<PasswordSetFigures> {
  const { db } = bench.database;
  const staged = await hashPassword('Printemps-2026');
  const ids = sql.join(accounts.map((a) => sql`${a.id}::uuid`), sql`, `);
  const links = (await db.execute(sql`
    update one_time_tokens set staged_password_hash = ${staged}
    where account_id in (${ids}) and used_at is null and revoked_at is null
    returning token_hash as "tokenHash", workflow_id as "workflowId"`)) as unknown as { tokenHash: string; workflowId: string }[];
  if (links.length !== accounts.length) throw new Error(`${links.length} living links for ${accounts.length} accounts`);

  const cpuBefore = await cpuByPart(bench, workerPid);
  const started = performance.now();
  await inBatches(links, CONCURRENCY, ({ tokenHash, workflowId }) =>
    bench.temporal.workflow.getHandle(workflowId).executeUpdate(submitPasswordUpdate, { args: [{ tokenHash }] }),
  );
  await queueEmpty();
  const ms = performance.now() - started;
  const cpuAfter = await cpuByPart(bench, workerPid);
  const cpu = Object.fromEntries((Object.keys(cpuAfter) as Part[]).map((part) => [part, (cpuAfter[part] - cpuBefore[part]) / accounts.length])) as Record<Part, number>;

  const sample = accounts.filter((_, i) => i % Math.max(1, Math.floor(accounts.length / 50)) === 0);
  const sums = { validity: 0, eager: 0, events: 0 };
  for (const account of sample) {
    const activation = bench.temporal.workflow.getHandle(workflowIds.activation(account.loginId));
    await until('an activation\'s end', async () => (await activation.describe()).status.name !== 'RUNNING', performance.now(), 60_000);
    sums.events += (await activation.fetchHistory()).events?.length ?? 0;
    const validity = await bench.temporal.workflow.getHandle(workflowIds.validity(account.loginId)).fetchHistory().catch(() => undefined);
    if (!validity) continue;
    sums.validity++;
    sums.events += validity.events?.length ?? 0;
    if (startedEagerly(validity.events ?? [])) sums.eager++;
  }
  const figures = {
    count: accounts.length,
    perSecond: (accounts.length / ms) * 1000,
    cpu,
    validityShare: sums.validity / sample.length,
    eagerShare: sums.validity ? sums.eager / sums.validity : 0,
    events: sums.events / sample.length,
  };
  log(`password sets: ${accounts.length} in ${(ms / 1000).toFixed(1)} s (${figures.perSecond.toFixed(1)}/s); ${passwordSetLine(figures)}`);
  return figures;
}

type HistoryEvent = { eventTime?: { seconds?: unknown; nanos?: number | null } | null; workflowTaskScheduledEventAttributes?: unknown; workflowTaskStartedEventAttributes?: unknown };

/** A run started eagerly: its first task handed back in the start's answer, so scheduled and started in the same transaction. */
export function startedEagerly(events: HistoryEvent[]): boolean {
  const millis = (e: HistoryEvent) => Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;
  const scheduled = events.find((e) => e.workflowTaskScheduledEventAttributes);
  const started = events.find((e) => e.workflowTaskStartedEventAttributes);
  return !!scheduled && !!started && millis(started) - millis(scheduled) < 1; // the same transaction: microseconds apart
}

/** The phase's figures on one line (the benches print it beside the drain's CPU). */
export function passwordSetLine(f: PasswordSetFigures): string {
  return (
    `CPU per password set after the drain (${f.count}, ${CONCURRENCY} at a time; the activation's end and, since version 5, the validity's start): ` +
    `${Object.entries(f.cpu).map(([part, ms]) => `${part} ${ms.toFixed(1)} ms`).join(', ')}; in all ${Object.values(f.cpu).reduce((a, b) => a + b, 0).toFixed(1)} ms; ` +
    `per account once its password is set (sampled): ${f.events.toFixed(1)} history events (activation + validity), ` +
    `validity runs open ${(f.validityShare * 100).toFixed(0)} %, of which started eagerly ${(f.eagerShare * 100).toFixed(0)} %`
  );
}
