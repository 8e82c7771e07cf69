import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { QuestlineApi } from '../api/client';
import type { WalletItem } from '../api/types';
import { fakeFetch, gift, json, on, problem } from '../test/fakes';
import { ExchangeForm } from './ExchangeForm';

const REWARD: WalletItem = {
  rewardId: 'r-1',
  missionId: 'm-1',
  points: 50,
  status: 'AVAILABLE',
  depositedAt: '2026-01-01T10:00:00Z',
  giftId: null,
  exchangeId: null,
  exchangedAt: null,
};
const GIFTS = [gift('gift-hat', 'Pumpkin hat', 3), gift('gift-mount', 'Mount', 0)];
const EXCHANGE = '/wallets/alice/rewards/r-1/exchange';

function renderForm(...routes: Parameters<typeof fakeFetch>) {
  const server = fakeFetch(...routes);
  const onChanged = vi.fn();
  const onExchanged = vi.fn();
  const api = new QuestlineApi(async () => 'player-token', server.fetch);
  render(
    <ExchangeForm
      api={api}
      customerId="alice"
      reward={REWARD}
      gifts={GIFTS}
      rewardLabel="50 pts reward"
      onChanged={onChanged}
      onExchanged={onExchanged}
    />,
  );
  return { server, onChanged, onExchanged };
}

afterEach(() => vi.useRealTimers());

describe('the exchange form', () => {
  it('offers the gifts in stock and exchanges the one picked', async () => {
    const { server, onChanged, onExchanged } = renderForm(on('POST', EXCHANGE, () => json({ ...REWARD, status: 'EXCHANGED' })));
    const picker = screen.getByLabelText('Gift for this reward');
    expect(screen.getByRole('option', { name: 'Mount (out of stock)' })).toBeDisabled();
    expect(picker).toHaveValue('gift-hat');

    await userEvent.click(screen.getByRole('button', { name: 'Exchange' }));

    await vi.waitFor(() => expect(onExchanged).toHaveBeenCalledWith({ ...REWARD, status: 'EXCHANGED' }, 'Pumpkin hat'));
    expect(await server.requests[0]!.json()).toEqual({ giftId: 'gift-hat' });
    expect(onChanged).toHaveBeenCalledOnce();
  });

  it('says the gift is out of stock and that the reward is still there', async () => {
    const detail = "Sorry, 'gift-hat' is out of stock. Your reward is still available for another gift.";
    const { onChanged } = renderForm(
      on('POST', EXCHANGE, () => problem(409, 'Out of stock', { type: 'https://questline.dev/problems/out-of-stock', detail })),
    );
    await userEvent.click(screen.getByRole('button', { name: 'Exchange' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(`Out of stock: ${detail}`);
    expect(onChanged).toHaveBeenCalledOnce(); // the stock shown is refreshed
  });

  it('counts down the wait a busy gift shop asked for, then lets the player try again', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    renderForm(on('POST', EXCHANGE, () => problem(503, 'Gift shop busy', {}, { 'Retry-After': '3' })));
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    await user.click(screen.getByRole('button', { name: 'Exchange' }));

    const notice = await screen.findByRole('alert');
    expect(notice).toHaveTextContent('Gift shop busy');
    expect(notice).toHaveTextContent('try again in 3 s');
    expect(notice).toHaveTextContent('Your reward is safe and still available.');
    expect(screen.getByRole('button', { name: 'Try again in 3 s' })).toBeDisabled();

    await act(() => vi.advanceTimersByTimeAsync(1000));
    expect(notice).toHaveTextContent('try again in 2 s');
    await act(() => vi.advanceTimersByTimeAsync(1000));
    await act(() => vi.advanceTimersByTimeAsync(1000));
    expect(screen.getByRole('button', { name: 'Exchange' })).toBeEnabled();
    expect(notice).toHaveTextContent('you can try again now');
  });

  it('shows any other refusal as it was given', async () => {
    renderForm(on('POST', EXCHANGE, () => problem(404, 'Reward not found', { detail: 'No reward r-1 in this wallet.' })));
    await userEvent.click(screen.getByRole('button', { name: 'Exchange' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Reward not found: No reward r-1 in this wallet.');
  });
});
