import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { User, UserManager } from 'oidc-client-ts';
import { QuestlineApi } from '../api/client';
import { sessionOf, type Session } from './session';

export interface Auth {
  /** undefined while the stored session is read; null when nobody is signed in. */
  session: Session | null | undefined;
  api: QuestlineApi;
  signIn: (returnTo?: string) => Promise<void>;
  signOut: () => Promise<void>;
  /** A valid access token (renewed if it expired), or null. */
  token: () => Promise<string | null>;
  manager: UserManager;
}

export const AuthContext = createContext<Auth | null>(null);

export function AuthProvider({ manager, children }: { manager: UserManager; children: ReactNode }) {
  const [user, setUser] = useState<User | null | undefined>(undefined);

  useEffect(() => {
    let current = true;
    manager.getUser().then(
      (stored) => current && setUser(stored),
      () => current && setUser(null),
    );
    const loaded = (next: User) => setUser(next);
    const unloaded = () => setUser(null);
    manager.events.addUserLoaded(loaded);
    manager.events.addUserUnloaded(unloaded);
    manager.events.addUserSignedOut(unloaded);
    return () => {
      current = false;
      manager.events.removeUserLoaded(loaded);
      manager.events.removeUserUnloaded(unloaded);
      manager.events.removeUserSignedOut(unloaded);
    };
  }, [manager]);

  const token = useCallback(async () => {
    const stored = await manager.getUser();
    if (stored === null) return null;
    if (!stored.expired) return stored.access_token;
    try {
      const renewed = await manager.signinSilent(); // with the refresh token
      return renewed?.access_token ?? null;
    } catch {
      await manager.removeUser();
      return null;
    }
  }, [manager]);

  const api = useMemo(() => new QuestlineApi(token), [token]);
  const auth = useMemo<Auth>(
    () => ({
      session: user === undefined ? undefined : sessionOf(user),
      api,
      signIn: (returnTo = window.location.pathname) => manager.signinRedirect({ state: { returnTo } }),
      signOut: async () => {
        await manager.revokeTokens().catch(() => undefined);
        await manager.removeUser();
      },
      token,
      manager,
    }),
    [user, manager, token, api],
  );
  return <AuthContext.Provider value={auth}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (auth === null) throw new Error('useAuth outside AuthProvider');
  return auth;
}
