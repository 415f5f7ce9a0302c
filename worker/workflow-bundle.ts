/**
 * The workflow code the worker runs, bundled by the SDK's webpack (`bundleWorkflowCode`) in a
 * short-lived process of its own and kept in `.cache/workflow-bundle/` (git-ignored): the worker
 * loads the file (`workflowBundle: { codePath }`) and never runs webpack itself, whose compilation
 * left ~100 MB in the worker's heap and resident memory for its whole life (README « Worker memory »).
 *
 * The file is named after a hash of every source file that can end up in it (the TypeScript outside
 * test/ and web/) and of the installed dependencies (package-lock.json): a change rebuilds it at the
 * next start, an unchanged tree reuses it (`npm start`, the cluster's two workers, the tests' run, the
 * benchmarks; the Docker image builds it once, `npx tsx worker/workflow-bundle.ts`).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const CACHE = path.join(ROOT, '.cache', 'workflow-bundle');
const WORKFLOWS_PATH = path.join(ROOT, 'workflows', 'index.ts');
const SKIPPED = new Set(['node_modules', 'test', 'web', 'docs', '.cache', '.data', '.tools', '.git']);

async function sourceFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED.has(entry.name) && !entry.name.startsWith('.')) files.push(...(await sourceFiles(path.join(dir, entry.name))));
    } else if (/\.tsx?$/.test(entry.name)) files.push(path.join(dir, entry.name));
  }
  return files;
}

/** The cache key: the sources and the dependency versions, nothing else (not the time, not the folder). */
async function bundleKey(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of [...(await sourceFiles(ROOT)), path.join(ROOT, 'package-lock.json')].sort()) {
    hash.update(path.relative(ROOT, file)).update('\0').update(await readFile(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 20);
}

/** Path of the bundle of the current sources, building it (in a child process) if needed. */
export async function workflowBundlePath(): Promise<string> {
  const file = path.join(CACHE, `${await bundleKey()}.js`);
  if (existsSync(file)) return file;
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', __filename, file], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`workflow bundle: build exited with ${code}`))));
  });
  return file;
}

/** Bundles into `file`, written whole or not at all (two workers starting together may both build it). */
async function build(file: string) {
  const { bundleWorkflowCode } = await import('@temporalio/worker');
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    // The worker runs every workflow in one reused V8 context, and by default evaluates the workflow
    // modules (ours: workflows/, domain/) again for each workflow it creates or replays: three per
    // created account (activation, its validity child, the activation's replay after an eviction),
    // ~20 modules each, Intl formatters included. Loaded once at the context's start instead, shared
    // and deep-frozen by the SDK. Safe because those modules keep no state of their own at module
    // level (constants, signal/query definitions, activity proxies that read the workflow context
    // only when called) and run no clock or random at load: test/unit/workflow-modules.test.ts.
    preloadModules: [WORKFLOWS_PATH],
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error },
  });
  await mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  await writeFile(partial, code);
  await rename(partial, file);
}

if (require.main === module) {
  // `npx tsx worker/workflow-bundle.ts` (Docker image): the current sources' bundle; with a path: that file.
  const target = process.argv[2];
  (target ? build(target) : workflowBundlePath().then((file) => console.log(file))).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
