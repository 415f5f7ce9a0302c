/** What the drill and the throughput benchmark send to an API instance: a login, an account creation. */

export const CREATION_SUBJECT = 'Vous pouvez créer votre mot de passe';

/** The session token of `loginId`. */
export async function login(api: string, loginId: string, password: string): Promise<string> {
  const response = await fetch(`${api}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ loginId, password }),
  });
  if (!response.ok) throw new Error(`login ${loginId}: HTTP ${response.status} ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
}

/** An admin's « Créer un compte » for `email`: one POST; its answer's status and Retry-After (the body is read and dropped). */
export async function postAccount(
  api: string,
  opts: { token: string; establishmentId: string; email: string; lastName: string; firstName: string; idempotencyKey: string },
): Promise<{ status: number; retryAfterSeconds: number | null }> {
  const response = await fetch(`${api}/establishments/${opts.establishmentId}/accounts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json', 'idempotency-key': opts.idempotencyKey },
    body: JSON.stringify({
      profile: 'user',
      civility: 'madame',
      lastName: opts.lastName,
      firstName: opts.firstName,
      email: opts.email,
      emailConfirmation: opts.email,
      phone: '0241051938',
      serviceFunction: 'Ressources humaines',
      rights: { 'affiliation-cnracl': 'write' },
    }),
    signal: AbortSignal.timeout(60_000),
  });
  await response.arrayBuffer();
  const retryAfter = response.headers.get('retry-after');
  return { status: response.status, retryAfterSeconds: retryAfter === null ? null : Number(retryAfter) };
}
