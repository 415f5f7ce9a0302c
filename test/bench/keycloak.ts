/**
 * Keycloak as the throughput benchmark's peer (`BENCH_KEYCLOAK=1`): started from dev/tools.ts's
 * `keycloakHome()` in dev mode (embedded H2 in the bench's folder, local cache) with its theme and
 * template caches on, as in production (dev mode turns them off, which would re-read the email
 * templates at every send). Its realm sends mail to a small SMTP sink in this process, which keeps
 * the reception time of each message.
 *
 * One "creation with its activation email" there is what an admin's client does: the admin REST
 * API's create-user, then its execute-actions-email (UPDATE_PASSWORD), which sends the email before
 * it answers.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { keycloakHome } from '../../dev/tools';
import { findFreePort } from '../../dev/ports';

const REALM = 'peps-bench';

export interface SmtpSink {
  port: number;
  /** Recipient (lower case) → reception times (ms since the epoch), one per message. */
  received: Map<string, number[]>;
  stop(): Promise<void>;
}

/** Accepts every message without authentication or TLS and notes when it arrived, per recipient. */
export async function startSmtpSink(): Promise<SmtpSink> {
  const received = new Map<string, number[]>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, session, done) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        const at = Date.now();
        for (const { address } of session.envelope.rcptTo) {
          const key = address.toLowerCase();
          received.set(key, [...(received.get(key) ?? []), at]);
        }
        done();
      });
    },
  });
  const port = await findFreePort();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { port, received, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export interface Keycloak {
  url: string;
  pid: number;
  /** Create-user then execute-actions-email; throws on any answer but 201 then 204. */
  createUserWithEmail(email: string, i: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startKeycloak(opts: { dir: string; smtpPort: number; log: (message: string) => void }): Promise<Keycloak> {
  const home = await keycloakHome();
  const [port, managementPort] = [await findFreePort(), await findFreePort()];
  const password = randomBytes(12).toString('hex');
  const url = `http://127.0.0.1:${port}`;
  const logFile = path.join(opts.dir, 'keycloak.log');
  // kc.sh execs the JVM, which keeps setpriv's parent-death signal: killing the bench kills Keycloak too.
  const kcArgs = [
    'start-dev',
    '--http-host=127.0.0.1',
    `--http-port=${port}`,
    `--http-management-port=${managementPort}`,
    `--db-url-path=${opts.dir}`,
    '--spi-theme--cache--themes=true',
    '--spi-theme--cache--templates=true',
    '--log-level=info',
  ];
  const kcSh = path.join(home, 'bin', 'kc.sh');
  const proc = spawn(
    existsSync('/usr/bin/setpriv') ? '/usr/bin/setpriv' : kcSh,
    existsSync('/usr/bin/setpriv') ? ['--pdeathsig', 'KILL', '--', kcSh, ...kcArgs] : kcArgs,
    {
      env: {
        ...process.env,
        KC_BOOTSTRAP_ADMIN_USERNAME: 'admin',
        KC_BOOTSTRAP_ADMIN_PASSWORD: password,
        JAVA_OPTS_KC_HEAP: '-Xms256m -Xmx1g', // its default takes a share of the machine's memory
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, stopped whole (kc.sh's first start runs a build JVM as a child)
    },
  );
  const log = createWriteStream(logFile);
  proc.stdout!.pipe(log);
  proc.stderr!.pipe(log);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    process.kill(-proc.pid!, 'SIGTERM');
    const timer = setTimeout(() => process.kill(-proc.pid!, 'SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    const deadline = Date.now() + 600_000; // the first start builds Keycloak's dev mode (a minute or two here)
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`Keycloak exited (${proc.exitCode}); see ${logFile}`);
      const ok = await fetch(`${url}/realms/master`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`Keycloak not ready after 600 s; see ${logFile}`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    opts.log(`Keycloak ready at ${url}`);

    // The master realm's tokens live 60 s: one shared token, fetched again before it ends.
    let token: { value: Promise<string>; until: number } | undefined;
    const accessToken = () => {
      if (!token || Date.now() > token.until) {
        const value = fetch(`${url}/realms/master/protocol/openid-connect/token`, {
          method: 'POST',
          body: new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', username: 'admin', password }),
        }).then(async (r) => {
          if (!r.ok) throw new Error(`Keycloak token: HTTP ${r.status} ${await r.text()}`);
          return ((await r.json()) as { access_token: string }).access_token;
        });
        token = { value, until: Date.now() + 40_000 };
      }
      return token.value;
    };
    const admin = async (method: string, pathname: string, body: unknown, expect: number) => {
      const response = await fetch(`${url}/admin/realms${pathname}`, {
        method,
        headers: { authorization: `Bearer ${await accessToken()}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (response.status !== expect) throw new Error(`Keycloak ${method} ${pathname}: HTTP ${response.status} ${await response.text()}`);
      await response.arrayBuffer();
      return response;
    };
    await admin(
      'POST',
      '',
      {
        realm: REALM,
        enabled: true,
        smtpServer: { host: '127.0.0.1', port: String(opts.smtpPort), from: 'ne-pas-repondre@peps.bench', fromDisplayName: "Pep's" },
      },
      201,
    );

    return {
      url,
      pid: proc.pid!,
      async createUserWithEmail(email, i) {
        const created = await admin('POST', `/${REALM}/users`, { username: `bench-${i}-${randomBytes(4).toString('hex')}`, email, firstName: 'Anaïs', lastName: 'Lefèvre-Nouvel', enabled: true }, 201);
        const id = created.headers.get('location')!.split('/').pop();
        await admin('PUT', `/${REALM}/users/${id}/execute-actions-email?lifespan=1296000`, ['UPDATE_PASSWORD'], 204);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
