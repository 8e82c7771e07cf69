import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { OpsStatus } from '../api/types';
import { authWith, fakeFetch, gift, json, on, OPERATOR, PLAYER, SignedIn } from '../test/fakes';
import { ConsoleView } from './ConsoleView';

function status(service: string, extra: Partial<OpsStatus> = {}): OpsStatus {
  return {
    service,
    consumerGroup: `questline.${service}`,
    consumerLag: { total: 0, partitions: [] },
    deadLetters: 0,
    figures: {},
    unavailable: [],
    checkedAt: '2026-01-01T10:00:00Z',
    ...extra,
  };
}

const STATUS = [
  on('GET', '/ops/mission/status', () => json(status('mission', { figures: { achievementsLastMinute: 42 } }))),
  on('GET', '/ops/reward/status', () =>
    json(status('reward', { consumerLag: { total: 5, partitions: [{ topic: 'mission.events', partition: 0, committed: 1, end: 6, lag: 5 }] } })),
  ),
  on('GET', '/ops/wallet/status', () =>
    json(
      status('wallet', {
        deadLetters: 2,
        figures: {
          giftCircuitBreaker: { name: 'gift', state: 'opened', failureCount: 5, openedAt: 1, threshold: 5, cooldownSeconds: 10, inFlight: 0, maxConcurrentCalls: 64 },
        },
      }),
    ),
  ),
  on('GET', '/ops/gift/status', () => json(status('gift', { consumerGroup: null, consumerLag: null, deadLetters: null }))),
  on('GET', '/ops/mypage/status', () => json(status('mypage'))),
];

function renderConsole(session: typeof PLAYER, ...routes: Parameters<typeof fakeFetch>) {
  const server = fakeFetch(...routes);
  render(
    <SignedIn auth={authWith(session, server.fetch)}>
      <ConsoleView />
    </SignedIn>,
  );
  return server;
}

describe('the LiveOps console', () => {
  it('tells a player they are not allowed, and shows no form at all', () => {
    const server = renderConsole(PLAYER);
    expect(screen.getByRole('alert')).toHaveTextContent('Not allowed. The LiveOps console is for operators');
    expect(screen.queryByRole('button')).toBeNull();
    expect(screen.queryByRole('textbox')).toBeNull();
    expect(server.requests).toHaveLength(0);
  });

  it('shows the breaker, achievements per minute, lag and dead letters per service', async () => {
    renderConsole(OPERATOR, ...STATUS, on('GET', '/mission-definitions', () => json([])), on('GET', '/gifts', () => json([])));
    const panel = screen.getByRole('region', { name: 'System status' });
    expect(await within(panel).findByText('opened')).toBeInTheDocument();
    expect(within(panel).getByText('42')).toBeInTheDocument();
    const table = within(panel).getByRole('table', { name: 'Consumers per service' });
    expect(within(table).getByRole('row', { name: /reward 5 \(mission\.events\) 0/ })).toBeInTheDocument();
    expect(within(table).getByRole('row', { name: /wallet 0 \(no topics\) 2/ })).toBeInTheDocument();
    expect(within(table).getByRole('row', { name: /gift no consumer/ })).toBeInTheDocument();
  });

  it('creates a mission and then lists it', async () => {
    const created = { code: 'halloween-hunt', title: 'Find 13 pumpkins', points: 130, active: true, startsAt: null, endsAt: null };
    let catalogue: unknown[] = [];
    const server = renderConsole(
      OPERATOR,
      ...STATUS,
      on('GET', '/gifts', () => json([])),
      on('GET', '/mission-definitions', () => json(catalogue)),
      on('POST', '/mission-definitions', () => {
        catalogue = [created];
        return json(created, 201);
      }),
    );
    const form = screen.getByRole('form', { name: 'New mission' });
    await userEvent.type(within(form).getByLabelText('Code'), 'halloween-hunt');
    await userEvent.type(within(form).getByLabelText('Title'), 'Find 13 pumpkins');
    await userEvent.clear(within(form).getByLabelText('Points'));
    await userEvent.type(within(form).getByLabelText('Points'), '130');
    await userEvent.click(within(form).getByRole('button', { name: 'Create mission' }));

    expect(await screen.findByText('Mission halloween-hunt created.')).toBeInTheDocument();
    expect(await screen.findByRole('row', { name: /halloween-hunt Find 13 pumpkins 130 Active/ })).toBeInTheDocument();
    const post = server.requests.find((r) => r.method === 'POST')!;
    expect(await post.json()).toEqual({ code: 'halloween-hunt', title: 'Find 13 pumpkins', points: 130, active: true, startsAt: null, endsAt: null });
  });

  it('deactivates a mission with one button', async () => {
    const mission = { code: 'first-win', title: 'Win', points: 50, active: true, startsAt: null, endsAt: null };
    const server = renderConsole(
      OPERATOR,
      ...STATUS,
      on('GET', '/gifts', () => json([])),
      on('GET', '/mission-definitions', () => json([mission])),
      on('PATCH', '/mission-definitions/first-win', () => json({ ...mission, active: false })),
    );
    await userEvent.click(await screen.findByRole('button', { name: 'Deactivate first-win' }));
    expect(await screen.findByText('Mission first-win deactivated.')).toBeInTheDocument();
    expect(await server.requests.find((r) => r.method === 'PATCH')!.json()).toEqual({ active: false });
  });

  it('adds stock to a gift', async () => {
    const hat = gift('gift-hat', 'Pumpkin hat', 2);
    renderConsole(
      OPERATOR,
      ...STATUS,
      on('GET', '/mission-definitions', () => json([])),
      on('GET', '/gifts', () => json([hat])),
      on('POST', '/gifts/gift-hat/stock', () => json({ ...hat, stock: 12 })),
    );
    await userEvent.click(await screen.findByRole('button', { name: 'Add to Pumpkin hat' }));
    expect(await screen.findByText('Pumpkin hat: 12 in stock now.')).toBeInTheDocument();
  });
});
