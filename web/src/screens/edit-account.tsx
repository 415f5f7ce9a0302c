/**
 * « Modifier un compte »: two tabs, « Ses droits » and « Ses coordonnées », switched without
 * applying; « Appliquer les modifications » sends only what changed. A user may be promoted to
 * admin (the guide's warning); an admin stays admin (the API refuses the way back).
 */
import { useEffect, useState } from 'react';
import { type AccountDetail, api, type ApiProblem, must, problemOf, type Schemas } from '../api';
import { fullName, useConsole } from '../context';
import { frenchDay } from '../format';
import { Link } from '../router';
import { Alert, Breadcrumb, ProblemAlert } from '../ui';
import { addressLines, type Coordinates, CoordinatesForm } from './coordinates';
import { type Rights, RightsTable } from './rights';

const coordinatesOf = (a: AccountDetail): Coordinates => ({
  profile: a.profile,
  civility: a.civility,
  lastName: a.lastName,
  firstName: a.firstName,
  email: '',
  emailConfirmation: '',
  phone: a.phone ?? '',
  serviceFunction: a.serviceFunction ?? '',
  professionalAddress: (a.professionalAddress ?? []).join('\n'),
});

function changes(before: AccountDetail, c: Coordinates, rights: Rights): Schemas['UpdateAccount'] {
  const body: Schemas['UpdateAccount'] = {};
  if (c.profile !== before.profile) body.profile = c.profile;
  if (c.civility && c.civility !== before.civility) body.civility = c.civility;
  if (c.lastName !== before.lastName) body.lastName = c.lastName;
  if (c.firstName !== before.firstName) body.firstName = c.firstName;
  if (c.email || c.emailConfirmation) Object.assign(body, { email: c.email, emailConfirmation: c.emailConfirmation });
  if (c.phone !== (before.phone ?? '')) body.phone = c.phone || null;
  if (c.serviceFunction !== (before.serviceFunction ?? '')) body.serviceFunction = c.serviceFunction || null;
  if (c.professionalAddress !== (before.professionalAddress ?? []).join('\n')) body.professionalAddress = addressLines(c.professionalAddress);
  const changedRights = Object.fromEntries(Object.entries(rights).filter(([code, level]) => before.rights[code] !== level));
  if (Object.keys(changedRights).length) body.rights = changedRights;
  return body;
}

export function EditAccountPage({ accountId }: { accountId: string }) {
  const { establishment } = useConsole();
  const [account, setAccount] = useState<AccountDetail | null>(null);
  const [coordinates, setCoordinates] = useState<Coordinates | null>(null);
  const [rights, setRights] = useState<Rights>({});
  const [tab, setTab] = useState<'rights' | 'coordinates'>('rights');
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [done, setDone] = useState(false);

  const load = (a: AccountDetail) => {
    setAccount(a);
    setCoordinates(coordinatesOf(a));
    setRights(a.rights);
  };
  const path = { establishmentId: establishment.id, accountId };
  useEffect(() => {
    must(api.GET('/establishments/{establishmentId}/accounts/{accountId}', { params: { path } })).then(load, (e) => setProblem(problemOf(e)));
  }, [establishment.id, accountId]);

  async function apply() {
    if (!account || !coordinates) return;
    setProblem(null);
    setDone(false);
    try {
      load(await must(api.PATCH('/establishments/{establishmentId}/accounts/{accountId}', { params: { path }, body: changes(account, coordinates, rights) })));
      setDone(true);
    } catch (error) {
      const p = problemOf(error);
      setProblem(p);
      if (p.problem.errors?.some((e) => !e.field.startsWith('rights'))) setTab('coordinates');
    }
  }

  const tabs = [
    { key: 'rights', label: 'Ses droits' },
    { key: 'coordinates', label: 'Ses coordonnées' },
  ] as const;
  return (
    <>
      <Breadcrumb
        trail={[
          { label: 'Tableau de bord', to: '/console' },
          { label: 'Gestion des comptes', to: '/console/comptes' },
          { label: 'Modifier un compte' },
        ]}
      />
      <h1>Modifier un compte</h1>
      {account && (
        <p>
          {fullName(account)} — {account.loginId} — {account.profileLabel}, {account.statusLabel.toLowerCase()}, expire le {frenchDay(account.expiresOn)}.{' '}
          <Link to={`/console/historique?compte=${account.id}`}>Voir l'historique du compte</Link>
        </p>
      )}
      {done && <Alert kind="success" small>Les modifications sont enregistrées.</Alert>}
      <ProblemAlert problem={problem} />
      {account && coordinates && (
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void apply();
          }}
        >
          <div className="fr-tabs">
            <ul className="fr-tabs__list" role="tablist" aria-label="Modifier le compte">
              {tabs.map((t) => (
                <li role="presentation" key={t.key}>
                  <button
                    type="button"
                    id={`tab-${t.key}`}
                    className="fr-tabs__tab"
                    role="tab"
                    aria-selected={tab === t.key}
                    aria-controls={`panel-${t.key}`}
                    tabIndex={tab === t.key ? 0 : -1}
                    onClick={() => setTab(t.key)}
                    onKeyDown={(e) => {
                      if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
                        const next = tab === 'rights' ? 'coordinates' : 'rights';
                        setTab(next);
                        document.getElementById(`tab-${next}`)?.focus();
                      }
                    }}
                  >
                    {t.label}
                  </button>
                </li>
              ))}
            </ul>
            <div id={`panel-${tab}`} className="fr-tabs__panel fr-tabs__panel--selected" role="tabpanel" aria-labelledby={`tab-${tab}`} tabIndex={0}>
              {tab === 'rights' ? (
                <RightsTable rights={rights} onChange={setRights} />
              ) : (
                <CoordinatesForm
                  value={coordinates}
                  onChange={setCoordinates}
                  problem={problem}
                  profileChoice={account.profile === 'user' ? 'promote' : 'none'}
                  emailOptional
                />
              )}
              {tab === 'coordinates' && account.profile === 'admin' && (
                <p className="fr-text--sm console-muted">
                  Ce compte a le profil Administrateur : il ne peut pas redevenir Utilisateur. Pour cela, supprimez-le puis créez un compte avec le profil
                  Utilisateur.
                </p>
              )}
            </div>
          </div>
          <button type="submit" className="fr-btn fr-mt-3w">
            Appliquer les modifications
          </button>
        </form>
      )}
    </>
  );
}
