import { useCallback, useEffect, useMemo, useState } from 'react';
import type { QuestlineApi } from '../api/client';
import type { StreamState } from '../api/stream';
import type { Gift, MyPage, WalletItem } from '../api/types';
import { useLoaded, type Loaded } from '../ui/useLoaded';

/** The later of two versions of the page (a slow read must not undo a pushed update). */
export function newer(candidate: MyPage, current: MyPage | null): MyPage {
  if (current === null || !current.updatedAt || !candidate.updatedAt) return candidate;
  return Date.parse(candidate.updatedAt) < Date.parse(current.updatedAt) ? current : candidate;
}

/** The page with the player's own exchanges shown at once: wallet answered them, and My
 * Page (built from events) catches up a moment later. */
export function withExchanges(page: MyPage, exchanged: Record<string, WalletItem>): MyPage {
  if (Object.keys(exchanged).length === 0) return page;
  return {
    ...page,
    wallet: page.wallet.map((entry) => {
      const done = exchanged[entry.rewardId];
      return done && entry.status !== 'EXCHANGED' ? { ...entry, ...done } : entry;
    }),
    missions: page.missions.map((mission) =>
      mission.rewardId && exchanged[mission.rewardId] ? { ...mission, rewardStatus: 'EXCHANGED' } : mission,
    ),
  };
}

export interface MyPageState {
  page: MyPage | null;
  error: unknown;
  stream: StreamState;
  reload: () => void;
  /** The EXCHANGED entry wallet answered, with the gift's name. */
  recordExchange: (entry: WalletItem, giftName: string) => void;
}

/** The player's page: read once, then kept current by the push stream; without a stream
 * it is read again only when asked (after the player's own exchange). */
export function useMyPage(api: QuestlineApi, customerId: string): MyPageState {
  const [page, setPage] = useState<MyPage | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [stream, setStream] = useState<StreamState>('connecting');
  const [round, setRound] = useState(0);
  const [exchanged, setExchanged] = useState<Record<string, WalletItem>>({});

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
  const recordExchange = useCallback(
    (entry: WalletItem, giftName: string) => setExchanged((known) => ({ ...known, [entry.rewardId]: { ...entry, giftName } })),
    [],
  );
  const shown = useMemo(() => page && withExchanges(page, exchanged), [page, exchanged]);
  return { page: shown, error, stream, reload, recordExchange };
}

export function useGifts(api: QuestlineApi): Loaded<Gift[]> {
  return useLoaded(useCallback(() => api.gifts(), [api]));
}
