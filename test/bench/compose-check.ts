/**
 * docker-compose.yml run without Docker: `npm run check:compose`. A check run by hand (a few minutes
 * the first time: Go builds), not a test. Docker's images cannot be pulled here, so each service runs
 * as a process of this machine, from what Docker Compose itself renders of the file
 * (`docker compose config --format json`, dev/tools.ts `dockerCompose`):
 *
 * - its environment and command unchanged but for the network: the service names (`postgres`,
 *   `temporal`, `mail-sink`) become 127.0.0.1, PostgreSQL's port the stand-in's, bind mounts their
 *   host files, and a process on one host gets the port the compose file publishes its container on;
 * - what its image runs: `postgres` → the embedded PostgreSQL, with the role and database the image
 *   creates from POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB; `temporalio/server` →
 *   `temporal-server start` (the image's entrypoint: no flag, the configuration from the template built
 *   into the binary); `temporalio/admin-tools` → the service's script with the SQL tool, the CLI and
 *   the schema files of the same server version; `temporalio/ui` → `ui-server --env docker start`
 *   with the image's `docker.yaml`; `build: .` → the command in this checkout, one process per replica;
 *   a `psql -f` one-shot → the same file through postgres.js (psql is not on every machine).
 *
 * Then the demonstration establishment (`npx tsx dev/seed.ts`, as the README tells compose users), the
 * README's example session against every API, and the Web UI's list of activation workflows.
 * Exits 0 when all of it passes. The ports the compose file uses (and the Temporal services' own) must
 * be free.
 */
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { type ClusterProcess, managed, portOpen, retry, runSqlFile } from '../../dev/cluster';
import { freePorts, isPortFree } from '../../dev/ports';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../dev/postgres';
import {
  dockerCompose,
  goModuleDir,
  TEMPORAL_SERVER_MODULE,
  TEMPORAL_SERVER_VERSION,
  TEMPORAL_UI_SERVER_MODULE,
  TEMPORAL_UI_SERVER_VERSION,
  temporalCli,
  temporalServer,
  temporalSqlTool,
  temporalUiServer,
} from '../../dev/tools';

const ROOT = path.resolve(__dirname, '../..');
const run = promisify(execFile);
const log = (message: string) => process.stderr.write(`[compose-check] ${message}\n`);

interface Service {
  image?: string;
  build?: unknown;
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string | null>;
  depends_on?: Record<string, { condition: string }>;
  ports?: { target: number; published: string }[];
  volumes?: { type: string; source: string; target: string }[];
  deploy?: { replicas?: number };
}

/** The services in an order where each comes after what it depends on. */
function startOrder(services: Record<string, Service>): string[] {
  const order: string[] = [];
  const visit = (name: string) => {
    if (order.includes(name)) return;
    for (const dependency of Object.keys(services[name]!.depends_on ?? {})) visit(dependency);
    order.push(name);
  };
  for (const name of Object.keys(services)) visit(name);
  return order;
}

async function main() {
  const [compose, server, sqlTool, cli, uiServer, serverModule, uiModule] = await Promise.all([
    dockerCompose(),
    temporalServer(),
    temporalSqlTool(),
    temporalCli(),
    temporalUiServer(),
    goModuleDir(TEMPORAL_SERVER_MODULE, TEMPORAL_SERVER_VERSION),
    goModuleDir(TEMPORAL_UI_SERVER_MODULE, TEMPORAL_UI_SERVER_VERSION),
  ]);
  const rendered = await run(compose, ['-f', path.join(ROOT, 'docker-compose.yml'), 'config', '--format', 'json'], { cwd: ROOT });
  const services = (JSON.parse(rendered.stdout) as { services: Record<string, Service> }).services;
  log(`docker compose config (${compose}): ${Object.keys(services).length} services`);

  // Temporal's services on one host bind 127.0.0.1 at their template's default ports.
  const published = Object.values(services).flatMap((s) => (s.ports ?? []).map((p) => Number(p.published)));
  const busy = [];
  for (const port of [...published, 7234, 7235, 7236, 7239, 7243, 6933, 6934, 6935, 6936, 6939]) if (!(await isPortFree(port))) busy.push(port);
  if (busy.length > 0) throw new Error(`ports in use: ${busy.join(', ')} (docker-compose.yml's own; stop what holds them)`);

  const dir = await mkdtemp(path.join(os.tmpdir(), 'compose-check-'));
  await chmod(dir, 0o755); // as root, PostgreSQL runs as the postgres user, who must traverse it
  const logDir = path.join(dir, 'logs');
  await mkdir(logDir);
  const running: ClusterProcess[] = [];
  let pg: EmbeddedPostgres | undefined; // the postgres service's stand-in, stopped after the rest
  const stopAll = async () => {
    for (const part of running.reverse()) await part.stop().catch(() => undefined);
    await pg?.stop();
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));

  try {
    const pgService = services.postgres!;
    const pgEnv = pgService.environment!;
    const pgFlags = (pgService.command ?? []).slice(1); // `postgres -c …`
    const pgPort = (await freePorts(1))[0]!;
    pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'postgres'), port: pgPort, postgresFlags: pgFlags });
    const admin = postgres(pg.url('postgres'), { max: 1, onnotice: () => undefined });
    // What the postgres image does on a fresh volume.
    await admin.unsafe(`create role ${pgEnv.POSTGRES_USER} superuser login password '${pgEnv.POSTGRES_PASSWORD!.replaceAll("'", "''")}'`);
    await admin.unsafe(`create database ${pgEnv.POSTGRES_DB} owner ${pgEnv.POSTGRES_USER}`);
    await admin.end();
    log(`postgres: the embedded PostgreSQL on port ${pgPort}, role and database ${pgEnv.POSTGRES_USER}/${pgEnv.POSTGRES_DB}`);

    /** The network swaps, applied to every variable and argument. */
    const swap = (service: Service, value: string): string => {
      let out = value
        .replaceAll('postgres:5432', `127.0.0.1:${pgPort}`)
        .replaceAll('temporal:7233', '127.0.0.1:7233')
        .replaceAll('mail-sink:3025', '127.0.0.1:3025')
        .replaceAll('/etc/temporal/schema', path.join(serverModule, 'schema'));
      for (const volume of service.volumes ?? []) if (volume.type === 'bind') out = out.replaceAll(volume.target, volume.source);
      return out;
    };
    const environment = (service: Service, extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
      const env: Record<string, string> = {};
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (value === null) continue;
        env[key] = value === 'postgres' ? '127.0.0.1' : value === '5432' ? String(pgPort) : swap(service, value);
        // A process on this host listens where the compose file publishes its container's port.
        const port = (service.ports ?? []).find((p) => String(p.target) === value && key.endsWith('PORT'));
        if (port) env[key] = port.published;
      }
      const tools = [sqlTool, cli, server].map((bin) => path.dirname(bin)).join(path.delimiter);
      return { ...env, PGPORT: String(pgPort), PATH: `${tools}${path.delimiter}${process.env.PATH}`, ...extra };
    };
    const script = (service: Service) => [...(service.entrypoint ?? []), ...(service.command ?? [])].map((arg) => swap(service, arg.replaceAll('$$', '$')));

    const apis: string[] = [];
    for (const name of startOrder(services)) {
      const service = services[name]!;
      const image = service.image ?? '';
      if (name === 'postgres') continue;
      if (service.command?.[0] === 'psql') {
        const file = swap(service, service.command[service.command.indexOf('-f') + 1]!);
        const env = service.environment!;
        await runSqlFile(`postgres://${env.PGUSER}:${encodeURIComponent(env.PGPASSWORD!)}@127.0.0.1:${pgPort}/${env.PGDATABASE}`, file);
        log(`${name}: ${path.basename(file)} run on ${env.PGDATABASE}`);
      } else if (image.startsWith('temporalio/admin-tools:')) {
        const [command, ...args] = script(service);
        const started = Date.now();
        await run(command!, args, { env: environment(service), timeout: 300_000 });
        log(`${name}: its script passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      } else if (image.startsWith('temporalio/server:')) {
        const env = environment(service, { BIND_ON_IP: '127.0.0.1' });
        const role = env.TEMPORAL_SERVICES;
        // Without it, the image's `temporal-server start` runs every service in every container.
        if (!role) throw new Error(`${name}: no TEMPORAL_SERVICES, so its container would run all of Temporal's services`);
        const part = managed(name, server, ['start'], env, logDir, role === 'frontend' ? () => portOpen(7233) : /./);
        running.push(part);
        await part.start();
        log(`${name}: temporal-server start, services ${role}`);
      } else if (image.startsWith('temporalio/ui:')) {
        const cwd = path.join(dir, 'ui');
        await mkdir(path.join(cwd, 'config'), { recursive: true });
        await copyFile(path.join(uiModule, 'config', 'docker.yaml'), path.join(cwd, 'config', 'docker.yaml'));
        const env = environment(service);
        const port = Number(env.TEMPORAL_UI_PORT);
        const part = managed(name, 'sh', ['-c', `cd "${cwd}" && exec "${uiServer}" --env docker start`], env, logDir, () => portOpen(port));
        running.push(part);
        await part.start();
        log(`${name}: ui-server --env docker start on port ${port}`);
      } else if (service.build) {
        const replicas = service.deploy?.replicas ?? 1;
        for (let i = 1; i <= replicas; i++) {
          const env = environment(service);
          // Its own process group, stopped whole: a container's processes all end with it, and `npx`
          // leaves its child running when it gets SIGTERM.
          const group = ['setsid', 'sh', '-c', 'trap "trap - TERM; kill -TERM 0" TERM INT; "$@" & wait', 'sh', ...service.command!];
          const part = managed(replicas > 1 ? `${name}-${i}` : name, group[0]!, group.slice(1), env, logDir, /listening on|polling task queue|http:\/\//);
          running.push(part);
          await part.start();
          if (service.ports?.some((p) => p.published === env.API_PORT)) apis.push(`http://localhost:${env.API_PORT}`);
        }
        log(`${name}: ${service.command!.join(' ')}${replicas > 1 ? ` × ${replicas}` : ''}`);
      } else {
        throw new Error(`${name}: no stand-in for ${image || 'this service'}`);
      }
    }

    for (const api of apis) await retry(`${api}/health`, async () => {
      const response = await fetch(`${api}/health`);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
    });
    const seedEnv = environment(services.api!);
    const seeded = (await run('npx', ['tsx', 'dev/seed.ts'], { cwd: ROOT, env: { ...process.env, ...seedEnv } })).stdout;
    const establishment = /\(([0-9a-f-]{36})\)/.exec(seeded)?.[1];
    const [, loginId, password] = /identifiant (\S+), mot de passe (\S+)/.exec(seeded) ?? [];
    if (!establishment || !loginId || !password) throw new Error(`dev/seed.ts printed no credentials:\n${seeded}`);
    log(`dev/seed.ts: ${establishment}, admin ${loginId}`);
    for (const api of apis) {
      const started = Date.now();
      await run('bash', ['docs/example-session.sh'], {
        cwd: ROOT,
        timeout: 200_000,
        env: { PATH: process.env.PATH, API: api, MAILBOX: 'http://127.0.0.1:3025', EST: establishment, ADMIN_LOGIN: loginId, ADMIN_PASSWORD: password },
      });
      log(`example session against ${api}: passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    const uiPort = services['temporal-ui']!.ports![0]!.published;
    const listed = (await (await fetch(`http://127.0.0.1:${uiPort}/api/v1/namespaces/default/workflows?query=${encodeURIComponent('WorkflowType="activationWorkflow"')}`)).json()) as {
      executions?: unknown[];
    };
    if (!listed.executions?.length) throw new Error('the Web UI lists no activation workflow');
    log(`Web UI (port ${uiPort}): ${listed.executions.length} activation workflows listed`);
    const exited = running.filter((part) => part.pid === undefined);
    if (exited.length > 0) {
      const tails = await Promise.all(exited.map(async (part) => `${part.name}:\n${(await readFile(part.logFile, 'utf8')).slice(-1500)}`));
      throw new Error(`exited before the end: ${exited.map((part) => part.name).join(', ')}\n${tails.join('\n')}`);
    }
    console.log('docker-compose.yml: every service ran as its image would, and the example session passed against every API.');
  } finally {
    await stopAll();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: Error & { stderr?: string }) => {
  console.error(`[compose-check] ${error.message}${error.stderr ? `\n${error.stderr.slice(-2000)}` : ''}`);
  process.exit(1);
});
