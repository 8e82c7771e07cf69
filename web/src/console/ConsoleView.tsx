import { useAuth } from '../auth/AuthContext';
import { Link } from '../router';
import { GiftsPanel } from './GiftsPanel';
import { MissionsPanel } from './MissionsPanel';
import { OpsPanel } from './OpsPanel';

/** Operators only: anyone else is told so and gets no form at all (the services refuse
 * them too: every change here needs a token with scope liveops). */
export function ConsoleView() {
  const { session } = useAuth();
  if (!session) return null;
  if (!session.operator) {
    return (
      <section aria-labelledby="console-title" className="not-allowed">
        <h1 id="console-title">LiveOps console</h1>
        <div role="alert" className="notice notice-error">
          <p>
            <strong>Not allowed.</strong> The LiveOps console is for operators, and you are signed in as the player{' '}
            <strong>{session.subject}</strong>.
          </p>
          <p>
            <Link href="/">Back to My Page</Link>
          </p>
        </div>
      </section>
    );
  }
  return (
    <div className="console">
      <header className="page-header">
        <h1>LiveOps console</h1>
        <nav aria-label="Console sections" className="section-nav">
          <a href="#status">System status</a>
          <a href="#missions">Missions</a>
          <a href="#gifts">Gifts</a>
        </nav>
      </header>
      <OpsPanel />
      <MissionsPanel />
      <GiftsPanel />
    </div>
  );
}
