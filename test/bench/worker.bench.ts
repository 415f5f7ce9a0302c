/**
 * The worker alone (issue 13): `npm run bench:worker`. Its own PostgreSQL, Temporal dev server and mail
 * sink; a burst of BENCH_DRAIN_EMAILS creations (default 1,000) drained by the worker beside the raw
 * sink rate, then BENCH_OPEN_WORKFLOWS (default 20,000) accounts' validity workflows opened while the
 * worker runs, with the worker's resident memory at each step (BENCH_OPEN_WAIT_MINUTES, default 30: how long,
 * after the last start, to wait for their first tasks before printing). `npm run bench` runs the same drain
 * after its own figures (test/bench/worker-figures.ts).
 */
import os from 'node:os';
import { intFromEnv, runBench } from './bench-stack';
import { measureWorker, printWorkerFigures } from './worker-figures';

runBench('worker', async (bench) => {
  const figures = await measureWorker(bench, {
    emails: intFromEnv('BENCH_DRAIN_EMAILS', 1000),
    openWorkflows: intFromEnv('BENCH_OPEN_WORKFLOWS', 20_000, 0),
    openWaitMinutes: intFromEnv('BENCH_OPEN_WAIT_MINUTES', 30),
  });
  console.log(`\nPEP's worker benchmark — ${new Date().toISOString()}; load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  printWorkerFigures(figures);
});
