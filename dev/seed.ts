/**
 * `npm run seed`: the demonstration establishment and admin on an empty database, credentials printed.
 * Uses DATABASE_URL, else the embedded PostgreSQL of DATA_DIR (started for the occasion when
 * `npm start` is not running).
 */
import path from 'node:path';
import postgres from 'postgres';
import { EMBEDDED_DATABASE_NAME, loadConfigOrExit } from '../config/env';
import { createDatabase } from '../db/client';
import { migrateDatabase } from '../db/migrate';
import { seedDemo } from '../db/seed';
import { startEmbeddedPostgres } from './postgres';

async function answers(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => undefined });
  return sql`select 1`.then(() => true, () => false).finally(() => sql.end());
}

async function main() {
  const config = loadConfigOrExit();
  let url = config.database.url;
  const pg = config.database.embedded && !(await answers(url))
    ? await startEmbeddedPostgres({ dataDir: path.join(config.dataDir, 'postgres'), port: config.database.embeddedPort })
    : undefined;
  try {
    if (pg) {
      await pg.createDatabase(EMBEDDED_DATABASE_NAME);
      url = pg.url(EMBEDDED_DATABASE_NAME);
    }
    await migrateDatabase(url);
    const database = createDatabase(url, { max: 1 });
    const seeded = await seedDemo(database.db).finally(() => database.close());
    console.log(
      seeded
        ? `Établissement de démonstration : ${seeded.establishmentName} (${seeded.establishmentId})\n` +
            `  Administrateur : identifiant ${seeded.loginId}, mot de passe ${seeded.password}`
        : 'La base contient déjà un établissement : rien à faire.',
    );
  } finally {
    await pg?.stop();
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
