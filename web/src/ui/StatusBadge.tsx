const LABELS: Record<string, string> = {
  AVAILABLE: 'Available',
  EXCHANGED: 'Exchanged',
  ISSUED: 'Issued',
  PENDING: 'Reward on its way',
};

/** A status as a word first (never colour alone), styled by kind. */
export function StatusBadge({ status }: { status: string | null }) {
  const key = status ?? 'PENDING';
  return <span className={`badge badge-${key.toLowerCase()}`}>{LABELS[key] ?? key}</span>;
}
