/** The platform's home page, where the emails' « Accéder à la Plateforme… » link leads. */
import { html } from 'hono/html';
import { htmlPage, PLATFORM } from './shell';

export function homePage() {
  return htmlPage({
    title: 'Accueil',
    script: 'home.js',
    main: html`<h1>${PLATFORM}</h1>
<p>La plateforme des employeurs publics (communes, hôpitaux, centres de gestion…) pour accéder aux services de leurs régimes de retraite : CNRACL, Ircantec, RAFP.</p>
<h2>Se connecter</h2>
<form id="login-form">
<label for="loginId">Identifiant</label>
<input id="loginId" name="loginId" autocomplete="username" required>
<label for="password">Mot de passe</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Se connecter</button>
</form>
<div id="login-result" role="status" aria-live="polite"></div>
<details>
<summary>Mot de passe oublié ?</summary>
<form id="forgot-password-form">
<label for="identifier">Identifiant ou courriel</label>
<input id="identifier" name="identifier" required>
<button type="submit">Recevoir un lien</button>
</form>
</details>
<details>
<summary>Identifiant oublié ?</summary>
<form id="forgot-login-form">
<label for="email">Courriel du compte</label>
<input id="email" name="email" type="email" required>
<button type="submit">Recevoir mon identifiant</button>
</form>
</details>
<div id="forgot-result" role="status" aria-live="polite"></div>
<p class="muted">Vous n'avez pas de compte ? L'administrateur de votre établissement le crée et vous transmet votre identifiant ; vous recevez par courriel le lien pour créer votre mot de passe.</p>
<p class="muted">Développeurs : <a href="/docs">documentation de l'API</a>.</p>`,
  });
}
