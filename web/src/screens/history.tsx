/** « Voir l'historique »: the operations made in the establishment, newest first, optionally about one account. */
import { useEffect, useState } from 'react';
import { api, type ApiProblem, must, problemOf, type Schemas } from '../api';
import { useConsole } from '../context';
import { frenchDateTimeOf } from '../format';
import { Link, useLocation } from '../router';
import { Breadcrumb, Pager, ProblemAlert } from '../ui';

type History = Schemas['History'];

const ACTOR: Record<string, string> = { operator: 'DRS (opérateur de la plateforme)', system: 'La plateforme', anonymous: 'Anonyme' };

export function HistoryPage() {
  const { establishment } = useConsole();
  const { query } = useLocation();
  const accountId = query.get('compte') ?? undefined;
  const [page, setPage] = useState(1);
  const [history, setHistory] = useState<History | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);

  useEffect(() => {
    must(
      api.GET('/establishments/{establishmentId}/history', {
        params: { path: { establishmentId: establishment.id }, query: { accountId, page, pageSize: '50' } },
      }),
    ).then(setHistory, (e) => setProblem(problemOf(e)));
  }, [establishment.id, accountId, page]);

  const target = accountId && history?.items.find((e) => e.targetAccountId === accountId)?.targetLoginId;
  return (
    <>
      <Breadcrumb
        trail={[
          { label: 'Tableau de bord', to: '/console' },
          { label: 'Gestion des comptes', to: '/console/comptes' },
          { label: 'Historique' },
        ]}
      />
      <h1>Historique des opérations</h1>
      <p>
        {accountId ? (
          <>
            Opérations portant sur le compte {target ?? ''}. <Link to="/console/historique">Voir tout l'historique</Link>
          </>
        ) : (
          `Les opérations effectuées sur les comptes de ${establishment.name}, les plus récentes d'abord.`
        )}
      </p>
      <ProblemAlert problem={problem} />
      {history && (
        <>
          <p className="fr-text--sm" role="status">
            {history.total} opération(s)
          </p>
          <div style={{ overflowX: 'auto' }}>
            <table className="console-table">
              <caption className="fr-sr-only">Historique des opérations</caption>
              <thead>
                <tr>
                  <th scope="col">Date</th>
                  <th scope="col">Opération</th>
                  <th scope="col">Compte concerné</th>
                  <th scope="col">Auteur</th>
                  <th scope="col">Résultat</th>
                </tr>
              </thead>
              <tbody>
                {history.items.map((entry) => (
                  <tr key={entry.id}>
                    <td>{frenchDateTimeOf(entry.at)}</td>
                    <td>{entry.actionLabel}</td>
                    <td>{entry.targetLoginId}</td>
                    <td>
                      {entry.actor.type === 'account' ? entry.actor.label : ACTOR[entry.actor.type]}
                      {entry.actor.onBehalf && entry.actor.establishmentName ? ` (pour le compte de ${entry.actor.establishmentName})` : ''}
                    </td>
                    <td>
                      <p className={`fr-badge fr-badge--sm fr-badge--no-icon ${entry.outcome === 'success' ? 'fr-badge--success' : 'fr-badge--error'}`}>
                        {entry.outcome === 'success' ? 'Faite' : 'Refusée'}
                      </p>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager page={page} pageCount={history.pageCount} onPage={setPage} />
        </>
      )}
    </>
  );
}
