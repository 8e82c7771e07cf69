import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { MissionItem, WalletItem } from '../api/types';
import { authWith, fakeFetch, gift, json, myPage, on, OPERATOR, PLAYER, problem, ServerStream, SignedIn } from '../test/fakes';
import { MyPageView } from './MyPageView';

const MISSION: MissionItem = {
  missionId: 'm-1',
  missionCode: 'first-win',
  missionTitle: 'Win your first match',
  points: 50,
  achievedAt: '2026-01-01T10:00:00Z',
  rewardId: 'r-1',
  rewardStatus: 'ISSUED',
};
const ENTRY: WalletItem = {
  rewardId: 'r-1',
  missionId: 'm-1',
  points: 50,
  status: 'AVAILABLE',
  depositedAt: '2026-01-01T10:00:01Z',
  giftId: null,
  exchangeId: null,
  exchangedAt: null,
};
const GIFTS = [gift('gift-hat', 'Pumpkin hat', 3)];

function renderPage(session: typeof PLAYER, ...routes: Parameters<typeof fakeFetch>) {
  const server = fakeFetch(on('GET', '/gifts', () => json(GIFTS)), ...routes);
  render(
    <SignedIn auth={authWith(session, server.fetch)}>
      <MyPageView />
    </SignedIn>,
  );
  return server;
}

const noStream = on('GET', '/mypage/alice/stream', () => problem(404, 'Not Found'));

describe('My Page', () => {
  it('shows loading, then says plainly that there is nothing yet', async () => {
    renderPage(PLAYER, on('GET', '/mypage/alice', () => json(myPage())), noStream);
    expect(screen.getByText('Loading your page…')).toBeInTheDocument();
    expect(await screen.findByText(/No missions achieved yet/)).toBeInTheDocument();
    expect(screen.getByText(/Your wallet is empty/)).toBeInTheDocument();
    expect(await screen.findByText('3 left')).toBeInTheDocument();
  });

  it('shows each mission with its reward, and the gift an exchanged reward became', async () => {
    const exchanged = { ...ENTRY, rewardId: 'r-2', missionId: 'm-2', status: 'EXCHANGED' as const, giftId: 'gift-hat', giftName: null };
    const named = { ...ENTRY, rewardId: 'r-3', missionId: 'm-3', status: 'EXCHANGED' as const, giftId: 'gift-gone', giftName: 'Old banner' };
    const page = myPage({ missions: [MISSION], wallet: [ENTRY, exchanged, named] });
    renderPage(PLAYER, on('GET', '/mypage/alice', () => json(page)), noStream);

    const missions = await screen.findByRole('region', { name: 'Achieved missions' });
    expect(within(missions).getByText('Win your first match')).toBeInTheDocument();
    expect(within(missions).getByText('Issued')).toBeInTheDocument();
    const wallet = screen.getByRole('region', { name: 'Wallet' });
    expect(await within(wallet).findByText(/Exchanged for Pumpkin hat/)).toBeInTheDocument(); // name from the catalogue
    expect(within(wallet).getByText(/Exchanged for Old banner/)).toBeInTheDocument(); // name from My Page
    expect(within(wallet).getAllByRole('form')).toHaveLength(1); // only the available reward
  });

  it('updates by itself when the stream pushes a new page', async () => {
    const stream = new ServerStream();
    renderPage(
      PLAYER,
      on('GET', '/mypage/alice', () => json(myPage())),
      on('GET', '/mypage/alice/stream', () => stream.response),
    );
    expect(await screen.findByText('Live: updates appear by themselves')).toBeInTheDocument();
    stream.page(myPage({ missions: [MISSION], wallet: [ENTRY], updatedAt: '2026-01-01T10:00:02Z' }), '2');
    expect(await screen.findByText('Win your first match')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Exchange' })).toBeInTheDocument();
  });

  it('without a stream, reads the page again after the player exchanged', async () => {
    let reads = 0;
    const before = myPage({ missions: [MISSION], wallet: [ENTRY] });
    const after = myPage({
      missions: [{ ...MISSION, rewardStatus: 'EXCHANGED' }],
      wallet: [{ ...ENTRY, status: 'EXCHANGED', giftId: 'gift-hat', giftName: 'Pumpkin hat' }],
      updatedAt: '2026-01-01T10:00:09Z',
    });
    renderPage(
      PLAYER,
      on('GET', '/mypage/alice', () => json(reads++ === 0 ? before : after)),
      noStream,
      on('POST', '/wallets/alice/rewards/r-1/exchange', () => json({ ...ENTRY, status: 'EXCHANGED' })),
    );
    expect(await screen.findByText(/Live updates unavailable/)).toBeInTheDocument();
    await userEvent.click(await screen.findByRole('button', { name: 'Exchange' }));
    expect(await screen.findByText(/Exchanged for Pumpkin hat ·/)).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('Exchanged your 50 pts reward from Win your first match for Pumpkin hat.');
    expect(reads).toBe(2);
  });

  it('shows the exchange at once, before My Page has caught up with it', async () => {
    const page = myPage({ missions: [MISSION], wallet: [ENTRY] });
    const exchanged = { ...ENTRY, status: 'EXCHANGED', giftId: 'gift-hat', exchangeId: 'x-1', exchangedAt: '2026-01-01T10:00:05Z' };
    renderPage(
      PLAYER,
      on('GET', '/mypage/alice', () => json(page)), // still the page from before the exchange
      noStream,
      on('POST', '/wallets/alice/rewards/r-1/exchange', () => json(exchanged)),
    );
    await userEvent.click(await screen.findByRole('button', { name: 'Exchange' }));
    const wallet = screen.getByRole('region', { name: 'Wallet' });
    expect(await within(wallet).findByText(/Exchanged for Pumpkin hat ·/)).toBeInTheDocument();
    expect(within(wallet).queryByRole('button', { name: 'Exchange' })).toBeNull();
    expect(within(screen.getByRole('region', { name: 'Achieved missions' })).getByText('Exchanged')).toBeInTheDocument();
  });

  it('says what went wrong when the page cannot be read, and offers to try again', async () => {
    let reads = 0;
    renderPage(
      PLAYER,
      on('GET', '/mypage/alice', () => (reads++ === 0 ? problem(503, 'Service Unavailable') : json(myPage()))),
      noStream,
    );
    expect(await screen.findByRole('alert')).toHaveTextContent('Your page could not be loaded. Service Unavailable');
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText(/No missions achieved yet/)).toBeInTheDocument();
  });

  it('sends an operator to the console instead', () => {
    renderPage(OPERATOR);
    expect(screen.getByRole('link', { name: 'LiveOps console' })).toHaveAttribute('href', '/console');
  });
});
