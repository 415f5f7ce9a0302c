/**
 * Pre-installs the Temporal binaries into `.tools/` and prints their paths on stdout, one
 * `name=path` per line:
 *
 *   npx tsx dev/temporal/install.ts
 *
 * Idempotent: a second run only checks. Progress goes to stderr.
 * Lookup order and environment variables (TEMPORAL_CLI_PATH, TEMPORAL_TEST_SERVER_PATH,
 * TEMPORAL_TEST_SERVER_SOURCE…): see dev/temporal/binaries.ts.
 */
import { ensureTemporalCli, ensureTestServer, TEMPORAL_CLI_VERSION, TEMPORAL_TEST_SERVER_VERSION } from './binaries';

async function main(): Promise<void> {
  const started = Date.now();
  // allSettled: let both installs finish (or fail) before reporting, so one failure does not hide the other
  const results = await Promise.allSettled([ensureTemporalCli(), ensureTestServer()]);
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [errMsg(r.reason)] : []));
  if (errors.length > 0) throw new Error(errors.join('\n'));
  const [cli, testServer] = results.map((r) => (r as PromiseFulfilledResult<string>).value);
  process.stdout.write(`temporal=${cli}\ntemporal-test-server=${testServer}\n`);
  process.stderr.write(
    `[temporal-bin] ready in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
      `(pinned versions: temporal CLI ${TEMPORAL_CLI_VERSION}, test server ${TEMPORAL_TEST_SERVER_VERSION})\n`,
  );
}

function errMsg(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

main().catch((err: unknown) => {
  process.stderr.write(`[temporal-bin] ${errMsg(err)}\n`);
  process.exit(1);
});
