/**
 * The frame of every screen once logged in: the DSFR header (the platform's name, no State
 * emblem: see README), the menu the profile allows (« Gestion des comptes » only for admins, as the
 * guide says), the content, the footer.
 */
import type { ReactNode } from 'react';
import { fullName, isAdmin, useConsole } from './context';
import { Link, useLocation } from './router';

export const PLATFORM = "Plateforme Employeurs Publics Pep's";

export function Brand() {
  return (
    <div className="fr-header__service">
      <Link to="/console" title={`Accueil — ${PLATFORM}`}>
        <p className="fr-header__service-title console-brand">pep's</p>
      </Link>
      <p className="fr-header__service-tagline">{PLATFORM}</p>
    </div>
  );
}

export function Header({ tools }: { tools?: ReactNode }) {
  return (
    <header role="banner" className="fr-header">
      <div className="fr-header__body">
        <div className="fr-container">
          <div className="fr-header__body-row">
            <div className="fr-header__brand">
              <div className="fr-header__brand-top" />
              <Brand />
            </div>
            {tools && (
              <div className="fr-header__tools">
                <div className="fr-header__tools-links">{tools}</div>
              </div>
            )}
          </div>
        </div>
      </div>
    </header>
  );
}

export function Footer() {
  return (
    <footer className="fr-footer fr-mt-6w" role="contentinfo">
      <div className="fr-container">
        <div className="fr-footer__body">
          <div className="fr-footer__brand">
            <p className="console-brand fr-mb-0">
              pep's<small>{PLATFORM}</small>
            </p>
          </div>
          <div className="fr-footer__content">
            <p className="fr-footer__content-desc">
              {PLATFORM} — gestion des comptes des employeurs publics (CNRACL, Ircantec, RAFP). En cas de difficulté, contactez un conseiller
              CNRACL au 09 70 80 93 29, du lundi au vendredi de 9h à 17h.
            </p>
          </div>
        </div>
        <div className="fr-footer__bottom">
          <ul className="fr-footer__bottom-list">
            <li className="fr-footer__bottom-item">
              <a className="fr-footer__bottom-link" href="/docs">
                Documentation de l'API
              </a>
            </li>
          </ul>
        </div>
      </div>
    </footer>
  );
}

export function menuFor(admin: boolean) {
  return [
    { to: '/console', label: 'Tableau de bord' },
    ...(admin
      ? [
          { to: '/console/comptes', label: 'Gestion des comptes' },
          { to: '/console/historique', label: "Historique des opérations" },
          { to: '/console/delegations', label: 'Accès multicomptes' },
        ]
      : []),
    { to: '/console/intervenants', label: 'Mes intervenants' },
    { to: '/console/mon-compte', label: 'Mon compte' },
    { to: '/console/etablissement', label: 'Mon établissement' },
  ];
}

export function Layout({ children }: { children: ReactNode }) {
  const { me, establishment, chooseEstablishment, logout } = useConsole();
  const { path } = useLocation();
  const menu = menuFor(isAdmin(me));
  return (
    <>
      <div className="fr-skiplinks">
        <nav className="fr-container" role="navigation" aria-label="Accès rapide">
          <ul className="fr-skiplinks__list">
            <li>
              <a className="fr-link" href="#contenu">
                Contenu
              </a>
            </li>
            <li>
              <a className="fr-link" href="#menu">
                Menu
              </a>
            </li>
          </ul>
        </nav>
      </div>
      <Header
        tools={
          <ul className="fr-btns-group">
            <li>
              <Link className="fr-btn fr-icon-account-circle-line" to="/console/mon-compte">
                {fullName(me.account)}
              </Link>
            </li>
            <li>
              <button type="button" className="fr-btn fr-icon-logout-box-r-line" onClick={() => void logout()}>
                Se déconnecter
              </button>
            </li>
          </ul>
        }
      />
      <div className="fr-container fr-mt-3w">
        <div className="fr-grid-row fr-grid-row--gutters">
          <div className="fr-col-12 fr-col-md-3">
            <nav className="fr-sidemenu" role="navigation" aria-labelledby="menu-title" id="menu">
              <div className="fr-sidemenu__inner">
                <p className="fr-sidemenu__title" id="menu-title">
                  {establishment.name}
                </p>
                {me.actsFor.length > 0 && (
                  <div className="fr-select-group fr-mb-2w">
                    <label className="fr-label" htmlFor="acting-for">
                      Agir pour l'établissement
                    </label>
                    <select className="fr-select" id="acting-for" value={establishment.id} onChange={(e) => chooseEstablishment(e.target.value)}>
                      {[me.establishment, ...me.actsFor].map((e) => (
                        <option key={e.id} value={e.id}>
                          {e.name}
                        </option>
                      ))}
                    </select>
                  </div>
                )}
                <ul className="fr-sidemenu__list">
                  {menu.map((item) => {
                    const current = item.to === '/console' ? path === '/console' : path.startsWith(item.to);
                    return (
                      <li key={item.to} className={`fr-sidemenu__item${current ? ' fr-sidemenu__item--active' : ''}`}>
                        <Link className="fr-sidemenu__link" to={item.to} aria-current={current ? 'page' : undefined}>
                          {item.label}
                        </Link>
                      </li>
                    );
                  })}
                </ul>
              </div>
            </nav>
          </div>
          <main className="fr-col-12 fr-col-md-9" id="contenu" role="main" tabIndex={-1}>
            {children}
          </main>
        </div>
      </div>
      <Footer />
    </>
  );
}
