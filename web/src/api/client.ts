// Questline's API through the gateway (same origin), with the signed-in person's token.
import { ApiError, errorOf } from './problem';
import { followPageStream, type PageStreamOptions } from './stream';
import type {
  Gift,
  MissionDefinition,
  MissionRevision,
  MyPage,
  NewMission,
  OpsStatus,
  ServiceName,
  WalletItem,
} from './types';

/** A fresh access token, or null when nobody is signed in. */
export type TokenSource = () => Promise<string | null>;

interface Call {
  method?: 'GET' | 'POST' | 'PATCH';
  body?: unknown;
  /** Makes a retried POST safe: the service answers it once (Idempotency-Key). */
  idempotent?: boolean;
  anonymous?: boolean;
}

export class QuestlineApi {
  private readonly token: TokenSource;
  private readonly fetcher: typeof fetch;

  constructor(token: TokenSource, fetcher: typeof fetch = (...args) => fetch(...args)) {
    this.token = token;
    this.fetcher = fetcher;
  }

  myPage(customerId: string): Promise<MyPage> {
    return this.call(`/mypage/${encodeURIComponent(customerId)}`);
  }

  /** Follows GET /mypage/{customerId}/stream until `signal` aborts (see stream.ts). */
  followMyPage(
    customerId: string,
    handlers: Pick<PageStreamOptions, 'onPage' | 'onState' | 'signal' | 'pause'>,
  ): Promise<void> {
    return followPageStream({ customerId, token: this.token, fetcher: this.fetcher, ...handlers });
  }

  gifts(): Promise<Gift[]> {
    return this.call('/gifts', { anonymous: true });
  }

  /** 409 when out of stock or already exchanged, 503 (+ Retry-After) when the gift shop is busy. */
  exchange(customerId: string, rewardId: string, giftId: string): Promise<WalletItem> {
    const path = `/wallets/${encodeURIComponent(customerId)}/rewards/${encodeURIComponent(rewardId)}/exchange`;
    return this.call(path, { method: 'POST', body: { giftId } });
  }

  missionDefinitions(): Promise<MissionDefinition[]> {
    return this.call('/mission-definitions', { anonymous: true });
  }

  defineMission(mission: NewMission): Promise<MissionDefinition> {
    return this.call('/mission-definitions', { method: 'POST', body: mission, idempotent: true });
  }

  reviseMission(code: string, revision: MissionRevision): Promise<MissionDefinition> {
    const path = `/mission-definitions/${encodeURIComponent(code)}`;
    return this.call(path, { method: 'PATCH', body: revision });
  }

  addGift(name: string, stock: number): Promise<Gift> {
    return this.call('/gifts', { method: 'POST', body: { name, stock }, idempotent: true });
  }

  addStock(giftId: string, quantity: number): Promise<Gift> {
    const path = `/gifts/${encodeURIComponent(giftId)}/stock`;
    return this.call(path, { method: 'POST', body: { quantity }, idempotent: true });
  }

  opsStatus(service: ServiceName): Promise<OpsStatus> {
    return this.call(`/ops/${service}/status`);
  }

  private async call<T>(path: string, call: Call = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (!call.anonymous) {
      const token = await this.token();
      if (token === null) {
        throw new ApiError(401, { title: 'Not signed in', status: 401, detail: 'Please sign in first.' });
      }
      headers.Authorization = `Bearer ${token}`;
    }
    if (call.body !== undefined) headers['Content-Type'] = 'application/json';
    if (call.idempotent) headers['Idempotency-Key'] = crypto.randomUUID();
    let response: Response;
    try {
      response = await this.fetcher(path, {
        method: call.method ?? 'GET',
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        cache: 'no-store',
      });
    } catch (error) {
      throw new ApiError(0, {
        title: 'No connection',
        status: 0,
        detail: `Questline could not be reached (${String(error)}). Check your connection and try again.`,
      });
    }
    if (!response.ok) throw await errorOf(response);
    return (await response.json()) as T;
  }
}
