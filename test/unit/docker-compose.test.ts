/**
 * Keeps docker-compose.yml honest without Docker: the file is parsed and checked against the code
 * it runs (variable names and parsing of config/env.ts, search attributes of the workflows, ports,
 * the Temporal server and UI versions that `npm run cluster` builds, the same topology).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { envSchema, loadConfig } from '../../config/env';
import { POSTGRES_MAX_CONNECTIONS, TEMPORAL_GO_ENV, TEMPORAL_SQL_PLUGIN } from '../../dev/cluster';
import { TEMPORAL_SERVER_VERSION, TEMPORAL_UI_SERVER_VERSION } from '../../dev/tools';
import { SEARCH_ATTRIBUTE_TYPES } from '../../workflows/definitions';
import { workerNodeArgs } from '../../worker/node-flags';

const ROOT = path.resolve(__dirname, '../..');
const packageJson = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');

interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | number | { target: number; published?: string | number })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  volumes?: (string | { source?: string; target: string })[];
}

interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/**
 * Compose interpolation as `docker compose` does it with no variable set on the host: `${VAR:-default}`
 * and `${VAR-default}` give their default, `${VAR}` gives an empty string, `$$` is a literal `$`.
 * Anything else (`${VAR:?…}`, `${VAR:+…}`, bare `$VAR`) would behave differently on the host, so it is refused.
 */
function interpolate(value: string): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}|\$./g, (match, name, op, fallback) => {
    if (match === '$$') return '$';
    if (name !== undefined) return op ? (fallback as string) : '';
    throw new Error(`unsupported interpolation "${match}" in: ${value}`);
  });
}

function interpolateAll<T>(node: T): T {
  if (typeof node === 'string') return interpolate(node) as T;
  if (Array.isArray(node)) return node.map(interpolateAll) as T;
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateAll(v)])) as T;
  }
  return node;
}

const raw = readFileSync(COMPOSE_FILE, 'utf8');
// Compose accepts YAML anchors and `<<` merge keys; the file uses both.
const compose = interpolateAll(parse(raw, { merge: true }) as ComposeFile);
const services = compose.services;

function service(name: string): Service {
  const found = services[name];
  if (!found) throw new Error(`service "${name}" missing from docker-compose.yml`);
  return found;
}

/** The environment a container receives; a key with no value (host pass-through) is unset here. */
function environmentOf(name: string): Record<string, string> {
  const env = service(name).environment ?? {};
  const entries: [string, string | undefined][] = Array.isArray(env)
    ? env.map((item) => {
        const eq = item.indexOf('=');
        return eq === -1 ? [item, undefined] : [item.slice(0, eq), item.slice(eq + 1)];
      })
    : Object.entries(env).map(([k, v]) => [k, v === null ? undefined : String(v)]);
  return Object.fromEntries(entries.filter((e): e is [string, string] => e[1] !== undefined));
}

function commandOf(name: string): string[] {
  const command = service(name).command ?? [];
  return Array.isArray(command) ? command.map(String) : command.trim().split(/\s+/);
}

/** Values of a repeatable flag, written `--flag value` or `--flag=value`. */
function flagValues(command: string[], flag: string): string[] {
  const values: string[] = [];
  command.forEach((arg, i) => {
    if (arg === flag && command[i + 1] !== undefined) values.push(command[i + 1]!);
    else if (arg.startsWith(`${flag}=`)) values.push(arg.slice(flag.length + 1));
  });
  return values;
}

/** Published ports as { host, container }; `[IP:]HOST:CONTAINER[/proto]` or the long syntax. */
function portsOf(name: string): { host: number | undefined; container: number }[] {
  return (service(name).ports ?? []).map((port) => {
    if (typeof port === 'object') {
      return { host: port.published === undefined ? undefined : Number(port.published), container: port.target };
    }
    const parts = String(port).replace(/\/(tcp|udp)$/, '').split(':');
    const container = Number(parts.at(-1));
    return { host: parts.length > 1 ? Number(parts.at(-2)) : undefined, container };
  });
}

function dependsOn(name: string): Record<string, string> {
  const deps = service(name).depends_on ?? {};
  return Array.isArray(deps)
    ? Object.fromEntries(deps.map((d) => [d, 'service_started']))
    : Object.fromEntries(Object.entries(deps).map(([d, v]) => [d, v.condition ?? 'service_started']));
}

const schemaKeys = Object.keys(envSchema.shape);
const defaults = envSchema.parse({});
const APP_SERVICES = ['worker', 'api'] as const;

describe('docker-compose.yml', () => {
  it('has the topology of npm run cluster: PostgreSQL, the four Temporal services, its UI, the mail sink, two workers, two APIs', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['postgres', 'temporal', 'temporal-history', 'temporal-matching', 'temporal-worker', 'temporal-ui', 'mail-sink', 'worker', 'api', 'api-2']),
    );
    expect((service('worker') as { deploy?: { replicas?: number } }).deploy?.replicas).toBe(2);
    expect(environmentOf('api-2')).toEqual(environmentOf('api'));
    expect(commandOf('api-2')).toEqual(commandOf('api'));
  });

  it.each(APP_SERVICES)('gives %s only variables that config/env.ts knows', (name) => {
    const keys = Object.keys(environmentOf(name));
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.filter((key) => !schemaKeys.includes(key))).toEqual([]);
  });

  it.each(APP_SERVICES)('gives %s an environment that loadConfig accepts, pointing at the compose services', (name) => {
    const env = environmentOf(name);
    const config = loadConfig(env);
    expect(config.nodeEnv).toBe('development');
    expect(config.database.embedded).toBe(false);
    expect(new URL(config.database.url).hostname).toBe('postgres');
    expect(config.temporal.address).toBe('temporal:7233');
    expect(config.temporal.namespace).toBe('default');
    expect(config.temporal.taskQueue).toBe(defaults.TEMPORAL_TASK_QUEUE);
    expect(config.mail.resendApiKey).toBeUndefined();
    expect(config.mail.resendBaseUrl).toBe(`http://mail-sink:${defaults.MAIL_SINK_PORT}`);
  });

  it('gives the worker and the API the same environment', () => {
    expect(environmentOf('worker')).toEqual(environmentOf('api'));
  });

  it('bakes no known secret in: with NODE_ENV=production and the defaults, the API refuses to start', () => {
    const env = { ...environmentOf('api'), NODE_ENV: 'production' };
    let message = '';
    try {
      loadConfig(env);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('OPERATOR_TOKEN');
    expect(message).toContain('TOKEN_SECRET');
  });

  it('connects to PostgreSQL with the credentials and database the postgres service creates', () => {
    const postgres = environmentOf('postgres');
    const url = new URL(loadConfig(environmentOf('api')).database.url);
    expect(url.port || '5432').toBe('5432');
    expect(decodeURIComponent(url.username)).toBe(postgres.POSTGRES_USER);
    expect(decodeURIComponent(url.password)).toBe(postgres.POSTGRES_PASSWORD);
    expect(url.pathname).toBe(`/${postgres.POSTGRES_DB}`);
    expect(service('postgres').image).toBe('postgres:17');
    expect(JSON.stringify(service('postgres'))).toContain('pg_isready');
  });

  it('registers every search attribute of SEARCH_ATTRIBUTE_TYPES on the Temporal server', () => {
    const registered = environmentOf('temporal-setup').SEARCH_ATTRIBUTES!.trim().split(/\s+/);
    const expected = Object.entries(SEARCH_ATTRIBUTE_TYPES).map(([attribute, type]) => `${attribute}=${type}`);
    expect(registered.sort()).toEqual(expected.sort());
    expect(dependsOn('worker')).toMatchObject({ 'temporal-setup': 'service_completed_successfully' });
  });

  it('runs the Temporal server and UI of the versions npm run cluster builds, one service per container, on the compose PostgreSQL', () => {
    const serverTag = TEMPORAL_SERVER_VERSION.replace(/^v/, '');
    const postgres = environmentOf('postgres');
    for (const [name, role] of [['temporal', 'frontend'], ['temporal-history', 'history'], ['temporal-matching', 'matching'], ['temporal-worker', 'worker']]) {
      expect(service(name!).image).toBe(`temporalio/server:${serverTag}`);
      const env = environmentOf(name!);
      // The server's own variables (cmd/server/main.go of the version: --service, --allow-no-auth), which
      // the image's entrypoint (`temporal-server start`, no flag) leaves to the environment.
      expect(env).toMatchObject({ ...TEMPORAL_GO_ENV, TEMPORAL_SERVICES: role, TEMPORAL_ALLOW_NO_AUTH: 'true', DB: TEMPORAL_SQL_PLUGIN, POSTGRES_SEEDS: 'postgres', DBNAME: 'temporal', VISIBILITY_DBNAME: 'temporal_visibility' });
      expect(env.POSTGRES_USER).toBe(postgres.POSTGRES_USER);
      expect(env.POSTGRES_PWD).toBe(postgres.POSTGRES_PASSWORD);
      expect(dependsOn(name!)).toMatchObject({ 'temporal-visibility-indexes': 'service_completed_successfully' });
    }
    // Temporal's four services' pools beside the apps': more than PostgreSQL's default 100.
    expect(service('postgres').command).toEqual(['postgres', '-c', `max_connections=${POSTGRES_MAX_CONNECTIONS}`]);
    for (const name of ['temporal-schema', 'temporal-setup']) expect(service(name).image).toBe(`temporalio/admin-tools:${serverTag}`);
    expect(service('temporal-ui').image).toBe(`temporalio/ui:${TEMPORAL_UI_SERVER_VERSION.replace(/^v/, '')}`);
    expect(environmentOf('temporal-ui').TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('makes the search attribute indexes partial with the SQL npm run cluster runs, after the migration, before the Temporal services', () => {
    const indexes = service('temporal-visibility-indexes');
    expect(indexes.volumes).toContain('./dev/temporal-visibility-indexes.sql:/sql/temporal-visibility-indexes.sql:ro');
    expect(commandOf('temporal-visibility-indexes')).toEqual(['psql', '-v', 'ON_ERROR_STOP=1', '-f', '/sql/temporal-visibility-indexes.sql']);
    expect(environmentOf('temporal-visibility-indexes')).toMatchObject({ PGHOST: 'postgres', PGDATABASE: 'temporal_visibility', PGUSER: environmentOf('postgres').POSTGRES_USER });
    expect(dependsOn('temporal-visibility-indexes')).toMatchObject({ 'temporal-schema': 'service_completed_successfully' });
  });

  it('publishes the ports of the config defaults: API, Temporal UI, mail sink', () => {
    const api = loadConfig(environmentOf('api'));
    expect(api.api.port).toBe(defaults.API_PORT);
    expect(portsOf('api')).toContainEqual({ host: defaults.API_PORT, container: api.api.port });
    expect(new URL(api.api.publicBaseUrl).port).toBe(String(defaults.API_PORT));

    expect(portsOf('api-2')).toContainEqual({ host: defaults.API_PORT + 1, container: api.api.port });
    expect(environmentOf('temporal-ui').TEMPORAL_UI_PORT).toBe(String(defaults.TEMPORAL_UI_PORT));
    expect(portsOf('temporal-ui')).toContainEqual({ host: defaults.TEMPORAL_UI_PORT, container: defaults.TEMPORAL_UI_PORT });
    const grpcPort = Number(api.temporal.address.split(':')[1]);
    expect(portsOf('temporal')).toContainEqual({ host: grpcPort, container: grpcPort });

    expect(portsOf('mail-sink')).toContainEqual({ host: defaults.MAIL_SINK_PORT, container: defaults.MAIL_SINK_PORT });
    expect(environmentOf('mail-sink').MAIL_SINK_PORT).toBe(String(defaults.MAIL_SINK_PORT));
  });

  it('runs the mail sink of dev/mail-sink.ts on all interfaces, with its messages on a volume', () => {
    expect(commandOf('mail-sink')).toEqual(['npx', 'tsx', 'dev/mail-sink.ts']);
    expect(environmentOf('mail-sink').MAIL_SINK_HOST).toBe('0.0.0.0');
    expect(loadConfig(environmentOf('mail-sink')).mail.sinkHost).toBe('0.0.0.0');
    expect(service('mail-sink').volumes).toContainEqual(expect.stringMatching(/:\/app\/\.data\/mail$/));
  });

  it('starts the worker and the API from their entry points, after their dependencies', () => {
    // The worker with its heap limit, started as npm run worker and npm start start it (worker/node-flags.ts).
    expect(commandOf('worker')).toEqual(['node', ...workerNodeArgs()]);
    expect(packageJson.scripts.worker).toBe(['node', ...workerNodeArgs()].join(' '));
    expect(commandOf('api')).toEqual(['npx', 'tsx', 'api/main.ts']);
    for (const entry of ['worker/main.ts', 'api/main.ts', 'dev/mail-sink.ts']) expect(existsSync(path.join(ROOT, entry))).toBe(true);

    expect(dependsOn('worker')).toMatchObject({ postgres: 'service_healthy', 'temporal-setup': 'service_completed_successfully', 'mail-sink': 'service_started' });
    expect(dependsOn('api')).toMatchObject({ postgres: 'service_healthy' });
    expect(['service_started', 'service_healthy']).toContain(dependsOn('api').temporal);
    for (const name of ['worker', 'api', 'mail-sink']) expect(service(name).build).toBeDefined();
  });

  it('declares every named volume it mounts', () => {
    const named = Object.values(services)
      .flatMap((s) => s.volumes ?? [])
      .map((v) => (typeof v === 'string' ? v.split(':')[0]! : (v.source ?? '')))
      .filter((source) => source !== '' && !source.startsWith('.') && !source.startsWith('/'));
    expect(named.length).toBeGreaterThan(0);
    for (const volume of named) expect(Object.keys(compose.volumes ?? {})).toContain(volume);
  });

  it('builds from a Dockerfile on node:20-bookworm-slim whose context leaves local state out', () => {
    const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim$/m);
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.tools', '.data', '.git']));
  });

  it('has a lock file npm ci accepts, as the Dockerfile installs with it', { timeout: 60_000 }, async () => {
    // `npm install` (what .ci/run and a newcomer run) tolerates a lock file out of step with package.json
    // and mends it; `npm ci` refuses one, and the image's build stopped there (session 14: the optional
    // @swc/core packages of other platforms were missing). A dry run reads the lock file and fetches nothing.
    const dir = await mkdtemp(path.join(tmpdir(), 'lock-check-'));
    try {
      for (const file of ['package.json', 'package-lock.json']) await copyFile(path.join(ROOT, file), path.join(dir, file));
      const run = promisify(execFile)('npm', ['ci', '--dry-run', '--ignore-scripts', '--omit=dev', '--no-audit', '--no-fund'], { cwd: dir, timeout: 50_000 });
      await expect(run).resolves.toBeDefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('interpolate (the compose subset the test understands)', () => {
  it('takes defaults and unescapes $$', () => {
    expect(interpolate('a${X:-b}c${Y-d}e${Z}f$$g')).toBe('abcdef$g');
  });

  it('refuses forms it cannot resolve like compose would', () => {
    expect(() => interpolate('${X:?required}')).toThrow(/unsupported/);
    expect(() => interpolate('$HOME')).toThrow(/unsupported/);
  });
});
