/** The demonstration establishment of `npm start` and `npm run cluster`: seeded on an empty database, described in the banner. */
import { createDatabase } from '../db/client';
import { findDemo, seedDemo, type SeededDemo } from '../db/seed';

/**
 * Seeds the demo on an empty database; returns the banner lines naming it (the password only on the
 * first start) and, on that first start, the admin's credentials.
 */
export async function seedDemoBanner(databaseUrl: string): Promise<{ lines: string[]; seeded: SeededDemo | null }> {
  const database = createDatabase(databaseUrl, { max: 1 });
  const [seeded, demo] = await seedDemo(database.db)
    .then(async (created) => [created, created ?? (await findDemo(database.db))] as const)
    .finally(() => database.close());
  const lines = [
    ...(demo ? ['', `Établissement de démonstration : ${demo.establishmentName} (${demo.establishmentId})`] : []),
    ...(seeded ? [`  Administrateur : identifiant ${seeded.loginId}, mot de passe ${seeded.password}`] : []),
    ...(!seeded && demo
      ? [
          `  Administrateur : identifiant ${demo.loginId} (mot de passe affiché au premier démarrage ;`,
          '  sinon POST /auth/forgot-password : le lien arrive dans la boîte mail locale).',
        ]
      : []),
  ];
  return { lines, seeded };
}
