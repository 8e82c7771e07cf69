import { useId, useState, type FormEvent } from 'react';
import type { QuestlineApi } from '../api/client';
import { ApiError } from '../api/problem';
import type { Gift, WalletItem } from '../api/types';
import { Notice, describe } from '../ui/Notice';
import { useCountdown } from '../ui/useCountdown';

type Outcome =
  | { kind: 'idle' }
  | { kind: 'sending' }
  | { kind: 'outOfStock'; message: string }
  | { kind: 'busy'; seconds: number; attempt: number }
  | { kind: 'failed'; message: string };

interface Props {
  api: QuestlineApi;
  customerId: string;
  reward: WalletItem;
  gifts: Gift[];
  rewardLabel: string;
  /** After any answer that may have changed the wallet or the stock. */
  onChanged: () => void;
  /** Wallet's EXCHANGED entry, and the gift's name (the form goes once the page shows it). */
  onExchanged: (entry: WalletItem, giftName: string) => void;
}

/** Pick a gift for an AVAILABLE reward and exchange it. Out of stock (409) and a busy
 * gift shop (503 + Retry-After) leave the reward available and say so. */
export function ExchangeForm({ api, customerId, reward, gifts, rewardLabel, onChanged, onExchanged }: Props) {
  const id = useId();
  const inStock = gifts.filter((gift) => gift.stock > 0);
  const [giftId, setGiftId] = useState('');
  const [outcome, setOutcome] = useState<Outcome>({ kind: 'idle' });
  const busy = outcome.kind === 'busy' ? outcome : null;
  const wait = useCountdown(busy?.seconds ?? null, busy?.attempt);
  const waiting = busy !== null && wait !== null && wait > 0;
  const chosen = giftId || inStock[0]?.id || '';

  const exchange = async (event: FormEvent) => {
    event.preventDefault();
    if (!chosen) return;
    setOutcome({ kind: 'sending' });
    try {
      const entry = await api.exchange(customerId, reward.rewardId, chosen);
      setOutcome({ kind: 'idle' });
      onExchanged(entry, gifts.find((g) => g.id === chosen)?.name ?? chosen);
      onChanged();
    } catch (error) {
      if (error instanceof ApiError && error.outOfStock) {
        setOutcome({ kind: 'outOfStock', message: describe(error) });
        onChanged();
      } else if (error instanceof ApiError && error.busy) {
        setOutcome({ kind: 'busy', seconds: error.retryAfterSeconds ?? 5, attempt: Date.now() });
      } else {
        setOutcome({ kind: 'failed', message: describe(error) });
      }
    }
  };

  if (gifts.length > 0 && inStock.length === 0) {
    return <p className="muted">Every gift is out of stock right now; your reward stays available.</p>;
  }
  return (
    <form className="exchange" onSubmit={exchange} aria-label={`Exchange ${rewardLabel}`}>
      <label htmlFor={`${id}-gift`}>Gift for this reward</label>
      <div className="exchange-row">
        <select id={`${id}-gift`} value={chosen} onChange={(e) => setGiftId(e.target.value)} disabled={outcome.kind === 'sending'}>
          {gifts.map((gift) => (
            <option key={gift.id} value={gift.id} disabled={gift.stock <= 0}>
              {gift.name} ({gift.stock > 0 ? `${gift.stock} left` : 'out of stock'})
            </option>
          ))}
        </select>
        <button type="submit" className="primary" disabled={!chosen || outcome.kind === 'sending' || waiting}>
          {outcome.kind === 'sending' ? 'Exchanging…' : waiting ? `Try again in ${wait} s` : 'Exchange'}
        </button>
      </div>
      {outcome.kind === 'outOfStock' && <Notice tone="warning">{outcome.message}</Notice>}
      {busy && (
        <Notice tone="warning" className="busy">
          <strong>Gift shop busy</strong> —{' '}
          {waiting ? (
            <>
              {/* The ticking number is for the eye; a screen reader hears it once. */}
              <span aria-hidden="true">
                try again in <span className="countdown">{wait}</span> s.
              </span>
              <span className="visually-hidden">try again in {busy.seconds} seconds.</span>
            </>
          ) : (
            'you can try again now.'
          )}{' '}
          Your reward is safe and still available.
        </Notice>
      )}
      {outcome.kind === 'failed' && <Notice tone="error">{outcome.message}</Notice>}
    </form>
  );
}
