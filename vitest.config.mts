import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // One PostgreSQL, one Temporal dev server and one mail sink for the whole run; each file gets
          // its own task queue and its own establishments, so files run in parallel without sharing state.
          globalSetup: ['test/support/global-setup.ts'],
          setupFiles: ['test/support/quiet-runtime.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // What a test polls for (a workflow's stage, an email, a row on screen) comes from other
          // processes sharing two cores with the suite: the default second is too short under load.
          expect: { poll: { timeout: 10_000 } },
          pool: 'forks',
        },
      },
    ],
  },
});
