/**
 * Builds the administrators' console (web/src) into web/dist with esbuild: one script, one
 * stylesheet, and the DSFR icons they use. `npm start` and the browser test build it first;
 * `npm run web:build` builds it alone. Takes about a second.
 *
 * The State design system (@gouvfr/dsfr, MIT) is bundled from node_modules, except its Marianne
 * and Spectral fonts, reserved to State sites: their @font-face rules are dropped and the text uses
 * the system's sans-serif (see README, Choices).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';

export const WEB_DIST = path.join(__dirname, 'dist');

const withoutReservedFonts: Plugin = {
  name: 'without-reserved-fonts',
  setup(b) {
    b.onLoad({ filter: /@gouvfr[\\/]dsfr[\\/].*\.css$/ }, (args) => ({
      loader: 'css',
      contents: readFileSync(args.path, 'utf8')
        .replace(/@font-face\{[^}]*\}/g, '')
        .replace(/font-family:(Marianne|Spectral)[^;}!]*/g, 'font-family:var(--console-font)'),
    }));
  },
};

export async function buildConsole(): Promise<void> {
  await build({
    entryPoints: { console: path.join(__dirname, 'src', 'main.tsx'), styles: path.join(__dirname, 'src', 'styles.css') },
    outdir: WEB_DIST,
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'iife',
    target: ['chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    loader: { '.svg': 'file', '.woff2': 'file', '.woff': 'file' },
    assetNames: 'icons/[name]-[hash]',
    plugins: [withoutReservedFonts],
    logLevel: 'warning',
  });
}

if (require.main === module) {
  const started = Date.now();
  buildConsole().then(() => console.log(`console built in ${Date.now() - started} ms → ${path.relative(process.cwd(), WEB_DIST)}`));
}
