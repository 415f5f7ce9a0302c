/** The administrators' console: the session, the routes, the screens. */
import { type ReactElement, useCallback, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { api, type Me, must, session, whenSessionLost } from './api';
import { Ctx, isAdmin } from './context';
import { Layout } from './layout';
import { navigate, useLocation } from './router';
import { AccountsPage } from './screens/accounts';
import { CreateAccountPage } from './screens/create-account';
import { DashboardPage } from './screens/dashboard';
import { DelegationsPage } from './screens/delegations';
import { EditAccountPage } from './screens/edit-account';
import { HistoryPage } from './screens/history';
import { LoginPage } from './screens/login';
import { AdminsPage, EstablishmentPage, MyAccountPage } from './screens/me';
import { TermsPage } from './screens/terms';

const ACTING_FOR = 'peps.actingFor';

function Screen({ path, admin }: { path: string; admin: boolean }) {
  const adminOnly = (screen: ReactElement) => (admin ? screen : <DashboardPage />);
  if (path === '/console/comptes') return adminOnly(<AccountsPage />);
  if (path === '/console/comptes/nouveau') return adminOnly(<CreateAccountPage />);
  const account = /^\/console\/comptes\/([0-9a-f-]{36})$/.exec(path);
  if (account) return adminOnly(<EditAccountPage accountId={account[1]!} />);
  if (path === '/console/historique') return adminOnly(<HistoryPage />);
  if (path === '/console/intervenants') return <AdminsPage />;
  if (path === '/console/mon-compte') return <MyAccountPage />;
  if (path === '/console/etablissement') return <EstablishmentPage />;
  if (path === '/console/cgu') return <TermsPage />;
  if (path === '/console/delegations') return adminOnly(<DelegationsPage />);
  return <DashboardPage />;
}

function App() {
  const { path } = useLocation();
  const [me, setMe] = useState<Me | null>(null);
  const [loading, setLoading] = useState(Boolean(session.token()));
  const [actingFor, setActingFor] = useState<string | null>(sessionStorage.getItem(ACTING_FOR));

  const refresh = useCallback(async () => {
    if (!session.token()) return setMe(null);
    try {
      setMe(await must(api.GET('/me')));
    } catch {
      session.clear();
      setMe(null);
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    whenSessionLost(() => {
      setMe(null);
      navigate('/', true);
    });
    void refresh();
  }, [refresh]);

  useEffect(() => {
    if (loading) return;
    if (!me && path !== '/') navigate('/', true);
    if (me && path === '/') navigate('/console', true);
  }, [me, loading, path]);

  useEffect(() => {
    document.title = `${document.querySelector('main h1')?.textContent ?? 'Connexion'} — Pep's`;
  });

  if (loading) return <p className="fr-container fr-mt-6w">Chargement…</p>;
  if (!me) return <LoginPage onLoggedIn={refresh} />;

  const establishment = [me.establishment, ...me.actsFor].find((e) => e.id === actingFor) ?? me.establishment;
  return (
    <Ctx.Provider
      value={{
        me,
        establishment,
        refresh,
        chooseEstablishment: (id) => {
          sessionStorage.setItem(ACTING_FOR, id);
          setActingFor(id);
        },
        logout: async () => {
          await api.POST('/auth/logout').catch(() => undefined);
          session.clear();
          sessionStorage.removeItem(ACTING_FOR);
          setMe(null);
          navigate('/', true);
        },
      }}
    >
      <Layout>
        <Screen path={path} admin={isAdmin(me)} />
      </Layout>
    </Ctx.Provider>
  );
}

createRoot(document.getElementById('console')!).render(<App />);
