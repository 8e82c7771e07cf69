import { useCallback, useEffect, useState } from 'react';
import type { QuestlineApi } from '../api/client';
import type { StreamState } from '../api/stream';
import type { Gift, MyPage } from '../api/types';
import { useLoaded, type Loaded } from '../ui/useLoaded';

/** The later of two versions of the page (a slow read must not undo a pushed update). */
export function newer(candidate: MyPage, current: MyPage | null): MyPage {
  if (current === null || !current.updatedAt || !candidate.updatedAt) return candidate;
  return Date.parse(candidate.updatedAt) < Date.parse(current.updatedAt) ? current : candidate;
}

export interface MyPageState {
  page: MyPage | null;
  error: unknown;
  stream: StreamState;
  reload: () => void;
}

/** The player's page: read once, then kept current by the push stream; without a stream
 * it is read again only when asked (after the player's own exchange). */
export function useMyPage(api: QuestlineApi, customerId: string): MyPageState {
  const [page, setPage] = useState<MyPage | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [stream, setStream] = useState<StreamState>('connecting');
  const [round, setRound] = useState(0);

  useEffect(() => {
    let current = true;
    api.myPage(customerId).then(
      (fresh) => {
        if (!current) return;
        setPage((last) => newer(fresh, last));
        setError(null);
      },
      (failure: unknown) => current && setError(failure),
    );
    return () => {
      current = false;
    };
  }, [api, customerId, round]);

  useEffect(() => {
    const stop = new AbortController();
    void api.followMyPage(customerId, {
      signal: stop.signal,
      onState: setStream,
      onPage: (pushed) => {
        setPage((last) => newer(pushed, last));
        setError(null);
      },
    });
    return () => stop.abort();
  }, [api, customerId]);

  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { page, error, stream, reload };
}

export function useGifts(api: QuestlineApi): Loaded<Gift[]> {
  return useLoaded(useCallback(() => api.gifts(), [api]));
}
