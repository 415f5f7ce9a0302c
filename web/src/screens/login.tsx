/**
 * « Se connecter », with « Identifiant oublié ? » and « Mot de passe oublié ? » as in the guide.
 * The answers (including the discreet one of the forgotten-password form) are the API's own words.
 */
import { type FormEvent, useState } from 'react';
import { api, ApiProblem, must, problemOf, session } from '../api';
import { Footer, Header } from '../layout';
import { Alert, Field, ProblemAlert } from '../ui';

type View = 'login' | 'forgot-password' | 'forgot-login-id';

export function LoginPage({ onLoggedIn }: { onLoggedIn: () => Promise<void> }) {
  const [view, setView] = useState<View>('login');
  const [loginId, setLoginId] = useState('');
  const [password, setPassword] = useState('');
  const [identifier, setIdentifier] = useState('');
  const [email, setEmail] = useState('');
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const go = (next: View) => {
    setView(next);
    setProblem(null);
    setDone(null);
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      if (view === 'login') {
        const created = await must(api.POST('/auth/login', { body: { loginId, password } }));
        session.set(created.token);
        await onLoggedIn();
      } else if (view === 'forgot-password') {
        setDone((await must(api.POST('/auth/forgot-password', { body: { identifier } }))).message);
      } else {
        setDone((await must(api.POST('/auth/forgot-login-id', { body: { email } }))).message);
      }
    } catch (error) {
      setProblem(problemOf(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <Header />
      <main className="fr-container fr-my-6w" id="contenu" role="main">
        <div className="fr-grid-row fr-grid-row--center">
          <div className="fr-col-12 fr-col-md-8 fr-col-lg-6">
            {view === 'login' && (
              <form onSubmit={submit} noValidate>
                <h1>Se connecter</h1>
                <p className="fr-text--sm">Tous les champs sont requis.</p>
                <ProblemAlert problem={problem && !problem.field('loginId') && !problem.field('password') ? problem : null} />
                <Field
                  name="loginId"
                  label="Identifiant"
                  hint="Identifiant jusqu'à 9 caractères, par exemple JLO000439"
                  autoComplete="username"
                  value={loginId}
                  onChange={setLoginId}
                  error={problem?.field('loginId')}
                />
                <Field
                  name="password"
                  label="Mot de passe"
                  type="password"
                  autoComplete="current-password"
                  value={password}
                  onChange={setPassword}
                  error={problem?.field('password')}
                />
                <ul className="fr-btns-group fr-btns-group--inline">
                  <li>
                    <button className="fr-btn" type="submit" disabled={busy}>
                      Me connecter
                    </button>
                  </li>
                </ul>
                <p>
                  <button type="button" className="fr-link fr-mr-3w" onClick={() => go('forgot-login-id')}>
                    Identifiant oublié ?
                  </button>
                  <button type="button" className="fr-link" onClick={() => go('forgot-password')}>
                    Mot de passe oublié ?
                  </button>
                </p>
                <p className="fr-text--sm console-muted">
                  Vous n'avez pas de compte ? L'administrateur de votre établissement le crée et vous transmet votre identifiant ; vous recevez par
                  courriel le lien pour créer votre mot de passe.
                </p>
              </form>
            )}
            {view !== 'login' && (
              <form onSubmit={submit} noValidate>
                <h1>{view === 'forgot-password' ? 'Mot de passe oublié' : 'Identifiant oublié'}</h1>
                {done ? (
                  <Alert kind="success" small>
                    {done}
                  </Alert>
                ) : (
                  <>
                    <ProblemAlert problem={problem && !problem.problem.errors ? problem : null} />
                    {view === 'forgot-password' ? (
                      <Field
                        name="identifier"
                        label="Identifiant ou courriel"
                        hint="Un lien pour choisir un nouveau mot de passe vous sera envoyé par courriel (valable 1 heure)."
                        value={identifier}
                        onChange={setIdentifier}
                        error={problem?.field('identifier')}
                      />
                    ) : (
                      <Field
                        name="email"
                        label="Courriel de votre compte"
                        hint="Votre identifiant vous sera envoyé à cette adresse."
                        type="email"
                        autoComplete="email"
                        value={email}
                        onChange={setEmail}
                        error={problem?.field('email')}
                      />
                    )}
                    <button className="fr-btn" type="submit" disabled={busy}>
                      Envoyer
                    </button>
                  </>
                )}
                <p className="fr-mt-3w">
                  <button type="button" className="fr-link fr-icon-arrow-left-line fr-link--icon-left" onClick={() => go('login')}>
                    Retour à la connexion
                  </button>
                </p>
              </form>
            )}
          </div>
        </div>
      </main>
      <Footer />
    </>
  );
}
