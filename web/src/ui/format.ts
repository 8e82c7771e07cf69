const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

export function points(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${value.toLocaleString()} pts`;
}

/** An ISO instant as the value of <input type="datetime-local"> (local time, minutes). */
export function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const date = new Date(iso);
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

/** The value of <input type="datetime-local"> as an ISO instant with its offset (UTC). */
export function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const date = new Date(value); // read as local time
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
