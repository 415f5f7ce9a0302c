/**
 * The page a password link opens. The link is checked when the page opens: a dead or bogus link
 * gets a page that says so and how to get a new one, never a form. The login id is not shown:
 * the guide has the administrator hand it over (« Vous seul pouvez le lui transmettre »).
 */
import { html } from 'hono/html';
import type { LinkPurpose } from '../../workflows/password-link-story';
import { htmlPage } from './shell';

const TITLES: Record<LinkPurpose, { title: string; button: string }> = {
  activation: { title: 'Créer votre mot de passe', button: 'Créer mon mot de passe' },
  password_reset: { title: 'Choisir un nouveau mot de passe', button: 'Enregistrer le nouveau mot de passe' },
};

export function passwordFormPage(purpose: LinkPurpose) {
  const t = TITLES[purpose];
  return htmlPage({
    title: t.title,
    script: 'password.js',
    main: html`<h1>${t.title}</h1>
<section id="form-section">
<p>Tous les champs sont requis.</p>
<p>Votre mot de passe doit être composé au minimum de : 8 caractères, 1 chiffre, 1 majuscule, 1 minuscule, 1 caractère spécial.</p>
<form id="password-form" data-purpose="${purpose}">
<label for="password">Mot de passe</label>
<input id="password" name="password" type="password" autocomplete="new-password" required>
<label for="confirmation">Confirmation du mot de passe</label>
<input id="confirmation" name="confirmation" type="password" autocomplete="new-password" required>
<button type="submit">${t.button}</button>
</form>
</section>
<div id="result" role="status" aria-live="polite"></div>`,
  });
}

export function deadLinkPage() {
  return htmlPage({
    title: 'Lien expiré ou invalide',
    main: html`<h1>Ce lien n'est plus valable</h1>
<p class="notice error">Il a expiré, a été remplacé par un lien plus récent ou a déjà servi.</p>
<ul>
<li>Pour créer votre mot de passe : demandez à votre administrateur de vous renvoyer le courriel (le lien est valable 15 jours).</li>
<li>Pour réinitialiser votre mot de passe : refaites une demande « Mot de passe oublié » (le lien est valable 1 heure).</li>
</ul>
<p><a class="button" href="/">Aller à l'accueil de la plateforme</a></p>`,
  });
}
