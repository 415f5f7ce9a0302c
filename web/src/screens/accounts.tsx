/**
 * « Gestion des comptes », as the guide shows it: instant accent-insensitive search (the API's),
 * the « Tous ▼ » filter, « Grouper par », « Résultats par page », selection and its actions,
 * per-row actions (an expired account offers renewal only, as the API allows).
 */
import { useEffect, useState } from 'react';
import { type AccountSummary, api, ApiProblem, must, problemOf } from '../api';
import { useConsole } from '../context';
import { frenchDateOf, frenchDay, plural } from '../format';
import { Link } from '../router';
import { Alert, Breadcrumb, Modal, Pager, ProblemAlert, Select } from '../ui';

type Row = AccountSummary & { group?: { key: string; label: string } };
type Filter = '' | `status:${'active' | 'pending_activation' | 'expired' | 'blocked'}` | `profile:${'admin' | 'user'}`;
type GroupBy = '' | 'profile' | 'status' | 'expiryMonth';
type PageSize = '25' | '50' | '100';
/** An action awaiting confirmation; a renewal carries the API's preview sentence once it came. */
type Pending = { kind: 'renew' | 'delete'; accounts: AccountSummary[]; preview?: string };

const FILTERS: { value: Filter; label: string }[] = [
  { value: '', label: 'Tous' },
  { value: 'status:active', label: 'Actifs' },
  { value: 'status:pending_activation', label: "En attente d'activation" },
  { value: 'status:expired', label: 'Expirés' },
  { value: 'status:blocked', label: 'Bloqués' },
  { value: 'profile:admin', label: 'Administrateurs' },
  { value: 'profile:user', label: 'Utilisateurs' },
];

const GROUPS: { value: GroupBy; label: string }[] = [
  { value: '', label: 'Aucun' },
  { value: 'profile', label: 'Profil' },
  { value: 'status', label: 'Statut' },
  { value: 'expiryMonth', label: "Date d'expiration" },
];

const BADGES: Record<string, string> = {
  active: 'fr-badge--success',
  pending_activation: 'fr-badge--info',
  expired: 'fr-badge--error',
  blocked: 'fr-badge--warning',
};

const who = (a: AccountSummary) => `${a.civilityLabel} ${a.firstName} ${a.lastName}`;

export function AccountsPage() {
  const { establishment } = useConsole();
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [filter, setFilter] = useState<Filter>('');
  const [groupBy, setGroupBy] = useState<GroupBy>('');
  const [pageSize, setPageSize] = useState<PageSize>('25');
  const [page, setPage] = useState(1);
  const [list, setList] = useState<{ items: Row[]; groups?: { key: string; label: string; count: number }[]; total: number; pageCount: number } | null>(
    null,
  );
  const [selected, setSelected] = useState<Map<string, AccountSummary>>(new Map());
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [report, setReport] = useState<{ kind: 'success' | 'warning'; text: string; refusals: string[] } | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [reload, setReload] = useState(0);

  // Instant search: the API is asked as the person types (a short pause spares it every keystroke).
  useEffect(() => {
    const timer = setTimeout(() => {
      setQuery(q);
      setPage(1);
    }, 150);
    return () => clearTimeout(timer);
  }, [q]);

  useEffect(() => {
    let live = true;
    const [kind, value] = filter.split(':') as ['status' | 'profile' | '', string];
    must(
      api.GET('/establishments/{establishmentId}/accounts', {
        params: {
          path: { establishmentId: establishment.id },
          query: {
            q: query.trim() || undefined,
            status: kind === 'status' ? (value as 'active') : undefined,
            profile: kind === 'profile' ? (value as 'admin') : undefined,
            groupBy: groupBy || undefined,
            pageSize,
            page,
          },
        },
      }),
    )
      .then((data) => live && (setList(data), setProblem(null)))
      .catch((error) => live && setProblem(problemOf(error)));
    return () => {
      live = false;
    };
  }, [establishment.id, query, filter, groupBy, pageSize, page, reload]);

  useEffect(() => setSelected(new Map()), [establishment.id]);

  const items = list?.items ?? [];
  const allSelected = items.length > 0 && items.every((a) => selected.has(a.id));
  const toggle = (a: AccountSummary) =>
    setSelected((current) => {
      const next = new Map(current);
      if (next.has(a.id)) next.delete(a.id);
      else next.set(a.id, a);
      return next;
    });
  const toggleAll = () =>
    setSelected((current) => {
      const next = new Map(current);
      for (const a of items) allSelected ? next.delete(a.id) : next.set(a.id, a);
      return next;
    });

  /** The guide's confirmation sentence (« … 2 utilisateurs jusqu'au 18/09/2025 ») is the API's, before anything changes. */
  function askRenewal(accounts: AccountSummary[]) {
    const asked: Pending = { kind: 'renew', accounts };
    setPending(asked);
    must(
      api.POST('/establishments/{establishmentId}/accounts/renewal-preview', {
        params: { path: { establishmentId: establishment.id } },
        body: { ids: accounts.map((a) => a.id) },
      }),
    ).then(
      (preview) => setPending((current) => (current === asked ? { ...asked, preview: preview.message } : current)),
      (error) => {
        setPending(null);
        setProblem(problemOf(error));
      },
    );
  }

  async function confirm() {
    if (!pending) return;
    const ids = pending.accounts.map((a) => a.id);
    const path = { establishmentId: establishment.id };
    try {
      const result = await must(
        pending.kind === 'renew'
          ? api.POST('/establishments/{establishmentId}/accounts/bulk-renew', { params: { path }, body: { ids } })
          : api.POST('/establishments/{establishmentId}/accounts/bulk-delete', { params: { path }, body: { ids } }),
      );
      const verb = 'expiresOn' in result && typeof result.expiresOn === 'string' ? `renouvelé(s) jusqu'au ${frenchDay(result.expiresOn)}` : 'supprimé(s)';
      setReport({
        kind: result.refused ? 'warning' : 'success',
        text: `${result.done} compte(s) ${verb}${result.refused ? `, ${result.refused} refusé(s)` : ''}.`,
        refusals: result.results.filter((r) => r.outcome === 'refused').map((r) => `${r.loginId ?? r.id} : ${r.message ?? r.code}`),
      });
      setSelected(new Map());
    } catch (error) {
      setProblem(problemOf(error));
    }
    setPending(null);
    setReload((n) => n + 1);
  }

  /** A one-account action from its row: the API's answer (or refusal) shown above the list. */
  async function rowAction(call: Promise<{ data?: unknown; error?: unknown; response: Response }>, success: (data: unknown) => string) {
    try {
      setReport({ kind: 'success', text: success(await must(call)), refusals: [] });
      setReload((n) => n + 1);
    } catch (error) {
      setProblem(problemOf(error));
    }
  }
  const accountPath = (a: AccountSummary) => ({ params: { path: { establishmentId: establishment.id, accountId: a.id } } });
  const resend = (a: AccountSummary) =>
    rowAction(
      api.POST('/establishments/{establishmentId}/accounts/{accountId}/resend-activation', accountPath(a)),
      (answer) => `${who(a)} : ${(answer as { message: string }).message}`,
    );
  const unblock = (a: AccountSummary) =>
    rowAction(api.POST('/establishments/{establishmentId}/accounts/{accountId}/unblock', accountPath(a)), () => `Le compte de ${who(a)} est débloqué.`);

  async function exportCsv() {
    try {
      const ids = [...selected.keys()];
      // A selection goes in the body (up to 1,000 accounts, more than an address holds); none = every account.
      const path = { establishmentId: establishment.id };
      const blob = await must(
        ids.length
          ? api.POST('/establishments/{establishmentId}/accounts/export.csv', { params: { path }, body: { ids }, parseAs: 'blob' })
          : api.GET('/establishments/{establishmentId}/accounts/export.csv', { params: { path }, parseAs: 'blob' }),
      );
      const link = document.createElement('a');
      link.href = URL.createObjectURL(blob as Blob);
      link.download = ids.length ? 'comptes-selectionnes.csv' : 'comptes.csv';
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    } catch (error) {
      setProblem(problemOf(error));
    }
  }

  const first = list && list.total ? (page - 1) * Number(pageSize) + 1 : 0;
  const last = list ? Math.min(page * Number(pageSize), list.total) : 0;
  const selection = [...selected.values()];

  return (
    <>
      <Breadcrumb trail={[{ label: 'Tableau de bord', to: '/console' }, { label: 'Etablissement : Gestion des comptes' }]} />
      <h1>Gestion des comptes</h1>
      <div className="console-toolbar">
        <Select id="filter" label="Afficher" value={filter} options={FILTERS} onChange={(v) => (setFilter(v), setPage(1))} />
        <div className="fr-search-bar console-search" role="search">
          <label className="fr-label" htmlFor="search">
            Rechercher un nom, un prénom, un service...
          </label>
          <input
            className="fr-input"
            id="search"
            type="search"
            placeholder="Rechercher un nom, un prénom, un service..."
            value={q}
            onChange={(e) => setQ(e.target.value)}
            aria-describedby="search-hint"
          />
        </div>
        <Link className="fr-btn fr-icon-add-line fr-btn--icon-left" to="/console/comptes/nouveau">
          Créer un compte
        </Link>
      </div>
      <p className="fr-hint-text" id="search-hint">
        Les résultats sont mis à jour instantanément dans la liste ci-dessous.
      </p>
      <div className="console-toolbar">
        <Select id="group-by" label="Grouper par" value={groupBy} options={GROUPS} onChange={(v) => (setGroupBy(v), setPage(1))} />
        <Select
          id="page-size"
          label="Résultats par page"
          value={pageSize}
          options={(['25', '50', '100'] as const).map((n) => ({ value: n, label: n }))}
          onChange={(v) => (setPageSize(v), setPage(1))}
        />
        <Link className="fr-btn fr-btn--tertiary fr-icon-file-text-line fr-btn--icon-left" to="/console/historique">
          Voir l'historique
        </Link>
      </div>

      <ProblemAlert problem={problem} />
      {report && (
        <Alert kind={report.kind} small>
          <p>{report.text}</p>
          {report.refusals.length > 0 && (
            <ul>
              {report.refusals.map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          )}
        </Alert>
      )}

      <div className="console-selection">
        <div className="fr-checkbox-group fr-checkbox-group--sm">
          <input type="checkbox" id="select-all" checked={allSelected} onChange={toggleAll} disabled={!items.length} />
          <label className="fr-label" htmlFor="select-all">
            Tout sélectionner
          </label>
        </div>
        <p className="fr-mb-0" role="status" aria-live="polite" id="selection-count">
          {selected.size > 0 ? `${selected.size} compte(s) sélectionné(s)` : ''}
        </p>
        <ul className="fr-btns-group fr-btns-group--inline-sm fr-btns-group--sm fr-btns-group--icon-left fr-mb-0">
          {selected.size > 0 && (
            <>
              <li>
                <button type="button" className="fr-btn fr-btn--secondary fr-icon-refresh-line" onClick={() => askRenewal(selection)}>
                  Renouveler
                </button>
              </li>
              <li>
                <button type="button" className="fr-btn fr-btn--secondary fr-icon-delete-line" onClick={() => setPending({ kind: 'delete', accounts: selection })}>
                  Supprimer
                </button>
              </li>
            </>
          )}
          <li>
            <button type="button" className="fr-btn fr-btn--tertiary fr-icon-download-line" onClick={() => void exportCsv()}>
              {selected.size > 0 ? 'Exporter la sélection' : 'Exporter tous les comptes'}
            </button>
          </li>
        </ul>
      </div>

      <p className="fr-text--sm fr-mb-1w" role="status" aria-live="polite" id="result-count">
        {list ? `${first}-${last} sur ${list.total} résultat(s)` : 'Chargement…'}
      </p>
      <div className="fr-table--no-scroll" style={{ overflowX: 'auto' }}>
        <table className="console-table">
          <caption className="fr-sr-only">Comptes de {establishment.name}</caption>
          <thead>
            <tr>
              <th scope="col">
                <span className="fr-sr-only">Sélection</span>
              </th>
              <th scope="col">Nom</th>
              <th scope="col">Prénom</th>
              <th scope="col">Identifiant</th>
              <th scope="col">Service</th>
              <th scope="col">Profil</th>
              <th scope="col">Statut</th>
              <th scope="col">Expiration du compte</th>
              <th scope="col">Connexion</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {items.map((a, i) => {
              const groupStart = a.group && a.group.key !== items[i - 1]?.group?.key;
              const count = groupStart ? list?.groups?.find((g) => g.key === a.group!.key)?.count : undefined;
              const expired = a.status === 'expired';
              return [
                groupStart && (
                  <tr key={`group-${a.group!.key}`} className="console-group">
                    <th colSpan={10} scope="colgroup">
                      {a.group!.label} ({count})
                    </th>
                  </tr>
                ),
                <tr key={a.id} data-account={a.loginId}>
                  <td>
                    <div className="fr-checkbox-group fr-checkbox-group--sm">
                      <input type="checkbox" id={`select-${a.id}`} checked={selected.has(a.id)} onChange={() => toggle(a)} />
                      <label className="fr-label" htmlFor={`select-${a.id}`}>
                        <span className="fr-sr-only">Sélectionner {who(a)}</span>
                      </label>
                    </div>
                  </td>
                  <td>
                    {a.civilityLabel} {a.lastName}
                  </td>
                  <td>{a.firstName}</td>
                  <td>{a.loginId}</td>
                  <td>{a.serviceFunction}</td>
                  <td>{a.profileLabel}</td>
                  <td>
                    <p className={`fr-badge fr-badge--sm fr-badge--no-icon ${BADGES[a.status] ?? ''}`}>{a.statusLabel}</p>
                    {a.activationLinkExpired && <p className="fr-text--xs fr-mb-0 console-muted">Lien de création expiré</p>}
                  </td>
                  <td>{frenchDay(a.expiresOn)}</td>
                  <td>{frenchDateOf(a.lastLoginAt)}</td>
                  <td>
                    <div className="console-row-actions">
                      {!expired && (
                        <Link
                          className="fr-btn fr-btn--sm fr-btn--tertiary-no-outline fr-icon-edit-line"
                          to={`/console/comptes/${a.id}`}
                          title={`Modifier le compte de ${who(a)}`}
                        >
                          Modifier le compte de {who(a)}
                        </Link>
                      )}
                      <RowAction icon="refresh-line" label={`Renouveler le compte de ${who(a)}`} onClick={() => askRenewal([a])} />
                      {!expired && (
                        <RowAction icon="delete-line" label={`Supprimer le compte de ${who(a)}`} onClick={() => setPending({ kind: 'delete', accounts: [a] })} />
                      )}
                      {a.status === 'pending_activation' && (
                        <RowAction
                          icon="mail-line"
                          label={`Renvoyer le courriel de création du mot de passe à ${who(a)}`}
                          onClick={() => void resend(a)}
                        />
                      )}
                      {a.status === 'blocked' && <RowAction icon="lock-unlock-line" label={`Débloquer le compte de ${who(a)}`} onClick={() => void unblock(a)} />}
                    </div>
                  </td>
                </tr>,
              ];
            })}
          </tbody>
        </table>
      </div>
      {list && list.total === 0 && <p className="fr-mt-2w">Aucun compte ne correspond à votre recherche.</p>}
      {list && <Pager page={page} pageCount={list.pageCount} onPage={setPage} />}

      {pending && (
        <Modal
          title={pending.kind === 'renew' ? 'Renouvellement des droits' : 'Suppression des comptes'}
          onClose={() => setPending(null)}
          actions={
            <>
              <li>
                <button type="button" className="fr-btn" disabled={pending.kind === 'renew' && !pending.preview} onClick={() => void confirm()}>
                  Confirmer
                </button>
              </li>
              <li>
                <button type="button" className="fr-btn fr-btn--secondary" onClick={() => setPending(null)}>
                  Annuler
                </button>
              </li>
            </>
          }
        >
          <ConfirmationText pending={pending} />
        </Modal>
      )}
    </>
  );
}

/** The guide's row actions: an icon, its full name for screen readers and as a tooltip. */
function RowAction({ icon, label, onClick }: { icon: string; label: string; onClick: () => void }) {
  return (
    <button type="button" className={`fr-btn fr-btn--sm fr-btn--tertiary-no-outline fr-icon-${icon}`} title={label} onClick={onClick}>
      {label}
    </button>
  );
}

function ConfirmationText({ pending }: { pending: Pending }) {
  const one = pending.accounts.length === 1 ? pending.accounts[0]! : null;
  if (pending.kind === 'delete') {
    return (
      <>
        <p>{one ? `Vous allez supprimer le compte de ${who(one)} (${one.loginId}).` : `Vous allez supprimer : ${plural(pending.accounts.length, 'compte', 'comptes')}`}</p>
        <p className="fr-text--sm">Un compte supprimé quitte la liste ; il reste dans l'historique. Son titulaire ne peut plus se connecter.</p>
      </>
    );
  }
  return <p>{pending.preview ?? 'Calcul de la nouvelle date d’expiration…'}</p>;
}
