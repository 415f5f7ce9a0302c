/**
 * Local mailbox: stands in for Resend when no RESEND_API_KEY is set. The application's Resend SDK
 * posts to it (`RESEND_BASE_URL`); each message is kept as a JSON file in the data folder.
 *
 * Only the part of Resend's API the application uses: `POST /emails` (`resend.emails.send`), with
 * Resend's idempotency: the same `Idempotency-Key` and the same body answer the first message's id
 * again, the same key with another body answers 409 `invalid_idempotent_request`; a key lives 24 h.
 *
 * For people (French pages): `/` lists the messages, `/messages/:id` shows one, `/messages/:id/html`
 * its HTML alone. For tests and scripts (JSON): `GET /api/messages[?to=address]` newest first,
 * `GET /api/messages/:id`, `DELETE /api/messages`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { html, raw } from 'hono/html';
import { z } from 'zod';
import { loadConfigOrExit } from '../config/env';

export interface MailSinkMessage {
  id: string;
  /** Reception time (ISO 8601), strictly increasing so the order survives a restart. */
  createdAt: string;
  from: string;
  to: string[];
  subject: string;
  html: string | null;
  text: string | null;
  tags: { name: string; value: string }[];
  idempotencyKey: string | null;
  /** SHA-256 of the request body: tells a retry from another request under the same key. */
  requestHash: string;
}

export interface MailSink {
  /** Base URL for the SDK (`RESEND_BASE_URL`). */
  url: string;
  stop(): Promise<void>;
}

const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

const emailRequest = z
  .object({
    from: z.string().min(1),
    to: z.union([z.string().min(1).transform((to) => [to]), z.array(z.string().min(1)).min(1)]),
    subject: z.string().min(1),
    html: z.string().optional(),
    text: z.string().optional(),
    tags: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
  })
  .refine((email) => email.html || email.text, { message: 'Missing `html` or `text` field.' });

/** `Nom <A@b.fr>` → `a@b.fr`. */
const addressOf = (value: string) => (/<([^<>]+)>\s*$/.exec(value)?.[1] ?? value).trim().toLowerCase();

const resendError = (statusCode: 409 | 422, name: string, message: string) => ({ statusCode, name, message });

async function loadMessages(dir: string): Promise<MailSinkMessage[]> {
  await mkdir(dir, { recursive: true });
  const messages: MailSinkMessage[] = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.json'))) {
    try {
      messages.push(JSON.parse(await readFile(path.join(dir, file), 'utf8')) as MailSinkMessage);
    } catch (error) {
      console.warn(`[mail-sink] ${file} skipped: ${(error as Error).message}`);
    }
  }
  return messages.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

function createApp(dir: string, messages: MailSinkMessage[]): Hono {
  let lastCreatedMs = Math.max(0, ...messages.map((m) => Date.parse(m.createdAt) || 0));
  const byId = new Map(messages.map((m) => [m.id, m]));
  const newestFirst = (to?: string) =>
    [...byId.values()].reverse().filter((m) => !to || m.to.some((r) => addressOf(r) === addressOf(to)));

  // The SDK joins `${baseUrl}${path}`: a base URL ending with "/" gives "//emails".
  const app = new Hono({ getPath: (request) => new URL(request.url).pathname.replace(/\/{2,}/g, '/') });

  app.post('/emails', async (c) => {
    const body = await c.req.text();
    const requestHash = createHash('sha256').update(body).digest('hex');
    const key = c.req.header('idempotency-key') ?? null;
    const previous = key
      ? newestFirst().find((m) => m.idempotencyKey === key && Date.now() - Date.parse(m.createdAt) < IDEMPOTENCY_TTL_MS)
      : undefined;
    if (previous && previous.requestHash !== requestHash) {
      const message = 'Same idempotency key used with a different request payload. Change your idempotency key or payload.';
      return c.json(resendError(409, 'invalid_idempotent_request', message), 409);
    }
    if (previous) return c.json({ id: previous.id });

    let parsed;
    try {
      parsed = emailRequest.safeParse(JSON.parse(body));
    } catch {
      return c.json(resendError(422, 'validation_error', 'Invalid JSON body.'), 422);
    }
    if (!parsed.success) return c.json(resendError(422, 'validation_error', z.prettifyError(parsed.error)), 422);
    const { from, to, subject, html = null, text = null, tags = [] } = parsed.data;
    lastCreatedMs = Math.max(Date.now(), lastCreatedMs + 1);
    const createdAt = new Date(lastCreatedMs).toISOString();
    const message: MailSinkMessage = { id: randomUUID(), createdAt, from, to, subject, html, text, tags, idempotencyKey: key, requestHash };
    // In memory before the first await, so that a concurrent retry with the same key finds it.
    byId.set(message.id, message);
    const file = path.join(dir, `${createdAt.replace(/[:.]/g, '-')}_${message.id}.json`);
    await writeFile(`${file}.tmp`, `${JSON.stringify(message, null, 2)}\n`);
    await rename(`${file}.tmp`, file);
    return c.json({ id: message.id });
  });

  app.get('/api/messages', (c) => c.json(newestFirst(c.req.query('to'))));
  app.get('/api/messages/:id', (c) => {
    const message = byId.get(c.req.param('id'));
    return message ? c.json(message) : c.json({ message: 'Message introuvable' }, 404);
  });
  app.delete('/api/messages', async (c) => {
    const deleted = byId.size;
    byId.clear();
    for (const file of await readdir(dir)) if (file.endsWith('.json')) await unlink(path.join(dir, file));
    return c.json({ deleted });
  });

  app.get('/', (c) => c.html(page('Boîte aux lettres locale', indexBody(newestFirst()))));
  app.get('/messages/:id', (c) => {
    const message = byId.get(c.req.param('id'));
    return message ? c.html(page(message.subject, messageBody(message))) : c.html(page('Message introuvable', html`<h1>Message introuvable</h1>`), 404);
  });
  app.get('/messages/:id/html', (c) => {
    const message = byId.get(c.req.param('id'));
    if (!message) return c.text('Message introuvable', 404);
    return message.html ? c.html(message.html) : c.text(message.text ?? '');
  });
  return app;
}

// --- Pages (French: people read them). `html` escapes every interpolated value. ---

const STYLE = `body { font-family: system-ui, sans-serif; margin: 0; color: #161616; background: #f6f6f6; }
header { background: #000091; padding: 12px 24px; } header a { color: #fff; font-weight: bold; }
main { padding: 16px 24px; } .muted { color: #666; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: 8px 10px; border-bottom: 1px solid #ddd; vertical-align: top; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; background: #fff; padding: 12px 16px; }
dt { font-weight: bold; } dd { margin: 0; word-break: break-all; }
iframe { width: 100%; height: 70vh; border: 1px solid #ccc; background: #fff; }
pre { white-space: pre-wrap; background: #fff; padding: 12px; border: 1px solid #ccc; }`;

const frenchDate = (iso: string) => new Date(iso).toLocaleString('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'medium' });

const page = (title: string, body: unknown) => html`<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title><style>${raw(STYLE)}</style></head>
<body><header><a href="/">Boîte aux lettres locale</a></header><main>${body}</main></body>
</html>`;

const indexBody = (messages: MailSinkMessage[]) => html`<h1>Boîte aux lettres locale</h1>
<p class="muted">Les courriels envoyés par l'application sans clé Resend arrivent ici, le plus récent en premier.
${messages.length} message(s). <a href="/">Actualiser</a> ·
<button type="button" onclick="if (confirm('Supprimer tous les messages ?')) fetch('/api/messages', { method: 'DELETE' }).then(() => location.reload())">Vider la boîte</button></p>
${messages.length === 0
  ? html`<p>Aucun message pour le moment.</p>`
  : html`<table><thead><tr><th>Date</th><th>Destinataire(s)</th><th>Objet</th><th>Expéditeur</th></tr></thead><tbody>
${messages.map((m) => html`<tr><td>${frenchDate(m.createdAt)}</td><td>${m.to.join(', ')}</td><td><a href="/messages/${encodeURIComponent(m.id)}">${m.subject}</a></td><td class="muted">${m.from}</td></tr>`)}
</tbody></table>`}`;

const messageBody = (m: MailSinkMessage) => html`<h1>${m.subject}</h1>
<dl><dt>De</dt><dd>${m.from}</dd><dt>À</dt><dd>${m.to.join(', ')}</dd><dt>Date</dt><dd>${frenchDate(m.createdAt)}</dd>
<dt>Clé d'idempotence</dt><dd>${m.idempotencyKey ?? '—'}</dd>
<dt>Formats</dt><dd><a href="/api/messages/${encodeURIComponent(m.id)}">JSON</a>${m.html ? html` · <a href="/messages/${encodeURIComponent(m.id)}/html">HTML seul</a>` : ''}</dd></dl>
${m.html ? html`<iframe title="Contenu HTML du message" sandbox="allow-popups" srcdoc="${m.html}"></iframe>` : ''}
${m.text ? html`<h2>Version texte</h2><pre>${m.text}</pre>` : ''}`;

export async function startMailSink(opts: { port: number; dir: string; host?: string }): Promise<MailSink> {
  const host = opts.host ?? '127.0.0.1';
  const dir = path.resolve(opts.dir);
  const app = createApp(dir, await loadMessages(dir));
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(opts.port, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // keep-alive connections would hold close() open
      }),
  };
}

// --- Client of the JSON API, for the tests ---

export interface MailSinkClient {
  /** Newest first; `to` keeps the messages sent to that address (case-insensitive). */
  list(filter?: { to?: string }): Promise<MailSinkMessage[]>;
  /** null if there is no such message. */
  get(id: string): Promise<MailSinkMessage | null>;
  /** Polls until a message (newest first) satisfies `predicate`. */
  waitFor(predicate: (message: MailSinkMessage) => boolean, opts?: { timeoutMs?: number; to?: string }): Promise<MailSinkMessage>;
  clear(): Promise<void>;
}

export function createMailSinkClient(url: string): MailSinkClient {
  const call = async <T>(pathname: string, init?: RequestInit): Promise<T | null> => {
    const response = await fetch(`${url.replace(/\/+$/, '')}${pathname}`, init);
    if (response.status === 404) return null;
    if (!response.ok) throw new Error(`mail-sink: ${init?.method ?? 'GET'} ${pathname} → ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const list = async ({ to }: { to?: string } = {}) =>
    (await call<MailSinkMessage[]>(`/api/messages${to ? `?to=${encodeURIComponent(to)}` : ''}`)) ?? [];
  return {
    list,
    get: (id) => call<MailSinkMessage>(`/api/messages/${encodeURIComponent(id)}`),
    async waitFor(predicate, { timeoutMs = 10_000, to } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const messages = await list({ to });
        const found = messages.find(predicate);
        if (found) return found;
        if (Date.now() > deadline) {
          const seen = messages.slice(0, 10).map((m) => `\n  - ${m.createdAt} to ${m.to.join(', ')}: ${m.subject}`);
          throw new Error(`mail-sink: no matching message after ${timeoutMs} ms${to ? ` (to=${to})` : ''}; ${messages.length} seen${seen.join('')}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async clear() {
      await call('/api/messages', { method: 'DELETE' });
    },
  };
}

// `npm run mail-sink` (and the docker-compose service): the sink alone.
if (require.main === module) {
  const { mail, dataDir } = loadConfigOrExit();
  startMailSink({ port: mail.sinkPort, host: mail.sinkHost, dir: path.join(dataDir, 'mail') }).then((sink) => {
    console.log(`Boîte aux lettres locale : ${sink.url} (RESEND_BASE_URL=${sink.url})`);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void sink.stop().then(() => process.exit(0)));
  });
}
