import { useCallback, useEffect, useState } from 'react';

export interface Loaded<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  /** Read again (keeps showing the last data meanwhile). */
  reload: () => void;
}

/** What `load` (a stable callback) answers, read on mount and on each reload. */
export function useLoaded<T>(load: () => Promise<T>): Loaded<T> {
  const [round, setRound] = useState(0);
  const [state, setState] = useState<Omit<Loaded<T>, 'reload'>>({ data: null, error: null, loading: true });
  useEffect(() => {
    let current = true;
    load().then(
      (data) => current && setState({ data, error: null, loading: false }),
      (error: unknown) => current && setState((last) => ({ ...last, error, loading: false })),
    );
    return () => {
      current = false;
    };
  }, [load, round]);
  const reload = useCallback(() => {
    setState((last) => ({ ...last, loading: true }));
    setRound((n) => n + 1);
  }, []);
  return { ...state, reload };
}
