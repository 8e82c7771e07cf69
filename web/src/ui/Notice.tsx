import type { ReactNode } from 'react';
import { ApiError } from '../api/problem';

type Tone = 'info' | 'success' | 'warning' | 'error';

/** A message in a live region: errors interrupt (alert), the rest are polite (status). */
export function Notice({ tone, children, className = '' }: { tone: Tone; children: ReactNode; className?: string }) {
  const role = tone === 'error' || tone === 'warning' ? 'alert' : 'status';
  return (
    <div role={role} className={`notice notice-${tone} ${className}`.trim()}>
      {children}
    </div>
  );
}

export function describe(error: unknown): string {
  if (error instanceof ApiError) {
    const { title, detail } = error.problem;
    return detail && detail !== title ? `${title}: ${detail}` : title;
  }
  return error instanceof Error ? error.message : String(error);
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </p>
  );
}
