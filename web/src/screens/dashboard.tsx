/** « Tableau de bord »: the notices /me gives (terms of use, expiry) and the entries the profile allows. */
import { fullName, isAdmin, useConsole } from '../context';
import { menuFor } from '../layout';
import { Link } from '../router';
import { Alert } from '../ui';

const DESCRIPTIONS: Record<string, string> = {
  '/console/comptes': 'Créer, modifier, renouveler, supprimer et exporter les comptes de votre établissement.',
  '/console/historique': 'Les opérations effectuées sur les comptes de votre établissement.',
  '/console/delegations': 'Les délégations de gestion entre votre établissement et un établissement centralisateur.',
  '/console/intervenants': 'Les administrateurs de votre établissement, à contacter pour vos droits.',
  '/console/mon-compte': 'Vos coordonnées, votre profil et vos droits.',
  '/console/etablissement': "Votre établissement et ses conditions générales d'utilisation.",
};

export function DashboardPage() {
  const { me, establishment } = useConsole();
  return (
    <>
      <h1>Tableau de bord</h1>
      <p>
        Bonjour {fullName(me.account)} — {establishment.name} ({isAdmin(me) ? 'Administrateur' : 'Utilisateur'}).
      </p>
      {me.notices.map((notice) => (
        <Alert key={notice.code} kind={notice.level === 'warning' ? 'warning' : 'info'} small>
          <p>
            {notice.message}
            {notice.code.startsWith('terms_') && me.terms?.canAccept && (
              <>
                {' '}
                <Link to="/console/cgu">Accepter les conditions générales d'utilisation</Link>
              </>
            )}
          </p>
        </Alert>
      ))}
      <div className="fr-grid-row fr-grid-row--gutters fr-mt-2w">
        {menuFor(isAdmin(me))
          .filter((item) => item.to !== '/console')
          .map((item) => (
            <div className="fr-col-12 fr-col-md-6" key={item.to}>
              <div className="fr-tile fr-enlarge-link">
                <div className="fr-tile__body">
                  <div className="fr-tile__content">
                    <h2 className="fr-tile__title">
                      <Link to={item.to}>{item.label}</Link>
                    </h2>
                    <p className="fr-tile__desc">{DESCRIPTIONS[item.to]}</p>
                  </div>
                </div>
              </div>
            </div>
          ))}
      </div>
    </>
  );
}
