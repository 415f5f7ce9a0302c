import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Resend } from 'resend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailSinkClient, startMailSink, type MailSink, type MailSinkMessage } from '../../dev/mail-sink';

describe('mail sink (local stand-in for Resend)', () => {
  let dir: string;
  let sink: MailSink;
  let resend: Resend;
  const email = { from: "Pep's <ne-pas-repondre@peps.localhost>", to: ['idem@mairie.test'], subject: 'Une seule fois', text: 'x' };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mail-sink-'));
    sink = await startMailSink({ port: 0, dir });
    resend = new Resend('re_local_sink', { baseUrl: sink.url });
  });

  afterAll(async () => {
    await sink?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps what the Resend SDK sends as a file, in the JSON API and on the pages', async () => {
    const { data, error } = await resend.emails.send({
      from: "Pep's <ne-pas-repondre@peps.localhost>",
      to: 'Agent.Public@Mairie.test',
      subject: 'Votre compte est créé',
      html: '<p>Bonjour, <a href="https://peps.test/password?token=abc&amp;x=1">créer</a></p>',
      text: 'Bonjour',
      tags: [{ name: 'category', value: 'activation' }],
    });
    expect(error).toBeNull();
    const id = data!.id;
    const client = createMailSinkClient(sink.url);

    expect(await client.get(id)).toMatchObject({ id, to: ['Agent.Public@Mairie.test'], subject: 'Votre compte est créé', text: 'Bonjour', idempotencyKey: null });
    expect((await client.list({ to: 'agent.public@mairie.test' })).map((m) => m.id)).toEqual([id]);
    expect(await client.list({ to: 'personne@mairie.test' })).toEqual([]);
    const file = (await readdir(dir)).find((f) => f.endsWith(`_${id}.json`))!;
    expect((JSON.parse(await readFile(path.join(dir, file), 'utf8')) as MailSinkMessage).subject).toBe('Votre compte est créé');

    const index = await (await fetch(`${sink.url}/`)).text();
    expect(index).toContain('Boîte aux lettres locale');
    expect(index).toContain(`<a href="/messages/${id}">Votre compte est créé</a>`);
    const page = await (await fetch(`${sink.url}/messages/${id}`)).text();
    expect(page).toContain('Pep&#39;s &lt;ne-pas-repondre@peps.localhost&gt;'); // escaped
    expect(page).toContain('srcdoc="&lt;p&gt;Bonjour, &lt;a href=&quot;https://peps.test/password?token=abc&amp;amp;x=1&quot;');
    expect(await (await fetch(`${sink.url}/messages/${id}/html`)).text()).toContain('<a href="https://peps.test/password?token=abc&amp;x=1">');
    expect((await fetch(`${sink.url}/messages/inconnu`)).status).toBe(404);
    expect(await client.get('inconnu')).toBeNull();
  });

  it("follows Resend's idempotency: same key and body → same id, another body → 409", async () => {
    const sends = await Promise.all([1, 2, 3].map(() => resend.emails.send(email, { idempotencyKey: 'activation/req-42' })));
    expect(new Set(sends.map((s) => s.data?.id)).size).toBe(1);
    const conflicting = await resend.emails.send({ ...email, subject: 'Autre' }, { idempotencyKey: 'activation/req-42' });
    expect(conflicting.data).toBeNull();
    expect(conflicting.error).toMatchObject({ statusCode: 409, name: 'invalid_idempotent_request' });
    const messages = await createMailSinkClient(sink.url).list({ to: 'idem@mairie.test' });
    expect(messages.map((m) => [m.id, m.idempotencyKey])).toEqual([[sends[0]!.data!.id, 'activation/req-42']]);
  });

  it('refuses what Resend refuses: a missing subject or body', async () => {
    const noSubject = await resend.emails.send({ ...email, subject: '' });
    expect(noSubject.error).toMatchObject({ statusCode: 422, name: 'validation_error' });
    const noBody = await resend.emails.send({ from: email.from, to: email.to, subject: 's' } as never);
    expect(noBody.error).toMatchObject({ statusCode: 422, name: 'validation_error' });
    expect(noBody.error?.message).toContain('`html` or `text`');
  });

  it('finds its messages, their order and their idempotency keys after a restart; empties on request', async () => {
    const client = createMailSinkClient(sink.url);
    const before = await client.list();
    await sink.stop();
    sink = await startMailSink({ port: 0, dir });
    resend = new Resend('re_local_sink', { baseUrl: `${sink.url}/` }); // a trailing slash is tolerated
    const again = createMailSinkClient(sink.url);
    expect((await again.list()).map((m) => m.id)).toEqual(before.map((m) => m.id));
    const retry = await resend.emails.send(email, { idempotencyKey: 'activation/req-42' });
    expect(retry.data?.id).toBe(before.find((m) => m.idempotencyKey === 'activation/req-42')?.id);

    await again.clear();
    expect(await again.list()).toEqual([]);
    expect((await readdir(dir)).filter((f) => f.endsWith('.json'))).toEqual([]);
    await expect(again.waitFor(() => true, { timeoutMs: 200 })).rejects.toThrow(/no matching message/);
  });
});
