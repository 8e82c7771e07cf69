import { useCallback, useState } from 'react';
import type { StreamState } from '../api/stream';
import type { Gift, MissionItem, WalletItem } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { Link } from '../router';
import { when, points } from '../ui/format';
import { Loading, Notice, describe } from '../ui/Notice';
import { StatusBadge } from '../ui/StatusBadge';
import { ExchangeForm } from './ExchangeForm';
import { useGifts, useMyPage } from './useMyPage';

export function MyPageView() {
  const { session } = useAuth();
  if (!session) return null; // the shell asks to sign in
  if (!session.player) {
    return (
      <section aria-labelledby="mypage-title">
        <h1 id="mypage-title">My Page</h1>
        <Notice tone="info">
          You are signed in as an operator: My Page is for players. Open the <Link href="/console">LiveOps console</Link>.
        </Notice>
      </section>
    );
  }
  return <PlayerPage customerId={session.subject} />;
}

function PlayerPage({ customerId }: { customerId: string }) {
  const { api } = useAuth();
  const { page, error, stream, reload, recordExchange } = useMyPage(api, customerId);
  const gifts = useGifts(api);
  const reloadGifts = gifts.reload;
  const afterExchange = useCallback(() => {
    reloadGifts(); // stock moved
    if (stream !== 'live') reload(); // else the stream brings the new page
  }, [reloadGifts, reload, stream]);

  return (
    <div className="my-page">
      <header className="page-header">
        <h1>My Page</h1>
        <LiveState state={stream} />
      </header>
      {error !== null && (
        <Notice tone="error">
          Your page could not be loaded. {describe(error)}{' '}
          <button type="button" className="link" onClick={reload}>
            Try again
          </button>
        </Notice>
      )}
      {page === null && error === null && <Loading what="your page" />}
      {page !== null && (
        <div className="columns">
          <Missions missions={page.missions} />
          <Wallet
            wallet={page.wallet}
            missions={page.missions}
            gifts={gifts.data ?? []}
            customerId={customerId}
            onChanged={afterExchange}
            onExchanged={recordExchange}
          />
        </div>
      )}
      <GiftShop gifts={gifts.data} error={gifts.error} onReload={reloadGifts} />
    </div>
  );
}

function LiveState({ state }: { state: StreamState }) {
  const text: Record<StreamState, string> = {
    connecting: 'Connecting to live updates…',
    live: 'Live: updates appear by themselves',
    reconnecting: 'Reconnecting to live updates…',
    unavailable: 'Live updates unavailable: the page refreshes after your exchanges',
  };
  return (
    <p className={`live live-${state}`} data-live={state}>
      <span className="dot" aria-hidden="true" /> {text[state]}
    </p>
  );
}

function Missions({ missions }: { missions: MissionItem[] }) {
  return (
    <section aria-labelledby="missions-title" className="card">
      <h2 id="missions-title">Achieved missions</h2>
      {missions.length === 0 ? (
        <p className="empty">No missions achieved yet. Play on: each mission you complete shows up here with its reward.</p>
      ) : (
        <ul className="items">
          {missions.map((mission) => (
            <li key={mission.missionId} className="item">
              <div className="item-main">
                <span className="item-title">{mission.missionTitle ?? mission.missionCode}</span>
                <span className="item-meta">
                  {points(mission.points)} · achieved {when(mission.achievedAt)}
                </span>
              </div>
              <div className="item-side">
                <span className="visually-hidden">Reward: </span>
                <StatusBadge status={mission.rewardId ? mission.rewardStatus ?? 'ISSUED' : null} />
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

interface WalletProps {
  wallet: WalletItem[];
  missions: MissionItem[];
  gifts: Gift[];
  customerId: string;
  onChanged: () => void;
  onExchanged: (entry: WalletItem, giftName: string) => void;
}

function Wallet({ wallet, missions, gifts, customerId, onChanged, onExchanged }: WalletProps) {
  const { api } = useAuth();
  // Said here, not in the form: the form goes as soon as the page shows the exchange.
  const [said, setSaid] = useState<string | null>(null);
  const titleOf = new Map(missions.map((m) => [m.missionId, m.missionTitle ?? m.missionCode]));
  const giftName = (entry: WalletItem) =>
    entry.giftName ?? gifts.find((gift) => gift.id === entry.giftId)?.name ?? entry.giftId ?? 'a gift';
  return (
    <section aria-labelledby="wallet-title" className="card">
      <h2 id="wallet-title">Wallet</h2>
      {said && <Notice tone="success">{said}</Notice>}
      {wallet.length === 0 ? (
        <p className="empty">Your wallet is empty. Rewards land here as soon as a mission is achieved.</p>
      ) : (
        <ul className="items">
          {wallet.map((entry) => {
            const mission = entry.missionId ? titleOf.get(entry.missionId) : undefined;
            const label = `${points(entry.points)} reward${mission ? ` from ${mission}` : ''}`;
            return (
              <li key={entry.rewardId} className="item reward" data-reward-id={entry.rewardId}>
                <div className="item-main">
                  <span className="item-title">{label}</span>
                  <span className="item-meta">
                    {entry.status === 'EXCHANGED'
                      ? `Exchanged for ${giftName(entry)} · ${when(entry.exchangedAt)}`
                      : `In your wallet since ${when(entry.depositedAt)}`}
                  </span>
                </div>
                <div className="item-side">
                  <StatusBadge status={entry.status ?? 'AVAILABLE'} />
                </div>
                {entry.status !== 'EXCHANGED' && (
                  <ExchangeForm
                    api={api}
                    customerId={customerId}
                    reward={entry}
                    gifts={gifts}
                    rewardLabel={label}
                    onChanged={onChanged}
                    onExchanged={(exchanged, gift) => {
                      setSaid(`Exchanged your ${label} for ${gift}.`);
                      onExchanged(exchanged, gift);
                    }}
                  />
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function GiftShop({ gifts, error, onReload }: { gifts: Gift[] | null; error: unknown; onReload: () => void }) {
  return (
    <section aria-labelledby="shop-title" className="card">
      <div className="section-header">
        <h2 id="shop-title">Gift shop</h2>
        <button type="button" onClick={onReload}>
          Refresh stock
        </button>
      </div>
      {error !== null && <Notice tone="error">The gift shop could not be loaded. {describe(error)}</Notice>}
      {gifts === null && error === null && <Loading what="the gifts" />}
      {gifts !== null && gifts.length === 0 && <p className="empty">No gifts in the shop yet.</p>}
      {gifts !== null && gifts.length > 0 && (
        <ul className="gift-grid">
          {gifts.map((gift) => (
            <li key={gift.id} className={`gift ${gift.stock <= 0 ? 'gift-out' : ''}`}>
              <span className="item-title">{gift.name}</span>
              <span className="item-meta">{gift.stock > 0 ? `${gift.stock} left` : 'Out of stock'}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
