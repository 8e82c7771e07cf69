import { useCallback, useId, useState, type FormEvent } from 'react';
import type { MissionDefinition, MissionRevision } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { fromLocalInput, toLocalInput, when } from '../ui/format';
import { Notice, describe } from '../ui/Notice';
import { useLoaded } from '../ui/useLoaded';

export function MissionsPanel() {
  const { api } = useAuth();
  const loaded = useLoaded(useCallback(() => api.missionDefinitions(), [api]));
  const { data: missions, reload } = loaded;
  const [failed, setFailed] = useState<unknown>(null);
  const error = failed ?? loaded.error;
  const [editing, setEditing] = useState<string | null>(null);
  const [said, setSaid] = useState<string | null>(null);

  const saved = (mission: MissionDefinition, verb: string) => {
    setSaid(`Mission ${mission.code} ${verb}.`);
    setFailed(null);
    setEditing(null);
    reload();
  };

  const toggle = async (mission: MissionDefinition) => {
    try {
      const revised = await api.reviseMission(mission.code, { active: !mission.active });
      saved(revised, revised.active ? 'activated' : 'deactivated');
    } catch (failure) {
      setSaid(null);
      setFailed(failure);
    }
  };

  return (
    <section id="missions" aria-labelledby="missions-title" className="card">
      <h2 id="missions-title">Missions</h2>
      {said && <Notice tone="success">{said}</Notice>}
      {error !== null && <Notice tone="error">{describe(error)}</Notice>}
      {missions === null && error === null && <p role="status">Loading the missions…</p>}
      {missions !== null && (
        <div className="table-scroll">
          <table>
            <caption>Mission catalogue</caption>
            <thead>
              <tr>
                <th scope="col">Code</th>
                <th scope="col">Title</th>
                <th scope="col">Points</th>
                <th scope="col">State</th>
                <th scope="col">Active window</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {missions.map((mission) => (
                <MissionRow
                  key={mission.code}
                  mission={mission}
                  editing={editing === mission.code}
                  onEdit={() => setEditing(editing === mission.code ? null : mission.code)}
                  onToggle={() => void toggle(mission)}
                  onSaved={(m) => saved(m, 'saved')}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <MissionForm onSaved={(m) => saved(m, 'created')} />
    </section>
  );
}

interface RowProps {
  mission: MissionDefinition;
  editing: boolean;
  onEdit: () => void;
  onToggle: () => void;
  onSaved: (mission: MissionDefinition) => void;
}

function MissionRow({ mission, editing, onEdit, onToggle, onSaved }: RowProps) {
  return (
    <>
      <tr data-mission={mission.code}>
        <th scope="row">
          <code>{mission.code}</code>
        </th>
        <td>{mission.title}</td>
        <td>{mission.points.toLocaleString()}</td>
        <td>
          <span className={`badge ${mission.active ? 'badge-available' : 'badge-inactive'}`}>
            {mission.active ? 'Active' : 'Inactive'}
          </span>
        </td>
        <td>{window_(mission)}</td>
        <td className="actions">
          {/* Names that start with the visible word, and say which mission. */}
          <button type="button" onClick={onEdit} aria-expanded={editing} aria-label={`Edit ${mission.code}`}>
            Edit
          </button>
          <button type="button" onClick={onToggle} aria-label={`${mission.active ? 'Deactivate' : 'Activate'} ${mission.code}`}>
            {mission.active ? 'Deactivate' : 'Activate'}
          </button>
        </td>
      </tr>
      {editing && (
        <tr className="editor-row">
          <td colSpan={6}>
            <MissionForm mission={mission} onSaved={onSaved} />
          </td>
        </tr>
      )}
    </>
  );
}

function window_(mission: MissionDefinition): string {
  if (!mission.startsAt && !mission.endsAt) return 'always';
  return `${mission.startsAt ? when(mission.startsAt) : 'now'} → ${mission.endsAt ? when(mission.endsAt) : 'open-ended'}`;
}

/** Create a mission, or (with `mission`) revise one: title, points, state and window. */
function MissionForm({ mission, onSaved }: { mission?: MissionDefinition; onSaved: (m: MissionDefinition) => void }) {
  const { api } = useAuth();
  const id = useId();
  const [code, setCode] = useState('');
  const [title, setTitle] = useState(mission?.title ?? '');
  const [pointsText, setPoints] = useState(mission ? String(mission.points) : '100');
  const [active, setActive] = useState(mission?.active ?? true);
  const [startsAt, setStartsAt] = useState(toLocalInput(mission?.startsAt ?? null));
  const [endsAt, setEndsAt] = useState(toLocalInput(mission?.endsAt ?? null));
  const [error, setError] = useState<unknown>(null);
  const [sending, setSending] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSending(true);
    setError(null);
    const points = Number(pointsText);
    const start = fromLocalInput(startsAt);
    const end = fromLocalInput(endsAt);
    try {
      if (mission) {
        const revision: MissionRevision = { title, points, active };
        if (start === null && end === null) revision.clearWindow = true;
        else {
          if (start !== null) revision.startsAt = start;
          if (end !== null) revision.endsAt = end;
          // One side left empty: that side is cleared, the other set.
          if (start === null || end === null) {
            revision.clearWindow = true;
          }
        }
        onSaved(await api.reviseMission(mission.code, revision));
      } else {
        onSaved(await api.defineMission({ code, title, points, active, startsAt: start, endsAt: end }));
        setCode('');
        setTitle('');
        setPoints('100');
      }
    } catch (failure) {
      setError(failure);
    } finally {
      setSending(false);
    }
  };

  return (
    <form className="form" onSubmit={submit} aria-labelledby={`${id}-legend`}>
      <h3 id={`${id}-legend`}>{mission ? `Edit ${mission.code}` : 'New mission'}</h3>
      <div className="fields">
        {!mission && (
          <div className="field">
            <label htmlFor={`${id}-code`}>Code</label>
            <input
              id={`${id}-code`}
              value={code}
              onChange={(e) => setCode(e.target.value)}
              required
              pattern="[a-z0-9][a-z0-9-]{1,63}"
              aria-describedby={`${id}-code-help`}
              autoComplete="off"
            />
            <small id={`${id}-code-help`}>lower-case letters, digits and dashes, e.g. halloween-hunt</small>
          </div>
        )}
        <div className="field">
          <label htmlFor={`${id}-title`}>Title</label>
          <input id={`${id}-title`} value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={200} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-points`}>Points</label>
          <input
            id={`${id}-points`}
            type="number"
            min={1}
            max={1000000}
            value={pointsText}
            onChange={(e) => setPoints(e.target.value)}
            required
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-starts`}>Starts at (optional)</label>
          <input id={`${id}-starts`} type="datetime-local" value={startsAt} onChange={(e) => setStartsAt(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-ends`}>Ends at (optional)</label>
          <input id={`${id}-ends`} type="datetime-local" value={endsAt} onChange={(e) => setEndsAt(e.target.value)} />
        </div>
        <div className="field checkbox">
          <input id={`${id}-active`} type="checkbox" checked={active} onChange={(e) => setActive(e.target.checked)} />
          <label htmlFor={`${id}-active`}>Active</label>
        </div>
      </div>
      {error !== null && <Notice tone="error">{describe(error)}</Notice>}
      <button type="submit" className="primary" disabled={sending}>
        {sending ? 'Saving…' : mission ? 'Save changes' : 'Create mission'}
      </button>
    </form>
  );
}
