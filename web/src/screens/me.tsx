/** « Mes intervenants », « Mon compte », « Mon établissement »: what /me and the establishment's endpoints say. */
import { useEffect, useState } from 'react';
import { api, type ApiProblem, must, problemOf, type Schemas } from '../api';
import { fullName, isAdmin, useConsole } from '../context';
import { frenchDateOf, frenchDay } from '../format';
import { Link } from '../router';
import { Breadcrumb, ProblemAlert } from '../ui';

export function AdminsPage() {
  const { establishment } = useConsole();
  const [admins, setAdmins] = useState<Schemas['Intervenant'][] | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  useEffect(() => {
    must(api.GET('/establishments/{establishmentId}/admins', { params: { path: { establishmentId: establishment.id } } })).then(
      (r) => setAdmins(r.items),
      (e) => setProblem(problemOf(e)),
    );
  }, [establishment.id]);
  return (
    <>
      <Breadcrumb trail={[{ label: 'Tableau de bord', to: '/console' }, { label: 'Mes intervenants' }]} />
      <h1>Mes intervenants</h1>
      <p>Les administrateurs de {establishment.name} : contactez-les pour obtenir des droits d'accès ou le renouvellement de votre compte.</p>
      <ProblemAlert problem={problem} />
      <div className="fr-grid-row fr-grid-row--gutters">
        {admins?.map((a) => (
          <div className="fr-col-12 fr-col-md-6" key={a.id}>
            <div className="fr-card fr-p-3w">
              <h2 className="fr-h6 fr-mb-1w">{fullName(a)}</h2>
              {a.serviceFunction && <p className="fr-mb-1w">{a.serviceFunction}</p>}
              <p className="fr-mb-1w">
                <a href={`mailto:${a.email}`}>{a.email}</a>
              </p>
              {a.phone && <p className="fr-mb-0">Téléphone : {a.phone}</p>}
            </div>
          </div>
        ))}
      </div>
    </>
  );
}

function Definitions({ rows }: { rows: [string, string | null | undefined][] }) {
  return (
    <dl className="fr-mb-3w">
      {rows
        .filter(([, v]) => v)
        .map(([k, v]) => (
          <div key={k} className="fr-grid-row fr-mb-1w">
            <dt className="fr-col-12 fr-col-md-4 fr-text--bold">{k}</dt>
            <dd className="fr-col-12 fr-col-md-8 fr-m-0">{v}</dd>
          </div>
        ))}
    </dl>
  );
}

export function MyAccountPage() {
  const { me } = useConsole();
  const a = me.account;
  return (
    <>
      <Breadcrumb trail={[{ label: 'Tableau de bord', to: '/console' }, { label: 'Mon compte' }]} />
      <h1>Mon compte</h1>
      <Definitions
        rows={[
          ['Titulaire', fullName(a)],
          ['Identifiant', a.loginId],
          ['Profil', a.profileLabel],
          ['Statut', a.statusLabel],
          ['Courriel', a.email],
          ['Téléphone fixe', a.phone],
          ["Service d'appartenance et/ou fonction", a.serviceFunction],
          ['Adresse professionnelle', a.professionalAddress?.join(', ')],
          ['Expiration du compte', frenchDay(a.expiresOn)],
          ['Dernière connexion', frenchDateOf(a.lastLoginAt)],
        ]}
      />
      <p>
        Pour modifier vos coordonnées ou vos droits, adressez-vous à l'un de <Link to="/console/intervenants">vos intervenants</Link> (les administrateurs
        de votre établissement).
      </p>
      <h2>Mes droits</h2>
      {me.rightsByTheme.map((theme) => (
        <div key={theme.code}>
          <h3 className="fr-h6">{theme.label}</h3>
          <ul>
            {theme.services.map((s) => (
              <li key={s.code}>
                {s.label} : {s.levelLabel}
              </li>
            ))}
          </ul>
        </div>
      ))}
    </>
  );
}

export function EstablishmentPage() {
  const { me, establishment } = useConsole();
  const terms = me.terms;
  return (
    <>
      <Breadcrumb trail={[{ label: 'Tableau de bord', to: '/console' }, { label: 'Mon établissement' }]} />
      <h1>Mon établissement</h1>
      <Definitions
        rows={[
          ['Établissement', establishment.name],
          ['SIRET', establishment.siret],
        ]}
      />
      <h2>Conditions générales d'utilisation</h2>
      {terms ? (
        <Definitions
          rows={[
            ['Version en vigueur', `${terms.title} (${terms.version})`],
            ['État', terms.standingLabel],
            ['Date limite de validation', frenchDay(terms.deadlineOn)],
            ['Validées le', frenchDateOf(terms.acceptedAt)],
            ['Validées par', terms.acceptedByLoginId],
          ]}
        />
      ) : (
        <p>Aucune version n'est publiée pour le moment.</p>
      )}
      {terms?.isAdmin && terms.standing !== 'accepted' && (
        <p>
          <Link className="fr-btn" to="/console/cgu">
            Lire et accepter les conditions générales d'utilisation
          </Link>
        </p>
      )}
      {me.actsFor.length > 0 && (
        <>
          <h2>Établissements pour lesquels vous pouvez agir</h2>
          <ul>
            {me.actsFor.map((e) => (
              <li key={e.id}>
                {e.name} (SIRET {e.siret})
              </li>
            ))}
          </ul>
        </>
      )}
      {isAdmin(me) && (
        <p>
          <Link to="/console/comptes">Gestion des comptes</Link>
        </p>
      )}
    </>
  );
}
