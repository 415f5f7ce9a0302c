/**
 * Pré-installe les binaires Temporal dans `.tools/` et affiche leurs chemins (stdout),
 * un `nom=chemin` par ligne :
 *
 *   npx tsx dev/temporal/install.ts
 *
 * Idempotent : un second lancement ne fait que vérifier. La progression va sur stderr.
 * Ordre de recherche et variables d'environnement (TEMPORAL_CLI_PATH,
 * TEMPORAL_TEST_SERVER_PATH, TEMPORAL_TEST_SERVER_SOURCE…) : voir dev/temporal/binaries.ts.
 */
import { ensureTemporalCli, ensureTestServer, TEMPORAL_CLI_VERSION, TEMPORAL_TEST_SERVER_VERSION } from './binaries';

async function main(): Promise<void> {
  const started = Date.now();
  // allSettled : les deux installations vont au bout (succès ou échec) avant le compte rendu
  const results = await Promise.allSettled([ensureTemporalCli(), ensureTestServer()]);
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [errMsg(r.reason)] : []));
  if (errors.length > 0) throw new Error(errors.join('\n'));
  const [cli, testServer] = results.map((r) => (r as PromiseFulfilledResult<string>).value);
  process.stdout.write(`temporal=${cli}\ntemporal-test-server=${testServer}\n`);
  process.stderr.write(
    `[temporal-bin] prêt en ${((Date.now() - started) / 1000).toFixed(1)} s ` +
      `(versions épinglées : CLI temporal ${TEMPORAL_CLI_VERSION}, serveur de test ${TEMPORAL_TEST_SERVER_VERSION})\n`,
  );
}

function errMsg(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

main().catch((err: unknown) => {
  process.stderr.write(`[temporal-bin] ${errMsg(err)}\n`);
  process.exit(1);
});
