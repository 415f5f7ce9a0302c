/**
 * The bulk renewal as the benches measure it (issue 13: « renew 10,000 accounts ≤ 5 s »), shared by
 * `npm run bench` and `npm run bench:validity`: the real request through the app, its per-account report
 * checked, then the validity workflows it tells (the signals workflow's result, then every renewed
 * workflow showing its new ExpiresAt); and its raw limit, the same set-based UPDATE alone, rolled back.
 * The caller opens the renewed accounts' validity workflows beforehand (as production has them) and runs
 * a worker on the queue the app starts its signals workflow on.
 */
import { sql } from 'drizzle-orm';
import type { Client } from '@temporalio/client';
import type { createApp } from '../../api/app';
import type { createDatabase } from '../../db/client';
import { expiryInstant } from '../../domain/dates';
import { until } from './bench-stack';

type Db = ReturnType<typeof createDatabase>['db'];

/** Which accounts: every non-deleted account of the establishment, or these ids (at most 10,000, the API's limit). */
export type RenewalSelection = { all: true } | { ids: string[] };

class RollBack extends Error {}

/** Milliseconds the renewal's UPDATE takes alone on the same rows (no audit entries, no workflow), rolled back. */
export async function setBasedUpdateAlone(db: Db, establishmentId: string, selection: RenewalSelection, expiresOn: string): Promise<number> {
  const ids = 'ids' in selection ? sql` and id = any(string_to_array(${selection.ids.join(',')}, ',')::uuid[])` : sql``;
  const started = performance.now();
  await db
    .transaction(async (tx) => {
      await tx.execute(sql`update accounts set expires_on = ${expiresOn}::date, updated_at = now()
                           where establishment_id = ${establishmentId} and status <> 'deleted'${ids}`);
      throw new RollBack();
    })
    .catch((error) => {
      if (!(error instanceof RollBack)) throw error;
    });
  return performance.now() - started;
}

export interface RenewalRun {
  count: number;
  /** The request alone: UPDATE + audit INSERT … SELECT + the signals workflow's start. */
  requestMs: number;
  /** From the request until the signals workflow's result (every validity workflow signalled). */
  signalledMs: number;
  /** From the request until every renewed validity workflow shows the new ExpiresAt. */
  movedMs: number;
  auditEntries: number;
}

/**
 * `POST …/bulk-renew` with `selection` as the establishment's admin (`token`); throws unless every one of
 * the `expected` accounts is reported renewed to `expiresOn` (one `done` per selected id, none refused), one
 * audit entry each, and the signals workflow signalled them all. `expiresOn` must lie after the renewed
 * accounts' expiries: a workflow counts as moved once its ExpiresAt reaches it (counted above the number
 * already there before the request, so that other open workflows do not count).
 */
export async function renewThroughApi(p: {
  app: ReturnType<typeof createApp>;
  db: Db;
  temporal: Client;
  token: string;
  establishmentId: string;
  selection: RenewalSelection;
  expected: number;
  expiresOn: string;
  timeoutMs: number;
}): Promise<RenewalRun> {
  const moved = `WorkflowType = "validityWorkflow" AND ExecutionStatus = "Running" AND ExpiresAt >= "${expiryInstant(p.expiresOn).toISOString()}"`;
  const movedCount = async () => (await p.temporal.workflow.count(moved)).count;
  const movedBefore = await movedCount();

  const started = performance.now();
  const response = await p.app.request(`/establishments/${p.establishmentId}/accounts/bulk-renew`, {
    method: 'POST',
    headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(p.selection),
  });
  const requestMs = performance.now() - started;
  if (response.status !== 200) throw new Error(`bulk renewal refused: ${response.status} ${await response.text()}`);
  const report = (await response.json()) as {
    done: number;
    refused: number;
    expiresOn: string;
    signalsWorkflowId: string;
    results: { id: string; outcome: string }[];
  };
  checkReport(report, p.selection, p.expected, p.expiresOn);

  const { signalled } = (await p.temporal.workflow.getHandle(report.signalsWorkflowId).result()) as { signalled: number };
  const signalledMs = performance.now() - started;
  if (signalled !== p.expected) throw new Error(`the signals workflow told ${signalled} validity workflows, not ${p.expected}`);
  const movedMs = await until('every renewed ExpiresAt', async () => (await movedCount()) - movedBefore >= p.expected, started, p.timeoutMs);

  const [audit] = (await p.db.execute(sql`
    select count(*)::int as n from audit_events
    where action = 'account.renew' and outcome = 'success' and establishment_id = ${p.establishmentId}
      and detail->>'batch' is not null and (after->>'expiresOn') = ${p.expiresOn}`)) as unknown as [{ n: number }];
  if (audit.n < p.expected) throw new Error(`${audit.n} renewal audit entries, expected ${p.expected}`);
  return { count: p.expected, requestMs, signalledMs, movedMs, auditEntries: audit.n };
}

/** The per-account report: every selected account renewed, nothing refused, the new expiry the one asked for. */
function checkReport(
  report: { done: number; refused: number; expiresOn: string; results: { id: string; outcome: string }[] },
  selection: RenewalSelection,
  expected: number,
  expiresOn: string,
) {
  const problems: string[] = [];
  if (report.done !== expected || report.refused !== 0) problems.push(`done ${report.done}, refused ${report.refused} (expected ${expected} done)`);
  if (report.results.length !== expected || report.results.some((r) => r.outcome !== 'done')) problems.push('a result per account, each done');
  if ('ids' in selection) {
    const reported = new Set(report.results.map((r) => r.id));
    if (selection.ids.some((id) => !reported.has(id))) problems.push('every selected id reported');
  }
  if (report.expiresOn !== expiresOn) problems.push(`new expiry ${report.expiresOn}, expected ${expiresOn}`);
  if (problems.length) throw new Error(`bulk renewal report: ${problems.join('; ')}`);
}
