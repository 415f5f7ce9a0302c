/**
 * « Accès multicomptes »: a central establishment asks the establishments attached to it for a
 * delegation; an admin of each answers; either side ends it. Only the establishment's own admins
 * (the API answers 403 to one acting by delegation). States, dates and refusals are the API's.
 */
import { useEffect, useState } from 'react';
import { api, type ApiProblem, must, problemOf, type Schemas } from '../api';
import { useConsole } from '../context';
import { frenchDateOf } from '../format';
import { Alert, Breadcrumb, ProblemAlert } from '../ui';

type Delegation = NonNullable<Schemas['Delegation']>;

export function DelegationsPage() {
  const { me, refresh } = useConsole();
  const establishmentId = me.establishment.id;
  const [data, setData] = useState<Schemas['Delegations'] | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [reload, setReload] = useState(0);

  useEffect(() => {
    must(api.GET('/establishments/{establishmentId}/delegations', { params: { path: { establishmentId } } })).then(setData, (e) => setProblem(problemOf(e)));
  }, [establishmentId, reload]);

  async function act(call: Promise<{ data?: unknown; error?: unknown; response: Response }>, message: string) {
    setProblem(null);
    try {
      await must(call);
      setDone(message);
      setChosen(new Set());
      setReload((n) => n + 1);
      await refresh();
    } catch (error) {
      setProblem(problemOf(error));
    }
  }
  const on = (d: Delegation) => ({ params: { path: { establishmentId, delegationId: d.id } } });
  const answer = (d: Delegation, decision: 'accept' | 'refuse', name: string) =>
    act(
      decision === 'accept'
        ? api.POST('/establishments/{establishmentId}/delegations/{delegationId}/accept', on(d))
        : api.POST('/establishments/{establishmentId}/delegations/{delegationId}/refuse', on(d)),
      `Votre réponse à ${name} est enregistrée.`,
    );
  const end = (d: Delegation, name: string) =>
    act(api.POST('/establishments/{establishmentId}/delegations/{delegationId}/end', on(d)), `La délégation avec ${name} est terminée.`);

  const state = (d: Schemas['Delegation']) =>
    d ? `${d.stateLabel}${d.lapsesAt && d.state === 'requested' ? ` (sans réponse, elle cesse le ${frenchDateOf(d.lapsesAt)})` : ''}` : 'Aucune demande';

  return (
    <>
      <Breadcrumb trail={[{ label: 'Tableau de bord', to: '/console' }, { label: 'Accès multicomptes' }]} />
      <h1>Accès multicomptes</h1>
      <ProblemAlert problem={problem} />
      {done && <Alert kind="success" small>{done}</Alert>}
      {data && data.asCentral.length === 0 && data.asDelegating.length === 0 && (
        <p>Votre établissement n'est ni centralisateur ni rattaché à un établissement centralisateur.</p>
      )}
      {data && data.asDelegating.length > 0 && (
        <>
          <h2>Les établissements qui demandent à gérer vos comptes</h2>
          <table className="console-table fr-mb-4w">
            <caption className="fr-sr-only">Demandes reçues</caption>
            <thead>
              <tr>
                <th scope="col">Établissement centralisateur</th>
                <th scope="col">État</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {data.asDelegating.map(({ central, delegation }) => (
                <tr key={central.id}>
                  <td>
                    {central.name} (SIRET {central.siret})
                  </td>
                  <td>{state(delegation)}</td>
                  <td>
                    {delegation?.state === 'requested' && (
                      <ul className="fr-btns-group fr-btns-group--inline-sm fr-btns-group--sm fr-mb-0">
                        <li>
                          <button type="button" className="fr-btn" onClick={() => void answer(delegation, 'accept', central.name)}>
                            Accepter
                          </button>
                        </li>
                        <li>
                          <button type="button" className="fr-btn fr-btn--secondary" onClick={() => void answer(delegation, 'refuse', central.name)}>
                            Refuser
                          </button>
                        </li>
                      </ul>
                    )}
                    {delegation?.state === 'accepted' && (
                      <button type="button" className="fr-btn fr-btn--sm fr-btn--secondary" onClick={() => void end(delegation, central.name)}>
                        Mettre fin à la délégation
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {data && data.asCentral.length > 0 && (
        <>
          <h2>Les établissements rattachés au vôtre</h2>
          <table className="console-table">
            <caption className="fr-sr-only">Établissements rattachés</caption>
            <thead>
              <tr>
                <th scope="col">
                  <span className="fr-sr-only">Sélection</span>
                </th>
                <th scope="col">Établissement</th>
                <th scope="col">Délégation</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {data.asCentral.map(({ establishment, delegation }) => (
                <tr key={establishment.id}>
                  <td>
                    <div className="fr-checkbox-group fr-checkbox-group--sm">
                      <input
                        type="checkbox"
                        id={`ask-${establishment.id}`}
                        checked={chosen.has(establishment.id)}
                        onChange={() =>
                          setChosen((c) => {
                            const next = new Set(c);
                            if (next.has(establishment.id)) next.delete(establishment.id);
                            else next.add(establishment.id);
                            return next;
                          })
                        }
                      />
                      <label className="fr-label" htmlFor={`ask-${establishment.id}`}>
                        <span className="fr-sr-only">Sélectionner {establishment.name}</span>
                      </label>
                    </div>
                  </td>
                  <td>
                    {establishment.name} (SIRET {establishment.siret})
                  </td>
                  <td>{state(delegation)}</td>
                  <td>
                    {(delegation?.state === 'accepted' || delegation?.state === 'requested') && (
                      <button type="button" className="fr-btn fr-btn--sm fr-btn--secondary" onClick={() => void end(delegation, establishment.name)}>
                        {delegation.state === 'accepted' ? 'Mettre fin à la délégation' : 'Retirer la demande'}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <button
            type="button"
            className="fr-btn fr-mt-2w"
            disabled={chosen.size === 0}
            onClick={() =>
              void act(
                api.POST('/establishments/{establishmentId}/delegations', {
                  params: { path: { establishmentId } },
                  body: { establishmentIds: [...chosen] },
                }),
                `Demande envoyée aux administrateurs de ${chosen.size} établissement(s).`,
              )
            }
          >
            Demander la délégation ({chosen.size})
          </button>
        </>
      )}
    </>
  );
}
