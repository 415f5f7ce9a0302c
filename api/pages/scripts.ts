/** The browser scripts of the pages (served under /assets), plain ES2017 without a build step. */

const show = `function show(el, kind, text, items) {
  el.replaceChildren();
  const p = document.createElement('p');
  p.className = 'notice ' + kind;
  p.textContent = text;
  el.append(p);
  if (items && items.length) {
    const ul = document.createElement('ul');
    ul.className = kind;
    for (const item of items) { const li = document.createElement('li'); li.textContent = item; ul.append(li); }
    el.append(ul);
  }
  return p;
}
async function post(path, body, token) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = 'Bearer ' + token;
  const response = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await response.text();
  return { ok: response.ok, status: response.status, body: text ? JSON.parse(text) : {} };
}
`;

const PASSWORD = `${show}
const token = new URLSearchParams(location.search).get('token') || '';
const form = document.getElementById('password-form');
const result = document.getElementById('result');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const res = await post('/auth/password', { token, password: form.password.value, passwordConfirmation: form.confirmation.value });
  if (res.ok) {
    document.getElementById('form-section').remove();
    show(result, 'ok', res.body.message);
    const a = document.createElement('a');
    a.className = 'button'; a.href = '/'; a.textContent = 'Se connecter';
    result.append(a);
  } else if (res.status === 410) {
    document.getElementById('form-section').remove();
    show(result, 'error', res.body.detail);
  } else {
    show(result, 'error', res.body.detail, (res.body.errors || []).map((e) => e.message));
  }
});
`;

const HOME = `${show}
const login = document.getElementById('login-form');
const loginResult = document.getElementById('login-result');
login.addEventListener('submit', async (event) => {
  event.preventDefault();
  const res = await post('/auth/login', { loginId: login.loginId.value, password: login.password.value });
  if (!res.ok) return show(loginResult, 'error', res.body.detail, (res.body.errors || []).map((e) => e.message));
  const me = await fetch('/me', { headers: { authorization: 'Bearer ' + res.body.token } }).then((r) => r.json());
  login.remove();
  const who = me.account ? [me.account.firstName, me.account.lastName].filter(Boolean).join(' ') : res.body.account.loginId;
  const where = me.establishment && me.establishment.name ? ' — ' + me.establishment.name : '';
  show(loginResult, 'ok', 'Vous êtes connecté(e) : ' + who + where + '.', (me.notices || []).map((n) => n.message || String(n)));
  const out = document.createElement('button');
  out.textContent = 'Se déconnecter';
  out.addEventListener('click', async () => { await post('/auth/logout', {}, res.body.token); location.reload(); });
  loginResult.append(out);
});
const forgotResult = document.getElementById('forgot-result');
document.getElementById('forgot-password-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const res = await post('/auth/forgot-password', { identifier: event.target.identifier.value });
  show(forgotResult, res.ok ? 'ok' : 'error', res.body.message || res.body.detail);
});
document.getElementById('forgot-login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const res = await post('/auth/forgot-login-id', { email: event.target.email.value });
  show(forgotResult, res.ok ? 'ok' : 'error', res.body.message || res.body.detail);
});
`;

export const PAGE_SCRIPTS: Record<string, string> = { 'password.js': PASSWORD, 'home.js': HOME };
