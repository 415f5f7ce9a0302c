import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Resend } from 'resend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailSinkClient, startMailSink, type MailSink, type MailSinkMessage } from '../../dev/mail-sink';

describe('mail-sink (local fake Resend)', () => {
  let dir: string;
  let sink: MailSink;
  let resend: Resend;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mail-sink-'));
    sink = await startMailSink({ port: 0, dir });
    // The SDK reads RESEND_BASE_URL in its constructor; the `baseUrl` option takes precedence.
    resend = new Resend('re_test_local', { baseUrl: sink.url });
  });

  afterAll(async () => {
    await sink?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('listens on a real port', () => {
    expect(sink.port).toBeGreaterThan(0);
    expect(sink.url).toBe(`http://127.0.0.1:${sink.port}`);
  });

  it('receives an email sent by the Resend SDK and returns it', async () => {
    const client = createMailSinkClient(sink.url);
    const { data, error } = await resend.emails.send({
      from: 'PEPS <noreply@peps.example.gouv.fr>',
      to: 'Agent.Public@Example.fr',
      subject: 'Votre compte est créé',
      html: '<p>Bonjour, <a href="https://peps.example/activer?t=abc&amp;x=1">activer</a></p>',
      text: 'Bonjour',
      replyTo: 'support@peps.example.gouv.fr',
      headers: { 'X-Entity-Ref-ID': 'req-1' },
      tags: [{ name: 'category', value: 'account_created' }],
    });
    expect(error).toBeNull();
    expect(data?.id).toMatch(/^[0-9a-f-]{36}$/);
    const id = data!.id;

    const message = await client.get(id);
    expect(message).toMatchObject({
      id,
      from: 'PEPS <noreply@peps.example.gouv.fr>',
      to: ['Agent.Public@Example.fr'],
      replyTo: ['support@peps.example.gouv.fr'],
      subject: 'Votre compte est créé',
      text: 'Bonjour',
      headers: { 'X-Entity-Ref-ID': 'req-1' },
      tags: [{ name: 'category', value: 'account_created' }],
      idempotencyKey: null,
    });
    expect(new Date(message!.createdAt).toISOString()).toBe(message!.createdAt);

    // Recipient filter is case-insensitive.
    expect((await client.list({ to: 'agent.public@example.fr' })).map((m) => m.id)).toContain(id);
    expect(await client.list({ to: 'personne@example.fr' })).toEqual([]);
    const found = await client.waitFor((m) => m.subject === 'Votre compte est créé', { timeoutMs: 2000 });
    expect(found.id).toBe(id);

    // One readable JSON file per message.
    const files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
    expect(files.some((f) => f.includes(id))).toBe(true);
    const onDisk = JSON.parse(await readFile(path.join(dir, files.find((f) => f.includes(id))!), 'utf8')) as MailSinkMessage;
    expect(onDisk.subject).toBe('Votre compte est créé');

    // HTML pages for people.
    const index = await (await fetch(`${sink.url}/`)).text();
    expect(index).toContain('Boîte aux lettres locale');
    expect(index).toContain('Votre compte est créé');
    expect(index).toContain(`/messages/${id}`);
    const pageRes = await fetch(`${sink.url}/messages/${id}`);
    expect(pageRes.status).toBe(200);
    const page = await pageRes.text();
    expect(page).toContain('noreply@peps.example.gouv.fr');
    expect(page).toContain('https://peps.example/activer?t=abc&amp;x=1'); // extracted link, HTML-escaped

    // Resend-style retrieval.
    const got = await resend.emails.get(id);
    expect(got.error).toBeNull();
    expect(got.data).toMatchObject({ object: 'email', id, subject: 'Votre compte est créé', to: ['Agent.Public@Example.fr'] });
  });

  it('honours Idempotency-Key: same key and payload → same id, a single message', async () => {
    const client = createMailSinkClient(sink.url);
    const payload = { from: 'noreply@peps.example', to: ['idem@example.fr'], subject: 'Une seule fois', text: 'x' };
    const first = await resend.emails.send(payload, { idempotencyKey: 'demande-42/compte-cree' });
    const second = await resend.emails.send(payload, { idempotencyKey: 'demande-42/compte-cree' });
    expect(first.error).toBeNull();
    expect(second.error).toBeNull();
    expect(second.data?.id).toBe(first.data?.id);
    const messages = await client.list({ to: 'idem@example.fr' });
    expect(messages).toHaveLength(1);
    expect(messages[0]?.idempotencyKey).toBe('demande-42/compte-cree');

    // Same key, different payload → 409, like Resend.
    const conflicting = await resend.emails.send({ ...payload, subject: 'Autre' }, { idempotencyKey: 'demande-42/compte-cree' });
    expect(conflicting.data).toBeNull();
    expect(conflicting.error).toMatchObject({ statusCode: 409, name: 'invalid_idempotent_request' });
    expect(await client.list({ to: 'idem@example.fr' })).toHaveLength(1);
  });

  it('returns a Resend-style error (no exception) when a field is missing', async () => {
    const result = await resend.emails.send({ from: 'noreply@peps.example', to: 'a@example.fr', text: 'x' } as never);
    expect(result.data).toBeNull();
    expect(result.error).toMatchObject({ statusCode: 422, name: 'missing_required_field' });
    expect(result.error?.message).toMatch(/subject/);

    const noBody = await resend.emails.send({ from: 'noreply@peps.example', to: 'a@example.fr', subject: 's' } as never);
    expect(noBody.error).toMatchObject({ statusCode: 422 });

    const badFrom = await resend.emails.send({ from: 'pas une adresse', to: 'a@example.fr', subject: 's', text: 'x' });
    expect(badFrom.error).toMatchObject({ statusCode: 422, name: 'validation_error' });

    const noKey = await fetch(`${sink.url}/emails`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ statusCode: 401, name: 'missing_api_key' });
  });

  it('accepts batch sends (POST /emails/batch)', async () => {
    const client = createMailSinkClient(sink.url);
    const { data, error } = await resend.batch.send(
      [
        { from: 'noreply@peps.example', to: 'lot1@example.fr', subject: 'Lot 1', text: '1' },
        { from: 'noreply@peps.example', to: 'lot2@example.fr', subject: 'Lot 2', html: '<b>2</b>' },
      ],
      { idempotencyKey: 'lot-1' },
    );
    expect(error).toBeNull();
    expect(data?.data).toHaveLength(2);
    const again = await resend.batch.send(
      [
        { from: 'noreply@peps.example', to: 'lot1@example.fr', subject: 'Lot 1', text: '1' },
        { from: 'noreply@peps.example', to: 'lot2@example.fr', subject: 'Lot 2', html: '<b>2</b>' },
      ],
      { idempotencyKey: 'lot-1' },
    );
    expect(again.data?.data).toEqual(data?.data);
    expect(await client.list({ to: 'lot1@example.fr' })).toHaveLength(1);
    expect(await client.list({ to: 'lot2@example.fr' })).toHaveLength(1);

    const invalid = await resend.batch.send([{ from: 'noreply@peps.example', to: 'x@example.fr', subject: '', text: 'x' }]);
    expect(invalid.error).toMatchObject({ statusCode: 422 });
  });

  it('also works through RESEND_BASE_URL (read when the client is constructed)', async () => {
    const previous = process.env.RESEND_BASE_URL;
    process.env.RESEND_BASE_URL = `${sink.url}/`; // a trailing slash must be tolerated
    try {
      const viaEnv = new Resend('re_test_env');
      expect(viaEnv.baseUrl).toBe(`${sink.url}/`);
      const { data, error } = await viaEnv.emails.send({ from: 'a@peps.example', to: 'env@example.fr', subject: 'Via env', text: 'x' });
      expect(error).toBeNull();
      expect(data?.id).toBeTruthy();
    } finally {
      if (previous === undefined) delete process.env.RESEND_BASE_URL;
      else process.env.RESEND_BASE_URL = previous;
    }
  });

  it('keeps messages (and idempotency keys) across a restart', async () => {
    const before = await createMailSinkClient(sink.url).list();
    expect(before.length).toBeGreaterThan(0);
    const idem = before.find((m) => m.idempotencyKey === 'demande-42/compte-cree')!;
    await sink.stop();

    sink = await startMailSink({ port: 0, dir });
    resend = new Resend('re_test_local', { baseUrl: sink.url });
    const client = createMailSinkClient(sink.url);
    const after = await client.list();
    expect(after.map((m) => m.id)).toEqual(before.map((m) => m.id)); // same order, newest first
    expect((await (await fetch(`${sink.url}/`)).text())).toContain('Votre compte est créé');

    const retry = await resend.emails.send(
      { from: 'noreply@peps.example', to: ['idem@example.fr'], subject: 'Une seule fois', text: 'x' },
      { idempotencyKey: 'demande-42/compte-cree' },
    );
    expect(retry.data?.id).toBe(idem.id);
    expect(await client.list({ to: 'idem@example.fr' })).toHaveLength(1);
  });

  it('empties with DELETE /api/messages, and waitFor fails cleanly', async () => {
    const client = createMailSinkClient(sink.url);
    await client.clear();
    expect(await client.list()).toEqual([]);
    expect((await readdir(dir)).filter((f) => f.endsWith('.json'))).toEqual([]);
    await expect(client.waitFor(() => true, { timeoutMs: 200 })).rejects.toThrow(/no matching message/);
    expect(await client.get('inexistant')).toBeNull();
  });
});
