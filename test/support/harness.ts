/**
 * Per-file test context over the real stack started by global-setup.ts: the real Hono app with real
 * dependencies, optionally a real worker on a task queue of this file's own, and helpers that create
 * a fresh establishment (random SIRET) so tests never depend on each other's data.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, inject } from 'vitest';
import { createMailer } from '../../activities/mailer';
import { createApp } from '../../api/app';
import type { Clock, Deps } from '../../api/deps';
import { type Config, loadConfig } from '../../config/env';
import { createDatabase, type Database } from '../../db/client';
import type { accounts, establishments } from '../../db/schema';
import { createMailSinkClient, type MailSinkClient } from '../../dev/mail-sink';
import { hashPassword } from '../../security/passwords';
import { connectWorker } from '../../worker/connection';
import { createWorker } from '../../worker/create-worker';
import { insertAccount, insertEstablishment } from './fixtures';
import { createIsolatedDatabase } from './isolated-database';

export { randomSiret } from './fixtures';

export const TEST_PASSWORD = 'Motdepasse-2026';

export interface TestResponse<T = any> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export interface TestContext {
  app: ReturnType<typeof createApp>;
  deps: Deps;
  db: Database;
  config: Config;
  temporal: Client;
  mail: MailSinkClient;
  /** The clock the app reads; tests may move it (`t.clock.set(...)`). */
  clock: Clock & { set(date: Date | null): void };
  request<T = any>(
    method: string,
    path: string,
    /** `body` is sent as JSON; `raw` as it is, with the headers given. */
    options?: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> },
  ): Promise<TestResponse<T>>;
  createEstablishment(overrides?: { name?: string }): Promise<{
    establishment: typeof establishments.$inferSelect;
    admin: { id: string; loginId: string; password: string };
    adminToken: string;
  }>;
  /** Creates an account through the API (as `token`, an admin of the establishment). */
  createAccount(establishmentId: string, token: string, overrides?: Record<string, unknown>): Promise<TestResponse>;
  /** Inserts an active account with TEST_PASSWORD directly (no activation), for setting up scenarios. */
  insertActiveAccount(establishmentId: string, fields?: Partial<typeof accounts.$inferInsert>): Promise<{ id: string; loginId: string; password: string }>;
  login(loginId: string, password?: string): Promise<string>;
}

/**
 * `ownDatabase`: a fresh database for this file alone (see isolated-database.ts), for tests of
 * platform-wide state such as the terms of use in force.
 */
export function useTestApp(options: { worker?: boolean; ownDatabase?: boolean; env?: Record<string, string> } = {}): TestContext {
  const ctx = {} as TestContext;
  let closers: (() => Promise<unknown>)[] = [];
  let passwordHash: Promise<string> | undefined;

  beforeAll(async () => {
    const stack = inject('stack');
    const config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: options.ownDatabase ? await createIsolatedDatabase(stack.databaseUrl, 'peps_own') : stack.databaseUrl,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_NAMESPACE: stack.temporalNamespace,
      TEMPORAL_TASK_QUEUE: `test-${randomUUID()}`,
      RESEND_BASE_URL: stack.mailSinkUrl,
      PUBLIC_BASE_URL: 'http://peps.test',
      ...options.env,
    });
    const database = createDatabase(config.database.url, { max: 5 });
    const connection = await Connection.connect({ address: config.temporal.address });
    const temporal = new Client({ connection, namespace: config.temporal.namespace });
    let fixed: Date | null = null;
    const clock = { now: () => fixed ?? new Date(), set: (d: Date | null) => (fixed = d) };
    const deps: Deps = { db: database.db, temporal, config, clock };
    const app = createApp(deps);
    closers = [() => database.close(), () => connection.close()];

    if (options.worker) {
      const native = await connectWorker(config.temporal.address);
      const worker: Worker = await createWorker({
        connection: native,
        namespace: config.temporal.namespace,
        taskQueue: config.temporal.taskQueue,
        deps: { db: database.db, mailer: createMailer(config.mail), config },
        workflowBundle: { codePath: stack.workflowBundlePath },
      });
      const running = worker.run();
      closers.unshift(async () => {
        worker.shutdown();
        await running;
        await native.close();
      });
    }

    Object.assign(ctx, {
      app,
      deps,
      db: database.db,
      config,
      temporal,
      clock,
      mail: createMailSinkClient(stack.mailSinkUrl),
    });
  });

  afterAll(async () => {
    for (const close of closers) await close();
  });

  ctx.request = async (method, path, { token, body, raw, headers = {} } = {}) => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (token) (init.headers as Record<string, string>).authorization = `Bearer ${token}`;
    if (body !== undefined) {
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
    }
    if (raw !== undefined) init.body = raw;
    const response = await ctx.app.request(path, init);
    const text = await response.text();
    let parsed: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    return { status: response.status, body: parsed as any, text, headers: response.headers };
  };

  ctx.login = async (loginId, password = TEST_PASSWORD) => {
    const res = await ctx.request('POST', '/auth/login', { body: { loginId, password } });
    if (res.status !== 200) throw new Error(`login of ${loginId} failed: ${res.status} ${res.text}`);
    return res.body.token as string;
  };

  ctx.insertActiveAccount = async (establishmentId, fields = {}) => {
    passwordHash ??= hashPassword(TEST_PASSWORD);
    const row = await insertAccount(ctx.db, establishmentId, { passwordHash: await passwordHash, ...fields });
    return { id: row.id, loginId: row.loginId, password: TEST_PASSWORD };
  };

  ctx.createEstablishment = async (overrides = {}) => {
    const establishment = await insertEstablishment(ctx.db, overrides);
    const admin = await ctx.insertActiveAccount(establishment.id, { profile: 'admin', firstName: 'Alice', lastName: 'Admin' });
    const adminToken = await ctx.login(admin.loginId);
    return { establishment, admin, adminToken };
  };

  ctx.createAccount = (establishmentId, token, overrides = {}) =>
    ctx.request('POST', `/establishments/${establishmentId}/accounts`, { token, body: accountCreationBody(overrides) });

  return ctx;
}

/** A valid « Créer un compte » body with a fresh email address; `overrides` replace or add fields. */
export function accountCreationBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const email = `${randomUUID()}@employeur.test`;
  return { profile: 'user', civility: 'madame', lastName: 'Louty', firstName: 'Jeanne', email, emailConfirmation: email, ...overrides };
}
