/** Who is logged in (GET /me) and for which establishment they act, shared by every screen. */
import { createContext, useContext } from 'react';
import type { Me } from './api';

export interface ConsoleContext {
  me: Me;
  /** The establishment the screens act on: one's own, or one that delegated its management (me.actsFor). */
  establishment: { id: string; name: string; siret: string };
  chooseEstablishment: (id: string) => void;
  refresh: () => Promise<void>;
  logout: () => Promise<void>;
}

export const Ctx = createContext<ConsoleContext | null>(null);

export function useConsole(): ConsoleContext {
  const value = useContext(Ctx);
  if (!value) throw new Error('useConsole outside the console');
  return value;
}

export const isAdmin = (me: Me) => me.account.profile === 'admin';
export const fullName = (a: { civilityLabel: string; firstName: string; lastName: string }) => `${a.civilityLabel} ${a.firstName} ${a.lastName}`;
