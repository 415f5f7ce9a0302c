/** The guide's terms-of-use screen: read the version in force, tick the declaration, « Confirmer » (admins only; the API decides when). */
import { useState } from 'react';
import { api, type ApiProblem, must, problemOf } from '../api';
import { useConsole } from '../context';
import { frenchDay } from '../format';
import { Alert, Breadcrumb, ProblemAlert } from '../ui';

export function TermsPage() {
  const { me, establishment, refresh } = useConsole();
  const [declared, setDeclared] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const terms = me.terms;

  async function accept() {
    if (!terms) return;
    try {
      const answer = await must(
        api.POST('/establishments/{establishmentId}/terms/acceptance', {
          params: { path: { establishmentId: establishment.id } },
          body: { version: terms.version, declaration: declared as true },
        }),
      );
      setDone(answer.message);
      await refresh();
    } catch (error) {
      setProblem(problemOf(error));
    }
  }

  return (
    <>
      <Breadcrumb trail={[{ label: 'Tableau de bord', to: '/console' }, { label: "Conditions générales d'utilisation" }]} />
      <h1>Conditions générales d'utilisation</h1>
      {!terms && <p>Aucune version n'est publiée pour le moment.</p>}
      {terms && (
        <>
          <p>
            Version {terms.version} — {terms.title} — {terms.standingLabel} (date limite : {frenchDay(terms.deadlineOn)}).
          </p>
          <p>
            <a className="fr-link fr-icon-download-line fr-link--icon-left" href={`/terms/versions/${encodeURIComponent(terms.version)}/document`}>
              Lire les conditions générales d'utilisation
            </a>
          </p>
          {done && <Alert kind="success" small>{done}</Alert>}
          {!done && terms.standing !== 'accepted' && terms.isAdmin && (
            <form
              noValidate
              onSubmit={(e) => {
                e.preventDefault();
                void accept();
              }}
            >
              <p>Pour continuer à utiliser les services de la Plateforme Employeur, vous devez accepter les nouvelles conditions générales d'utilisation.</p>
              <ProblemAlert problem={problem && !problem.field('declaration') ? problem : null} />
              <div className={`fr-checkbox-group${problem?.field('declaration') ? ' fr-checkbox-group--error' : ''}`}>
                <input type="checkbox" id="declaration" checked={declared} onChange={(e) => setDeclared(e.target.checked)} />
                <label className="fr-label" htmlFor="declaration">
                  Je déclare avoir lu, compris et accepté les conditions générales d'utilisation.
                </label>
                {problem?.field('declaration') && <p className="fr-error-text">{problem.field('declaration')}</p>}
              </div>
              <button type="submit" className="fr-btn fr-mt-2w">
                Confirmer
              </button>
            </form>
          )}
        </>
      )}
    </>
  );
}
