/**
 * The page the email's link opens: a form that posts to POST /auth/password. Plain HTML and a few
 * lines of script; the token stays in the page, never in a log line or a referrer (no-referrer).
 */
export function passwordPage(): string {
  return `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Créer votre mot de passe — Pep's</title>
<style>
body{font-family:Arial,sans-serif;max-width:520px;margin:40px auto;color:#1b1b35;padding:0 16px}
label{display:block;margin-top:16px;font-weight:bold}
input{width:100%;padding:8px;font-size:16px;box-sizing:border-box}
button{margin-top:20px;padding:10px 18px;background:#2b3a8c;color:#fff;border:0;border-radius:4px;font-size:16px}
.error{color:#b00020}.ok{color:#106b21}
</style>
</head>
<body>
<p><strong>pep's</strong> — plateforme employeurs publics</p>
<h1>Créer votre mot de passe</h1>
<p>Tous les champs sont requis.</p>
<p>Votre mot de passe doit être composé au minimum de : 8 caractères, 1 chiffre, 1 majuscule, 1 minuscule, 1 caractère spécial.</p>
<form id="f">
<label for="password">Mot de passe</label>
<input id="password" name="password" type="password" autocomplete="new-password" required>
<label for="confirmation">Confirmation du mot de passe</label>
<input id="confirmation" name="confirmation" type="password" autocomplete="new-password" required>
<button type="submit">Créer</button>
</form>
<div id="result" role="status"></div>
<script>
const token = new URLSearchParams(location.search).get('token') || '';
const result = document.getElementById('result');
document.getElementById('f').addEventListener('submit', async (event) => {
  event.preventDefault();
  const response = await fetch('/auth/password', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, password: document.getElementById('password').value, passwordConfirmation: document.getElementById('confirmation').value }),
  });
  const body = await response.json();
  result.replaceChildren();
  const p = document.createElement('p');
  p.className = response.ok ? 'ok' : 'error';
  p.textContent = response.ok ? body.message + ' Votre identifiant : ' + body.loginId : body.detail;
  result.append(p);
  if (!response.ok && body.errors) {
    const ul = document.createElement('ul');
    for (const e of body.errors) { const li = document.createElement('li'); li.textContent = e.message; ul.append(li); }
    result.append(ul);
  }
  if (response.ok) document.getElementById('f').remove();
});
</script>
</body>
</html>`;
}
