import { useEffect, useState, type ReactNode } from 'react';
import type { User } from 'oidc-client-ts';
import { useAuth } from './auth/AuthContext';
import { landingOf } from './auth/session';
import { ConsoleView } from './console/ConsoleView';
import { MyPageView } from './mypage/MyPageView';
import { Link, navigate, usePath } from './router';
import { Loading, Notice, describe } from './ui/Notice';

export function App() {
  const path = usePath();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Header />
      <main id="main" tabIndex={-1}>
        {path === '/callback' ? <Callback /> : <Signed>{path === '/console' ? <ConsoleView /> : <MyPageView />}</Signed>}
      </main>
    </>
  );
}

function Header() {
  const { session, signOut } = useAuth();
  return (
    <header className="site-header">
      <Link href="/" className="brand">
        <span aria-hidden="true">★</span> Questline
      </Link>
      <nav aria-label="Main">
        <Link href="/">My Page</Link>
        <Link href="/console">LiveOps console</Link>
      </nav>
      {session && (
        <div className="who">
          <span>
            Signed in as <strong>{session.subject}</strong>
            <span className="role"> ({session.operator ? 'operator' : session.player ? 'player' : 'no role'})</span>
          </span>
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      )}
    </header>
  );
}

/** Its children once somebody is signed in; else a way to sign in. */
function Signed({ children }: { children: ReactNode }) {
  const { session, signIn } = useAuth();
  const [error, setError] = useState<unknown>(null);
  if (session === undefined) return <Loading what="your session" />;
  if (session !== null) return <>{children}</>;
  return (
    <section className="welcome card" aria-labelledby="welcome-title">
      <h1 id="welcome-title">Welcome to Questline</h1>
      <p>Sign in to see your missions, your rewards and the gifts you can exchange them for.</p>
      <p className="muted">Operators sign in here too, for the LiveOps console.</p>
      {error !== null && <Notice tone="error">Sign-in could not start. {describe(error)}</Notice>}
      <button type="button" className="primary" onClick={() => signIn().catch(setError)}>
        Sign in
      </button>
    </section>
  );
}

// A code is good once: a second effect run (React's StrictMode) reuses the first exchange.
const exchanges = new Map<string, Promise<User>>();

/** Back from the sign-in page with a code: exchange it (PKCE), then move on. */
function Callback() {
  const { manager } = useAuth();
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let current = true;
    const url = window.location.href;
    if (!exchanges.has(url)) exchanges.set(url, manager.signinRedirectCallback(url));
    exchanges.get(url)!.then(
      (user) => current && navigate(landingOf(user), { replace: true }),
      (failure: unknown) => current && setError(failure),
    );
    return () => {
      current = false;
    };
  }, [manager]);
  if (error === null) return <Loading what="your sign-in" />;
  return (
    <section className="card" aria-labelledby="callback-title">
      <h1 id="callback-title">Sign-in did not complete</h1>
      <Notice tone="error">{describe(error)}</Notice>
      <p>
        <Link href="/">Start again</Link>
      </p>
    </section>
  );
}
