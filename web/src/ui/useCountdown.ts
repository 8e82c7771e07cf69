import { useEffect, useState } from 'react';

/** Seconds left from `seconds` down to 0, one tick a second; restarts when `key` changes. */
export function useCountdown(seconds: number | null, key: unknown): number | null {
  const [left, setLeft] = useState<{ key: unknown; value: number | null }>({ key, value: seconds });
  const current = left.key === key ? left.value : seconds;
  if (left.key !== key) setLeft({ key, value: seconds });
  useEffect(() => {
    if (current === null || current <= 0) return;
    const timer = setTimeout(() => setLeft({ key, value: current - 1 }), 1000);
    return () => clearTimeout(timer);
  }, [current, key]);
  return current;
}
