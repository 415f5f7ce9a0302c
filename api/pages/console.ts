/**
 * The administrators' console: a single-page application built from web/src into web/dist (see
 * web/build.ts) and served by the API on the same origin as the endpoints it calls. This file only
 * serves its HTML frame and its built files; everything the console shows comes from the API.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { html } from 'hono/html';
import { htmlPage } from './shell';

export const CONSOLE_DIST = path.resolve(__dirname, '..', '..', 'web', 'dist');

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
};

export function consoleBuilt() {
  return existsSync(path.join(CONSOLE_DIST, 'console.js'));
}

export const CONSOLE_HTML = `<!doctype html>
<html lang="fr" data-fr-scheme="light">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Plateforme Employeurs Publics Pep's</title>
<link rel="stylesheet" href="/static/styles.css">
</head>
<body>
<div id="console"><noscript>La console de gestion des comptes a besoin de JavaScript.</noscript></div>
<script src="/static/console.js"></script>
</body>
</html>`;

export function consoleNotBuiltPage() {
  return htmlPage({
    title: 'Console indisponible',
    main: html`<h1>La console n'est pas encore construite</h1>
<p>Lancez <code>npm run web:build</code> (ou <code>npm start</code>, qui la construit), puis rechargez la page.</p>`,
  });
}

/** A built file by its path under /static, or null (unknown, or an attempt to leave the folder). */
export function consoleAsset(relative: string): { body: Buffer; type: string } | null {
  const file = path.resolve(CONSOLE_DIST, relative);
  const type = TYPES[path.extname(file)];
  if (!type || !file.startsWith(CONSOLE_DIST + path.sep) || !existsSync(file)) return null;
  return { body: readFileSync(file), type };
}
