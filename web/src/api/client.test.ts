import { describe, expect, it } from 'vitest';
import { fakeFetch, json, on, problem } from '../test/fakes';
import { QuestlineApi } from './client';
import { ApiError, retryAfterSeconds } from './problem';

const PROBLEMS = 'https://questline.dev/problems/';

function apiWith(...routes: Parameters<typeof fakeFetch>) {
  const server = fakeFetch(...routes);
  return { api: new QuestlineApi(async () => 'the-token', server.fetch), server };
}

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('the API client', () => {
  it('exchanges with the player token and the chosen gift', async () => {
    const { api, server } = apiWith(
      on('POST', '/wallets/alice/rewards/r-1/exchange', () => json({ rewardId: 'r-1', status: 'EXCHANGED' })),
    );
    const entry = await api.exchange('alice', 'r-1', 'gift-potion');
    expect(entry.status).toBe('EXCHANGED');
    const [request] = server.requests;
    expect(request!.headers.get('Authorization')).toBe('Bearer the-token');
    expect(await request!.json()).toEqual({ giftId: 'gift-potion' });
  });

  it('tells an out-of-stock 409 apart from another conflict', async () => {
    const { api } = apiWith(
      on('POST', '/wallets/alice/rewards/r-1/exchange', () =>
        problem(409, 'Out of stock', { type: `${PROBLEMS}out-of-stock`, detail: 'Sorry, gift-hat is out of stock.' }),
      ),
      on('POST', '/wallets/alice/rewards/r-2/exchange', () =>
        problem(409, 'Reward already exchanged', { type: `${PROBLEMS}already-exchanged` }),
      ),
    );
    const outOfStock = await failure(api.exchange('alice', 'r-1', 'gift-hat'));
    expect(outOfStock.outOfStock).toBe(true);
    expect(outOfStock.message).toBe('Sorry, gift-hat is out of stock.');
    expect((await failure(api.exchange('alice', 'r-2', 'gift-hat'))).outOfStock).toBe(false);
  });

  it('reads how long to wait from a 503 with Retry-After', async () => {
    const { api } = apiWith(
      on('POST', '/wallets/alice/rewards/r-1/exchange', () =>
        problem(503, 'Gift shop busy', { type: `${PROBLEMS}gift-shop-busy`, retryAfterSeconds: 3 }, { 'Retry-After': '7' }),
      ),
    );
    const busy = await failure(api.exchange('alice', 'r-1', 'gift-hat'));
    expect(busy.busy).toBe(true);
    expect(busy.retryAfterSeconds).toBe(7); // the header wins over the body
  });

  it('falls back to the problem body when Retry-After is missing', async () => {
    const { api } = apiWith(() => problem(503, 'Gift shop busy', { retryAfterSeconds: 4 }));
    expect((await failure(api.gifts())).retryAfterSeconds).toBe(4);
  });

  it('reads Retry-After given as a date', () => {
    const now = Date.parse('2026-01-01T10:00:00Z');
    expect(retryAfterSeconds('Thu, 01 Jan 2026 10:00:05 GMT', now)).toBe(5);
    expect(retryAfterSeconds('soon', now)).toBeNull();
  });

  it('turns an answer that is not a problem into one', async () => {
    const { api } = apiWith(() => new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    const error = await failure(api.myPage('alice'));
    expect(error.problem).toEqual({ title: 'Bad Gateway', status: 502 });
  });

  it('says there is no connection when the network fails', async () => {
    const api = new QuestlineApi(async () => 'the-token', async () => Promise.reject(new TypeError('Failed to fetch')));
    const error = await failure(api.gifts());
    expect(error.status).toBe(0);
    expect(error.problem.title).toBe('No connection');
  });

  it('reads the catalogues without a token and sends none', async () => {
    const { api, server } = apiWith(on('GET', '/gifts', () => json([])));
    await api.gifts();
    expect(server.requests[0]!.headers.get('Authorization')).toBeNull();
  });

  it('makes each operator change safe to retry with its own Idempotency-Key', async () => {
    const { api, server } = apiWith(on('POST', '/gifts', () => json({ id: 'g-1' }, 201)));
    await api.addGift('Hat', 3);
    await api.addGift('Hat', 3);
    const [first, second] = server.requests.map((r) => r.headers.get('Idempotency-Key'));
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(second).not.toBe(first);
  });

  it('refuses to call a protected route when nobody is signed in', async () => {
    const api = new QuestlineApi(async () => null, fakeFetch().fetch);
    expect((await failure(api.myPage('alice'))).unauthorised).toBe(true);
  });
});
