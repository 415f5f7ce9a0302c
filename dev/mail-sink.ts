/**
 * Local mailbox: a fake Resend server for development and tests.
 *
 * When no Resend API key is configured, the application builds its client
 * `new Resend(key, { baseUrl })` (or relies on the `RESEND_BASE_URL` environment variable,
 * which the SDK reads **when `new Resend(...)` runs**) pointing at this server.
 *
 * What the `resend` SDK (v6, dist/index.cjs) does, and this server mimics:
 * - `resend.emails.send(payload, { idempotencyKey })` → `POST {baseUrl}/emails`
 *   with headers `Authorization: Bearer <key>`, `Content-Type: application/json`,
 *   `User-Agent: resend-node:<version>` and `Idempotency-Key: <key>` when given;
 *   snake_case JSON body: `from`, `to`, `subject`, `html`, `text`, `cc`, `bcc`,
 *   `reply_to`, `headers`, `tags`, `scheduled_at`, `attachments`, `topic_id`, `template`.
 *   Expected response: `200 { id }`. Any non-2xx response with a JSON body is passed
 *   through as is in `{ data: null, error }` (the SDK does not throw).
 * - `resend.batch.send([...], { idempotencyKey, batchValidation })` → `POST /emails/batch`
 *   (body: an array; header `x-batch-validation: strict|permissive`), response
 *   `{ data: [{ id }], errors? }`.
 * - `resend.emails.get(id)` → `GET /emails/:id`.
 *
 * The SDK concatenates `${baseUrl}${path}`: a base URL with a trailing slash yields
 * `//emails`, which is tolerated here.
 *
 * Each message is a JSON file in `dir`, so it survives a restart and can be read by eye.
 * The HTML pages are shown to people, so they are in French.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { loadConfigOrExit } from '../config/env';

// ---------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------

export interface MailSinkAttachment {
  filename: string | null;
  contentType: string | null;
  contentId: string | null;
  path: string | null;
  /** Content as received (base64 or text); null for an attachment given by `path`. */
  content: string | null;
}

export interface MailSinkMessage {
  id: string;
  /** Reception time (ISO 8601). */
  createdAt: string;
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  replyTo: string[];
  subject: string;
  html: string | null;
  text: string | null;
  headers: Record<string, string>;
  tags: { name: string; value: string }[];
  scheduledAt: string | null;
  attachments: MailSinkAttachment[];
  idempotencyKey: string | null;
  /** Internal details for idempotency, persisted so that it survives restarts. */
  sink: {
    endpoint: '/emails' | '/emails/batch';
    requestHash: string;
    batchIndex: number | null;
    /** Shared by the messages of one request (a batch), so they are replayed together. */
    requestId: string;
  };
}

export interface MailSinkOptions {
  /** 0 picks a free port. */
  port: number;
  /** Directory where each message is written (created if needed). */
  dir: string;
  /** Listen address, 127.0.0.1 by default. */
  host?: string;
}

export interface MailSink {
  /** Base URL to give the SDK (`RESEND_BASE_URL` or `{ baseUrl }`). */
  url: string;
  port: number;
  stop(): Promise<void>;
}

interface ResendError {
  statusCode: number;
  name: string;
  message: string;
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000; // like Resend: keys are valid for 24 h
const MAX_RECIPIENTS = 50;
const MAX_BATCH = 100;
const EMAIL_RE = /^[^\s@<>]+@[^\s@<>]+$/;

function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** `Nom <a@b.fr>` → `a@b.fr` ; `A@B.fr` → `a@b.fr`. */
export function emailAddressOf(value: string): string {
  const m = /<([^<>]+)>\s*$/.exec(value);
  return (m?.[1] ?? value).trim().toLowerCase();
}

function isValidAddress(value: string): boolean {
  const trimmed = value.trim();
  const m = /^(.*)<([^<>]+)>$/.exec(trimmed);
  return EMAIL_RE.test(m ? (m[2] ?? '').trim() : trimmed);
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function hashRequest(endpoint: string, body: unknown): string {
  return createHash('sha256').update(endpoint).update('\n').update(stableStringify(body)).digest('hex');
}

function fileNameFor(message: MailSinkMessage): string {
  return `${message.createdAt.replace(/[:.]/g, '-')}_${message.id}.json`;
}

function err(statusCode: number, name: string, message: string): ResendError {
  return { statusCode, name, message };
}

function asList(value: unknown): string[] | null {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  return null;
}

type ValidatedEmail = Omit<MailSinkMessage, 'id' | 'createdAt' | 'idempotencyKey' | 'sink'>;

const ADDRESS_FORMAT = 'The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.';

/** Validates an email in the Resend API format (snake_case). */
function validateEmail(raw: unknown, batch: boolean): { ok: true; email: ValidatedEmail } | { ok: false; error: ResendError } {
  const fail = (name: string, message: string) => ({ ok: false as const, error: err(422, name, message) });
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return fail('validation_error', 'The request body must be a JSON object.');
  }
  const body = raw as Record<string, unknown>;

  if (body.from === undefined || body.from === null || body.from === '') return fail('missing_required_field', 'Missing `from` field.');
  if (typeof body.from !== 'string' || !isValidAddress(body.from)) return fail('validation_error', `Invalid \`from\` field. ${ADDRESS_FORMAT}`);

  const to = asList(body.to);
  if (to === null) return fail('validation_error', 'Invalid `to` field. Expected a string or an array of strings.');
  if (to.length === 0 || to.every((t) => t.trim() === '')) return fail('missing_required_field', 'Missing `to` field.');
  if (to.length > MAX_RECIPIENTS) return fail('validation_error', `Invalid \`to\` field. Maximum ${MAX_RECIPIENTS} recipients.`);
  if (!to.every(isValidAddress)) return fail('validation_error', `Invalid \`to\` field. ${ADDRESS_FORMAT}`);

  if (body.subject === undefined || body.subject === null || body.subject === '') return fail('missing_required_field', 'Missing `subject` field.');
  if (typeof body.subject !== 'string') return fail('validation_error', 'Invalid `subject` field. Expected a string.');

  for (const field of ['html', 'text'] as const) {
    if (body[field] !== undefined && body[field] !== null && typeof body[field] !== 'string') {
      return fail('validation_error', `Invalid \`${field}\` field. Expected a string.`);
    }
  }
  const html = typeof body.html === 'string' && body.html !== '' ? body.html : null;
  const text = typeof body.text === 'string' && body.text !== '' ? body.text : null;
  if (html === null && text === null) return fail('missing_required_field', 'Missing `html` or `text` field.');

  const lists: Record<'cc' | 'bcc' | 'reply_to', string[]> = { cc: [], bcc: [], reply_to: [] };
  for (const field of ['cc', 'bcc', 'reply_to'] as const) {
    const list = asList(body[field]);
    if (list === null || !list.every(isValidAddress)) return fail('validation_error', `Invalid \`${field}\` field. ${ADDRESS_FORMAT}`);
    lists[field] = list;
  }

  let headers: Record<string, string> = {};
  if (body.headers !== undefined && body.headers !== null) {
    if (typeof body.headers !== 'object' || Array.isArray(body.headers) || !Object.values(body.headers).every((v) => typeof v === 'string')) {
      return fail('validation_error', 'Invalid `headers` field. Expected an object of string values.');
    }
    headers = body.headers as Record<string, string>;
  }

  let tags: { name: string; value: string }[] = [];
  if (body.tags !== undefined && body.tags !== null) {
    const ok =
      Array.isArray(body.tags) &&
      body.tags.every(
        (t: unknown) =>
          t !== null && typeof t === 'object' && typeof (t as { name?: unknown }).name === 'string' && typeof (t as { value?: unknown }).value === 'string',
      );
    if (!ok) return fail('validation_error', 'Invalid `tags` field. Expected an array of { name, value } strings.');
    tags = (body.tags as { name: string; value: string }[]).map(({ name, value }) => ({ name, value }));
    const bad = tags.find((t) => !/^[A-Za-z0-9_-]{1,256}$/.test(t.name) || !/^[A-Za-z0-9_-]{1,256}$/.test(t.value));
    if (bad) return fail('validation_error', 'Invalid `tags` field. Tag names and values can only contain ASCII letters, numbers, underscores or dashes.');
  }

  if (batch && body.attachments !== undefined && body.attachments !== null) {
    return fail('validation_error', 'The `attachments` field is not supported for batch emails.');
  }
  if (batch && body.scheduled_at !== undefined && body.scheduled_at !== null) {
    return fail('validation_error', 'The `scheduled_at` field is not supported for batch emails.');
  }

  let attachments: MailSinkAttachment[] = [];
  if (body.attachments !== undefined && body.attachments !== null) {
    if (!Array.isArray(body.attachments)) return fail('validation_error', 'Invalid `attachments` field. Expected an array.');
    attachments = body.attachments.map((a: unknown) => {
      const o = (a ?? {}) as Record<string, unknown>;
      const s = (v: unknown) => (typeof v === 'string' ? v : null);
      return { filename: s(o.filename), contentType: s(o.content_type), contentId: s(o.content_id), path: s(o.path), content: s(o.content) };
    });
  }

  return {
    ok: true,
    email: {
      from: body.from,
      to,
      cc: lists.cc,
      bcc: lists.bcc,
      replyTo: lists.reply_to,
      subject: body.subject,
      html,
      text,
      headers,
      tags,
      scheduledAt: typeof body.scheduled_at === 'string' ? body.scheduled_at : null,
      attachments,
    },
  };
}

/** Resend's `GET /emails/:id` representation. */
function toResendEmail(m: MailSinkMessage) {
  return {
    object: 'email' as const,
    id: m.id,
    to: m.to,
    from: m.from,
    created_at: m.createdAt,
    subject: m.subject,
    html: m.html,
    text: m.text,
    bcc: m.bcc.length ? m.bcc : null,
    cc: m.cc.length ? m.cc : null,
    reply_to: m.replyTo.length ? m.replyTo : null,
    last_event: 'delivered' as const,
    scheduled_at: m.scheduledAt,
    tags: m.tags,
    message_id: `<${m.id}@mail-sink.local>`,
  };
}

function matchesRecipient(m: MailSinkMessage, to: string): boolean {
  const wanted = emailAddressOf(to);
  return [...m.to, ...m.cc, ...m.bcc].some((r) => emailAddressOf(r) === wanted);
}

// ---------------------------------------------------------------------------
// Storage
// ---------------------------------------------------------------------------

interface IdempotencyEntry {
  endpoint: string;
  requestHash: string;
  requestId: string;
  createdAt: string;
  ids: string[];
}

class MailStore {
  /** Insertion order is chronological order (oldest first). */
  private readonly messages = new Map<string, MailSinkMessage>();
  private readonly idempotency = new Map<string, IdempotencyEntry>();
  private lastCreatedMs = 0;

  constructor(private readonly dir: string) {}

  /** Strictly increasing reception times, so that the order survives a restart (files are sorted by it). */
  nextCreatedAt(): string {
    this.lastCreatedMs = Math.max(Date.now(), this.lastCreatedMs + 1);
    return new Date(this.lastCreatedMs).toISOString();
  }

  async load(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const loaded: { file: string; message: MailSinkMessage }[] = [];
    for (const file of await readdir(this.dir)) {
      if (!file.endsWith('.json')) continue;
      try {
        const message = JSON.parse(await readFile(path.join(this.dir, file), 'utf8')) as MailSinkMessage;
        if (typeof message.id !== 'string' || typeof message.createdAt !== 'string') throw new Error('missing id/createdAt');
        loaded.push({ file, message });
      } catch (e) {
        console.warn(`[mail-sink] skipping file ${file}: ${(e as Error).message}`);
      }
    }
    for (const { message } of loaded) this.lastCreatedMs = Math.max(this.lastCreatedMs, Date.parse(message.createdAt) || 0);
    loaded.sort((a, b) => (a.message.createdAt === b.message.createdAt ? (a.file < b.file ? -1 : 1) : a.message.createdAt < b.message.createdAt ? -1 : 1));
    for (const { message } of loaded) {
      this.messages.set(message.id, message);
      this.remember(message);
    }
  }

  private remember(m: MailSinkMessage): void {
    if (!m.idempotencyKey || !m.sink) return;
    const current = this.idempotency.get(m.idempotencyKey);
    const requestId = m.sink.requestId ?? m.id;
    const entry: IdempotencyEntry =
      current && current.requestId === requestId
        ? current
        : { endpoint: m.sink.endpoint, requestHash: m.sink.requestHash, requestId, createdAt: m.createdAt, ids: [] };
    entry.ids[m.sink.batchIndex ?? 0] = m.id;
    this.idempotency.set(m.idempotencyKey, entry);
  }

  /** Result of an already handled idempotent request (or an error if the payload differs). */
  lookupIdempotent(key: string, endpoint: string, requestHash: string): { ids: string[] } | { error: ResendError } | null {
    const entry = this.idempotency.get(key);
    if (!entry) return null;
    if (Date.now() - Date.parse(entry.createdAt) > IDEMPOTENCY_TTL_MS) return null;
    if (entry.endpoint !== endpoint || entry.requestHash !== requestHash) {
      return {
        error: err(
          409,
          'invalid_idempotent_request',
          'Same idempotency key used with a different request payload. Change your idempotency key or payload.',
        ),
      };
    }
    return { ids: entry.ids };
  }

  /**
   * Stores messages in memory first (synchronously, so two concurrent requests with the same
   * key get the same id), then on disk (atomic write).
   */
  async add(messages: MailSinkMessage[]): Promise<void> {
    for (const m of messages) {
      this.messages.set(m.id, m);
      this.remember(m);
    }
    try {
      await Promise.all(
        messages.map(async (m) => {
          const file = path.join(this.dir, fileNameFor(m));
          await writeFile(`${file}.tmp`, `${JSON.stringify(m, null, 2)}\n`, 'utf8');
          await rename(`${file}.tmp`, file);
        }),
      );
    } catch (e) {
      for (const m of messages) {
        this.messages.delete(m.id);
        if (m.idempotencyKey && this.idempotency.get(m.idempotencyKey)?.ids.includes(m.id)) this.idempotency.delete(m.idempotencyKey);
      }
      throw e;
    }
  }

  get(id: string): MailSinkMessage | undefined {
    return this.messages.get(id);
  }

  /** Newest first. */
  list(filter: { to?: string } = {}): MailSinkMessage[] {
    const all = [...this.messages.values()].reverse();
    return filter.to ? all.filter((m) => matchesRecipient(m, filter.to as string)) : all;
  }

  async clear(): Promise<number> {
    const count = this.messages.size;
    this.messages.clear();
    this.idempotency.clear();
    for (const file of await readdir(this.dir)) {
      if (file.endsWith('.json') || file.endsWith('.json.tmp')) await unlink(path.join(this.dir, file)).catch(() => undefined);
    }
    return count;
  }
}

// ---------------------------------------------------------------------------
// HTML pages (shown to people, hence in French)
// ---------------------------------------------------------------------------

const STYLE = `
  body { font-family: system-ui, sans-serif; margin: 0; color: #161616; background: #f6f6f6; }
  header.top { background: #000091; color: #fff; padding: 12px 24px; display: flex; align-items: center; gap: 16px; }
  header.top a { color: #fff; }
  main { padding: 16px 24px; }
  table { border-collapse: collapse; width: 100%; background: #fff; }
  th, td { text-align: left; padding: 8px 10px; border-bottom: 1px solid #ddd; vertical-align: top; }
  th { background: #eee; }
  dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; background: #fff; padding: 12px 16px; margin: 0 0 16px; }
  dl.meta dt { font-weight: bold; }
  dl.meta dd { margin: 0; word-break: break-all; }
  iframe { width: 100%; height: 70vh; border: 1px solid #ccc; background: #fff; }
  pre { white-space: pre-wrap; background: #fff; padding: 12px; border: 1px solid #ccc; }
  .muted { color: #666; }
  button { cursor: pointer; }
`;

function formatDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  try {
    return d.toLocaleString('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'medium' });
  } catch {
    return iso;
  }
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>
<header class="top"><strong>📬 Boîte aux lettres locale</strong><a href="/">Tous les messages</a></header>
<main>
${body}
</main>
</body>
</html>`;
}

function renderIndex(messages: MailSinkMessage[]): string {
  const rows = messages
    .map(
      (m) => `<tr>
  <td title="${escapeHtml(m.createdAt)}">${escapeHtml(formatDate(m.createdAt))}</td>
  <td>${escapeHtml(m.to.join(', '))}</td>
  <td><a href="/messages/${encodeURIComponent(m.id)}">${escapeHtml(m.subject)}</a></td>
  <td class="muted">${escapeHtml(m.from)}</td>
</tr>`,
    )
    .join('\n');
  return page(
    'Boîte aux lettres locale',
    `<h1>Boîte aux lettres locale</h1>
<p class="muted">Les e-mails envoyés par l'application sans clé Resend arrivent ici, le plus récent en premier.
${messages.length} message(s). <a href="/">Actualiser</a> ·
<button type="button" onclick="if (confirm('Supprimer tous les messages ?')) fetch('/api/messages', { method: 'DELETE' }).then(() => location.reload())">Vider la boîte</button></p>
${
  messages.length === 0
    ? '<p>Aucun message pour le moment.</p>'
    : `<table>
<thead><tr><th>Date</th><th>Destinataire(s)</th><th>Objet</th><th>Expéditeur</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`
}`,
  );
}

function extractLinks(html: string): string[] {
  const links = new Set<string>();
  const re = /href\s*=\s*(?:"([^"]*)"|'([^']*)')/gi;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    const href = (m[1] ?? m[2] ?? '').replace(/&amp;/g, '&').trim();
    if (href && !href.startsWith('#')) links.add(href);
  }
  return [...links];
}

function renderMessage(m: MailSinkMessage): string {
  const row = (label: string, value: string) => (value ? `<dt>${escapeHtml(label)}</dt><dd>${value}</dd>` : '');
  const links = m.html ? extractLinks(m.html) : [];
  const headers = Object.entries(m.headers);
  return page(
    m.subject,
    `<h1>${escapeHtml(m.subject)}</h1>
<dl class="meta">
${row('De', escapeHtml(m.from))}
${row('À', escapeHtml(m.to.join(', ')))}
${row('Cc', escapeHtml(m.cc.join(', ')))}
${row('Cci', escapeHtml(m.bcc.join(', ')))}
${row('Répondre à', escapeHtml(m.replyTo.join(', ')))}
${row('Objet', escapeHtml(m.subject))}
${row('Date', `<span title="${escapeHtml(m.createdAt)}">${escapeHtml(formatDate(m.createdAt))}</span>`)}
${row('Identifiant', `<code>${escapeHtml(m.id)}</code>`)}
${row("Clé d'idempotence", m.idempotencyKey ? `<code>${escapeHtml(m.idempotencyKey)}</code>` : '')}
${row('Étiquettes', escapeHtml(m.tags.map((t) => `${t.name}=${t.value}`).join(', ')))}
${row('En-têtes', escapeHtml(headers.map(([k, v]) => `${k}: ${v}`).join(' ; ')))}
${row('Pièces jointes', escapeHtml(m.attachments.map((a) => a.filename ?? a.path ?? '(sans nom)').join(', ')))}
${row('Liens', links.map((l) => `<a href="${escapeHtml(l)}" target="_blank" rel="noopener">${escapeHtml(l)}</a>`).join('<br>'))}
${row('Formats', `<a href="/api/messages/${encodeURIComponent(m.id)}">JSON</a>${m.html ? ` · <a href="/messages/${encodeURIComponent(m.id)}/html">HTML brut</a>` : ''}`)}
</dl>
${m.html ? `<iframe title="Contenu HTML du message" sandbox="allow-popups allow-popups-to-escape-sandbox" srcdoc="${escapeHtml(m.html)}"></iframe>` : ''}
${m.text ? `<h2>Version texte</h2><pre>${escapeHtml(m.text)}</pre>` : ''}`,
  );
}

// ---------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------

function createApp(store: MailStore): Hono {
  const app = new Hono();

  const resendError = (c: Context, e: ResendError) => c.json(e, e.statusCode as 400);

  /** Like the Resend API, an `Authorization: Bearer …` key is required (any value). */
  const requireApiKey = (c: Context): ResendError | null => {
    const auth = c.req.header('authorization');
    if (!auth) {
      return err(
        401,
        'missing_api_key',
        'Missing API key in the authorization header. Include the following header in the request: Authorization: Bearer YOUR_API_KEY',
      );
    }
    if (!/^Bearer\s+\S+/i.test(auth)) return err(400, 'validation_error', 'API key is invalid');
    return null;
  };

  const readJson = async (c: Context): Promise<{ ok: true; body: unknown } | { ok: false; error: ResendError }> => {
    const raw = await c.req.text();
    try {
      return { ok: true, body: JSON.parse(raw) as unknown };
    } catch {
      return { ok: false, error: err(422, 'validation_error', 'Invalid JSON body.') };
    }
  };

  const readIdempotencyKey = (c: Context): { key: string | null } | { error: ResendError } => {
    const key = c.req.header('idempotency-key');
    if (key === undefined) return { key: null };
    if (key.length < 1 || key.length > 256) {
      return { error: err(400, 'invalid_idempotency_key', 'The key must be between 1-256 chars.') };
    }
    return { key };
  };

  app.post('/emails', async (c) => {
    const authError = requireApiKey(c);
    if (authError) return resendError(c, authError);
    const idem = readIdempotencyKey(c);
    if ('error' in idem) return resendError(c, idem.error);
    const parsed = await readJson(c);
    if (!parsed.ok) return resendError(c, parsed.error);

    const requestHash = hashRequest('/emails', parsed.body);
    if (idem.key) {
      const previous = store.lookupIdempotent(idem.key, '/emails', requestHash);
      if (previous && 'error' in previous) return resendError(c, previous.error);
      if (previous && previous.ids[0]) return c.json({ id: previous.ids[0] });
    }

    const result = validateEmail(parsed.body, false);
    if (!result.ok) return resendError(c, result.error);
    const message: MailSinkMessage = {
      id: randomUUID(),
      createdAt: store.nextCreatedAt(),
      ...result.email,
      idempotencyKey: idem.key,
      sink: { endpoint: '/emails', requestHash, batchIndex: null, requestId: randomUUID() },
    };
    await store.add([message]);
    return c.json({ id: message.id });
  });

  app.post('/emails/batch', async (c) => {
    const authError = requireApiKey(c);
    if (authError) return resendError(c, authError);
    const idem = readIdempotencyKey(c);
    if ('error' in idem) return resendError(c, idem.error);
    const parsed = await readJson(c);
    if (!parsed.ok) return resendError(c, parsed.error);
    const permissive = (c.req.header('x-batch-validation') ?? 'strict').toLowerCase() === 'permissive';

    const requestHash = hashRequest('/emails/batch', parsed.body);
    if (idem.key) {
      const previous = store.lookupIdempotent(idem.key, '/emails/batch', requestHash);
      if (previous && 'error' in previous) return resendError(c, previous.error);
      if (previous) {
        const data = previous.ids.filter((id): id is string => typeof id === 'string').map((id) => ({ id }));
        return c.json(permissive ? { data, errors: [] } : { data });
      }
    }

    const body = parsed.body;
    if (!Array.isArray(body)) return resendError(c, err(422, 'validation_error', 'The request body must be an array of emails.'));
    if (body.length === 0) return resendError(c, err(422, 'validation_error', 'The batch must contain at least one email.'));
    if (body.length > MAX_BATCH) return resendError(c, err(422, 'validation_error', `The batch cannot contain more than ${MAX_BATCH} emails.`));

    const messages: MailSinkMessage[] = [];
    const requestId = randomUUID();
    const errors: { index: number; message: string }[] = [];
    body.forEach((raw: unknown, index: number) => {
      const result = validateEmail(raw, true);
      if (!result.ok) {
        errors.push({ index, message: result.error.message });
        return;
      }
      messages.push({
        id: randomUUID(),
        createdAt: store.nextCreatedAt(),
        ...result.email,
        idempotencyKey: idem.key,
        sink: { endpoint: '/emails/batch', requestHash, batchIndex: index, requestId },
      });
    });
    const firstError = errors[0];
    if (firstError && !permissive) {
      return resendError(c, err(422, 'validation_error', `emails[${firstError.index}]: ${firstError.message}`));
    }
    if (messages.length > 0) await store.add(messages);
    const data = messages.map((m) => ({ id: m.id }));
    return c.json(permissive ? { data, errors } : { data });
  });

  app.get('/emails', (c) => {
    const authError = requireApiKey(c);
    if (authError) return resendError(c, authError);
    return c.json({ object: 'list', has_more: false, data: store.list().map(toResendEmail) });
  });

  app.get('/emails/:id', (c) => {
    const authError = requireApiKey(c);
    if (authError) return resendError(c, authError);
    const message = store.get(c.req.param('id'));
    if (!message) return resendError(c, err(404, 'not_found', 'Email not found'));
    return c.json(toResendEmail(message));
  });

  // --- For people and tests ---------------------------------------------------------

  app.get('/', (c) => c.html(renderIndex(store.list())));

  app.get('/messages/:id', (c) => {
    const message = store.get(c.req.param('id'));
    if (!message) return c.html(page('Message introuvable', '<h1>Message introuvable</h1><p><a href="/">Retour à la boîte</a></p>'), 404);
    return c.html(renderMessage(message));
  });

  app.get('/messages/:id/html', (c) => {
    const message = store.get(c.req.param('id'));
    if (!message) return c.text('Message introuvable', 404);
    if (!message.html) return c.text(message.text ?? '');
    return c.html(message.html);
  });

  app.get('/api/messages', (c) => {
    const to = c.req.query('to');
    return c.json(store.list(to ? { to } : {}));
  });

  app.get('/api/messages/:id', (c) => {
    const message = store.get(c.req.param('id'));
    if (!message) return resendError(c, err(404, 'not_found', 'Message not found'));
    return c.json(message);
  });

  app.delete('/api/messages', async (c) => c.json({ deleted: await store.clear() }));

  app.notFound((c) => resendError(c, err(404, 'not_found', 'The requested endpoint does not exist.')));
  app.onError((e, c) => {
    console.error('[mail-sink]', e);
    return resendError(c, err(500, 'internal_server_error', e instanceof Error ? e.message : String(e)));
  });

  return app;
}

export async function startMailSink(opts: MailSinkOptions): Promise<MailSink> {
  const host = opts.host ?? '127.0.0.1';
  const dir = path.resolve(opts.dir);
  const store = new MailStore(dir);
  await store.load();
  const app = createApp(store);

  const server = createAdaptorServer({
    // `${baseUrl}${path}` with a baseUrl ending in "/" gives "//emails": normalise it.
    fetch: (request: Request) => {
      const url = new URL(request.url);
      if (url.pathname.includes('//')) {
        url.pathname = url.pathname.replace(/\/{2,}/g, '/');
        return app.fetch(new Request(url, request));
      }
      return app.fetch(request);
    },
    hostname: host,
  }) as Server;

  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once('error', onError);
    server.listen(opts.port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;

  let stopped: Promise<void> | null = null;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    stop() {
      stopped ??= new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        // Keep-alive connections (fetch/undici) would otherwise keep close() from completing.
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}

// ---------------------------------------------------------------------------
// Small client for tests
// ---------------------------------------------------------------------------

export interface MailSinkClient {
  url: string;
  /** Newest first; `to` filters on recipients (to/cc/bcc), case-insensitively. */
  list(filter?: { to?: string }): Promise<MailSinkMessage[]>;
  /** null if the message does not exist. */
  get(id: string): Promise<MailSinkMessage | null>;
  /** Polls `GET /api/messages` until a message satisfies `predicate` (checked newest first). */
  waitFor(
    predicate: (message: MailSinkMessage) => boolean,
    opts?: { timeoutMs?: number; intervalMs?: number; to?: string },
  ): Promise<MailSinkMessage>;
  clear(): Promise<void>;
}

export function createMailSinkClient(url: string): MailSinkClient {
  const base = url.replace(/\/+$/, '');
  const request = async (pathname: string, init?: RequestInit): Promise<Response> => {
    const response = await fetch(`${base}${pathname}`, init);
    return response;
  };
  const list = async (filter: { to?: string } = {}): Promise<MailSinkMessage[]> => {
    const qs = filter.to ? `?to=${encodeURIComponent(filter.to)}` : '';
    const response = await request(`/api/messages${qs}`);
    if (!response.ok) throw new Error(`mail-sink: GET /api/messages → ${response.status} ${await response.text()}`);
    return (await response.json()) as MailSinkMessage[];
  };
  return {
    url: base,
    list,
    async get(id) {
      const response = await request(`/api/messages/${encodeURIComponent(id)}`);
      if (response.status === 404) return null;
      if (!response.ok) throw new Error(`mail-sink: GET /api/messages/${id} → ${response.status} ${await response.text()}`);
      return (await response.json()) as MailSinkMessage;
    },
    async waitFor(predicate, opts = {}) {
      const timeoutMs = opts.timeoutMs ?? 10_000;
      const intervalMs = opts.intervalMs ?? 100;
      const deadline = Date.now() + timeoutMs;
      let last: MailSinkMessage[] = [];
      for (;;) {
        last = await list(opts.to ? { to: opts.to } : {});
        const found = last.find(predicate);
        if (found) return found;
        if (Date.now() >= deadline) break;
        await new Promise((r) => setTimeout(r, Math.min(intervalMs, Math.max(0, deadline - Date.now()))));
      }
      const seen = last.slice(0, 10).map((m) => `  - ${m.createdAt} to ${m.to.join(', ')}: ${m.subject}`);
      throw new Error(
        `mail-sink: no matching message after ${timeoutMs} ms${opts.to ? ` (filter to=${opts.to})` : ''}. ` +
          `${last.length} message(s) in the mailbox${seen.length ? `:\n${seen.join('\n')}` : '.'}`,
      );
    },
    async clear() {
      const response = await request('/api/messages', { method: 'DELETE' });
      if (!response.ok) throw new Error(`mail-sink: DELETE /api/messages → ${response.status} ${await response.text()}`);
    },
  };
}

// ---------------------------------------------------------------------------
// Direct launch: `npx tsx dev/mail-sink.ts`
// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const { mail, dataDir } = loadConfigOrExit();
  const dir = path.join(dataDir, 'mail');
  const sink = await startMailSink({ port: mail.sinkPort, host: mail.sinkHost, dir });
  console.log(`📬 Local mailbox: ${sink.url}  (messages in ${path.relative(process.cwd(), dir) || dir})`);
  console.log(`   For the application: RESEND_BASE_URL=${sink.url}`);
  const shutdown = () => {
    sink.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
