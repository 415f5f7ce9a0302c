/**
 * The worker alone (issue 13): `npm run bench:worker`. Its own PostgreSQL, Temporal dev server and mail
 * sink; a burst of BENCH_DRAIN_EMAILS creations (default 1,000) drained by the worker beside the raw
 * sink rate, then the workflows open on the worker's queue grown to each of BENCH_OPEN_WORKFLOWS (default
 * 20,000; a list such as `20000,100000` grows through each; 0: none) with active accounts' validity
 * workflows opened while the worker runs, and the worker's resident memory at each step
 * (BENCH_OPEN_WAIT_MINUTES, default 30: how long, after the last start, to wait for their first tasks
 * before sampling). `npm run bench` runs the same phases after its own figures (test/bench/worker-figures.ts).
 */
import os from 'node:os';
import { intFromEnv, runBench, sizesFromEnv } from './bench-stack';
import { tableLines } from './summary';
import { cpuPerEmailLine, measureDrain, measureOpenWorkflows, workerRows, workerSettingsLine } from './worker-figures';

runBench('worker', async (bench) => {
  const { figures, worker } = await measureDrain(bench, intFromEnv('BENCH_DRAIN_EMAILS', 1000));
  const steps = await measureOpenWorkflows(worker, sizesFromEnv('BENCH_OPEN_WORKFLOWS', [20_000]), intFromEnv('BENCH_OPEN_WAIT_MINUTES', 30));
  console.log(`\nPEP's worker benchmark — ${new Date().toISOString()}; load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(workerSettingsLine(bench.config));
  console.log('');
  for (const line of tableLines(workerRows(figures, steps))) console.log(line);
  console.log('');
  console.log(cpuPerEmailLine(figures));
});
