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

export const PAGE_SCRIPTS: Record<string, string> = { 'password.js': PASSWORD };
