/**
 * `tsx dev/seed.ts`: creates the demonstration establishment and admin on an empty database and
 * prints the admin's credentials. Uses DATABASE_URL, or starts the embedded PostgreSQL of DATA_DIR (.data/)
 * when it is not running yet (as `npm start` would).
 */
import path from 'node:path';
import { EMBEDDED_DATABASE_NAME, loadConfigOrExit } from '../config/env';
import { createDatabase } from '../db/client';
import { migrateDatabase } from '../db/migrate';
import { seedDemo } from '../db/seed';
import { startEmbeddedPostgres, waitForPostgres } from './postgres';

async function main() {
  const config = loadConfigOrExit();
  let url = config.database.url;
  let stop: (() => Promise<void>) | undefined;
  if (config.database.embedded) {
    const running = await waitForPostgres(url, 1_000).then(
      () => true,
      () => false,
    );
    if (!running) {
      const pg = await startEmbeddedPostgres({
        dataDir: path.join(config.dataDir, 'postgres'),
        port: config.database.embeddedPort,
      });
      stop = () => pg.stop();
      await pg.createDatabase(EMBEDDED_DATABASE_NAME);
      url = pg.url(EMBEDDED_DATABASE_NAME);
    }
  }
  try {
    await migrateDatabase(url);
    const database = createDatabase(url, { max: 1 });
    try {
      const seeded = await seedDemo(database.db);
      if (!seeded) {
        console.log('La base contient déjà un établissement : rien à faire.');
        return;
      }
      console.log(
        [
          `Établissement de démonstration : ${seeded.establishmentName} (${seeded.establishmentId})`,
          `  Administrateur : identifiant ${seeded.loginId}, mot de passe ${seeded.password}`,
        ].join('\n'),
      );
    } finally {
      await database.close();
    }
  } finally {
    await stop?.();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
