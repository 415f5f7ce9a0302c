/**
 * `npm start` for real: the launcher brings up PostgreSQL, Temporal with its UI, the mail sink, the
 * worker and the API; Ctrl-C (SIGINT) leaves no process behind; a second start finds its data.
 * Runs in a temporary DATA_DIR on free ports, so it never touches a developer's .data/.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { createMailSinkClient } from '../../dev/mail-sink';
import { freePorts, isPortFree } from '../../dev/ports';

const ROOT = path.resolve(__dirname, '../..');

interface Launch {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function launch(env: NodeJS.ProcessEnv): Launch {
  let output = '';
  // As `npm start` runs it: node itself, no tsx command in between. The tsx command relays a signal
  // to its child and, when the child has not confirmed it within 30 ms (a loaded machine), kills it
  // with SIGKILL and exits 130: the launcher then never stops what it started.
  const child = spawn(process.execPath, ['--import', 'tsx', 'dev/start.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function ready(run: Launch, timeoutMs = 150_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (run.output().includes('tout est démarré')) return run.output();
    if (run.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`launcher not ready:\n${run.output().slice(-3000)}`);
}

/** Every process below `pid` (the launcher's children: tsx, node, postgres, temporal…). */
function descendants(pid: number): number[] {
  const lines = execFileSync('ps', ['-e', '-o', 'pid=,ppid=']).toString().trim().split('\n');
  const children = new Map<number, number[]>();
  for (const line of lines) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    children.set(parent!, [...(children.get(parent!) ?? []), child!]);
  }
  const found: number[] = [];
  const walk = (p: number) => (children.get(p) ?? []).forEach((c) => (found.push(c), walk(c)));
  walk(pid);
  return found;
}

/** Alive and not a zombie waiting for its parent to collect it. */
function running(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return false;
  try {
    return readFileSync(stat, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('npm start (dev/start.ts)', () => {
  it('starts the whole system, stops everything on Ctrl-C, and finds its data again', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'peps-launcher-'));
    await chmod(dataDir, 0o755);
    // The second start listens on the same ports: outside the ephemeral range, so that none of the
    // suite's outgoing connections takes one in between (dev/ports.ts).
    const [apiPort, temporalPort, uiPort, postgresPort, mailPort] = await freePorts(5);
    const ports = { api: apiPort!, temporal: temporalPort!, ui: uiPort!, postgres: postgresPort!, mail: mailPort! };
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'development',
      DATA_DIR: dataDir,
      API_PORT: String(ports.api),
      PUBLIC_BASE_URL: `http://localhost:${ports.api}`,
      TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}`,
      TEMPORAL_UI_PORT: String(ports.ui),
      EMBEDDED_POSTGRES_PORT: String(ports.postgres),
      MAIL_SINK_PORT: String(ports.mail),
      TEMPORAL_TASK_QUEUE: 'launcher-test',
    };
    delete env.DATABASE_URL;
    delete env.RESEND_API_KEY;
    delete env.RESEND_BASE_URL;
    const api = `http://localhost:${ports.api}`;

    const first = launch(env);
    try {
      const out = await ready(first);
      expect(out).toContain(`${api}/docs`);
      expect(out).toContain(`http://localhost:${ports.ui}`);
      const [, establishmentId, loginId, password] =
        /\(([0-9a-f-]{36})\)\n\s+Administrateur : identifiant (\w+), mot de passe (\S+)/.exec(out) ?? [];
      expect(loginId).toBeTruthy();

      expect((await fetch(`${api}/health`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${ports.ui}/`)).status).toBe(200);
      const login = await fetch(`${api}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ loginId, password }),
      });
      expect(login.status).toBe(200);
      const { token } = (await login.json()) as { token: string };
      const created = await fetch(`${api}/establishments/${establishmentId}/accounts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          profile: 'user',
          civility: 'madame',
          lastName: 'Lanceur',
          firstName: 'Lea',
          email: 'lea.lanceur@mairie.test',
          emailConfirmation: 'lea.lanceur@mairie.test',
        }),
      });
      expect(created.status).toBe(201);
      const account = (await created.json()) as { loginId: string };
      // The worker ran the activation workflow: the email is in the local mailbox.
      const mail = await createMailSinkClient(`http://127.0.0.1:${ports.mail}`).waitFor(() => true, {
        to: 'lea.lanceur@mairie.test',
        timeoutMs: 60_000,
      });
      expect(mail.subject).toBe('Vous pouvez créer votre mot de passe');

      const tree = descendants(first.child.pid!);
      expect(tree.length).toBeGreaterThan(4);
      first.child.kill('SIGINT');
      expect(await first.exited).toBe(0);
      await expect.poll(() => tree.filter(running), { timeout: 20_000 }).toEqual([]);
      for (const port of Object.values(ports)) expect(await isPortFree(port), `port ${port}`).toBe(true);

      const second = launch(env);
      try {
        const again = await ready(second);
        expect(again).toContain(`(${establishmentId})\n  Administrateur : identifiant ${loginId} (mot de passe affiché au premier démarrage`);
        const relogin = await fetch(`${api}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ loginId, password }),
        });
        expect(relogin.status).toBe(200);
        const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
        try {
          const workflows = async () => {
            const ids = [];
            for await (const wf of new Client({ connection }).workflow.list({ query: `AccountLoginId = "${account.loginId}"` })) ids.push(wf.workflowId);
            return ids.sort();
          };
          // The account is still pending (its activation, version 5, starts its validity only as it ends): the
          // worker's start-up reconcile of this second start opens its validity.
          await expect.poll(workflows, { timeout: 30_000, interval: 500 }).toEqual([`activation-${account.loginId}`, `validity-${account.loginId}`]);
        } finally {
          await connection.close();
        }
      } finally {
        second.child.kill('SIGINT');
        // On failure, the launcher's own words: an error above would otherwise be hidden by this one.
        expect(await second.exited, `the second start's output:\n${second.output().slice(-4000)}`).toBe(0);
      }
    } finally {
      if (first.child.exitCode === null) first.child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 300_000);
});
