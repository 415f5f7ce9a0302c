/**
 * The worker as the benchmarks run it when they seed accounts in SQL: worker/main.ts without its
 * start-up jobs (migration done by the bench; its validity reconcile would start one workflow per
 * seeded account). Started like production (worker/node-flags.ts workerNodeArgs), so its resident
 * memory is the worker's alone.
 */
import { runWorkerProcess } from '../../worker/run';

runWorkerProcess();
