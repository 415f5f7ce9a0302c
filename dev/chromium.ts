/**
 * Debian's Chromium for the screenshot test (driven by playwright-core, which downloads no browser):
 * CHROMIUM_PATH, else `chromium` on the machine, else `apt-get install -y chromium` when running as
 * root with apt. Returns null, with the reason, when none can be had.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

function onPath(name: string): string | null {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : null;
}

export function findChromium(): { path: string } | { missing: string } {
  if (process.env.CHROMIUM_PATH) {
    return existsSync(process.env.CHROMIUM_PATH) ? { path: process.env.CHROMIUM_PATH } : { missing: `CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist` };
  }
  const present = onPath('chromium') ?? onPath('chromium-browser');
  if (present) return { path: present };
  if (process.getuid?.() !== 0 || !onPath('apt-get')) {
    return { missing: 'Chromium is not installed and cannot be installed here (needs root and apt-get): apt-get install chromium, or set CHROMIUM_PATH' };
  }
  const install = () =>
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], {
      stdio: 'ignore',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      timeout: 600_000,
    });
  try {
    try {
      install();
    } catch {
      execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', timeout: 300_000 });
      install();
    }
  } catch (error) {
    return { missing: `apt-get install chromium failed: ${(error as Error).message}` };
  }
  const installed = onPath('chromium');
  return installed ? { path: installed } : { missing: 'apt-get installed chromium but it is not on PATH' };
}

if (require.main === module) {
  const found = findChromium();
  console.log('path' in found ? found.path : found.missing);
  process.exit('path' in found ? 0 : 1);
}
