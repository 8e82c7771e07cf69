// Sign-in with Questline's auth server (OAuth 2 / OIDC, authorization code + PKCE S256)
// through oidc-client-ts. Tokens live in sessionStorage: they end with the tab and are
// never in localStorage, where every later visitor of this browser could read them.
import { UserManager, WebStorageStateStore, type User } from 'oidc-client-ts';

export const CLIENT_ID = 'questline-web';
// The auth server grants only what the account's role allows: a player gets
// `openid player`, an operator `openid liveops`. One sign-in serves both.
export const SCOPE = 'openid player liveops';

export function createUserManager(origin: string = window.location.origin): UserManager {
  return new UserManager({
    authority: origin, // discovery at /.well-known/openid-configuration, behind the gateway
    client_id: CLIENT_ID,
    redirect_uri: `${origin}/callback`,
    response_type: 'code',
    scope: SCOPE,
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
    stateStore: new WebStorageStateStore({ store: window.sessionStorage }),
    // Renewed with the refresh token before the 15-minute access token expires.
    automaticSilentRenew: true,
    loadUserInfo: false,
    monitorSession: false,
    revokeTokenTypes: ['refresh_token'],
  });
}

export interface Session {
  /** The token's subject: a player's customer id, an operator's username. */
  subject: string;
  player: boolean;
  operator: boolean;
  accessToken: string;
}

export function sessionOf(user: User | null): Session | null {
  // An expired token with a refresh token is still a session: the next call renews it.
  if (user === null || (user.expired === true && !user.refresh_token)) return null;
  const scopes = new Set((user.scope ?? '').split(' '));
  return {
    subject: user.profile.sub,
    player: scopes.has('player'),
    operator: scopes.has('liveops'),
    accessToken: user.access_token,
  };
}

/** Where to go once signed in: back where sign-in started, else the role's home. */
export function landingOf(user: User): string {
  const home = sessionOf(user)?.operator ? '/console' : '/';
  const state = user.state as { returnTo?: unknown } | undefined;
  const back = state?.returnTo;
  // Only a path of this app (never another origin); from the front door, the role's home.
  if (typeof back === 'string' && back.startsWith('/') && !back.startsWith('//') && back !== '/') return back;
  return home;
}
