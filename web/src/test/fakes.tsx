// Test doubles: a fetch that answers by route, a server-sent stream the test writes to,
// and the auth context of a signed-in player or operator.
import type { ReactNode } from 'react';
import type { UserManager } from 'oidc-client-ts';
import { QuestlineApi } from '../api/client';
import type { Gift, MyPage } from '../api/types';
import { AuthContext, type Auth } from '../auth/AuthContext';
import type { Session } from '../auth/session';

export type Route = (request: Request) => Response | Promise<Response> | undefined;

export interface FakeFetch {
  fetch: typeof fetch;
  requests: Request[];
}

/** A fetch answered by the first route that answers; anything else is a 404 problem. */
export function fakeFetch(...routes: Route[]): FakeFetch {
  const requests: Request[] = [];
  const fetcher = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(new URL(String(input), 'http://questline.test'), init);
    requests.push(request);
    for (const route of routes) {
      const answer = await route(request);
      if (answer) return answer;
    }
    return problem(404, 'Not found');
  };
  return { fetch: fetcher as typeof fetch, requests };
}

export function on(method: string, path: string, answer: (request: Request) => Response | Promise<Response>): Route {
  return (request) => {
    const url = new URL(request.url);
    return request.method === method && url.pathname === path ? answer(request) : undefined;
  };
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}

export function problem(status: number, title: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify({ type: 'about:blank', title, status, ...extra }), {
    status,
    headers: { 'Content-Type': 'application/problem+json', ...headers },
  });
}

/** A text/event-stream answer whose body the test writes to, line by line. */
export class ServerStream {
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  readonly response: Response;

  constructor() {
    const body = new ReadableStream<Uint8Array>({ start: (c) => void (this.controller = c) });
    this.response = new Response(body, { headers: { 'Content-Type': 'text/event-stream' } });
  }

  write(text: string): void {
    this.controller.enqueue(new TextEncoder().encode(text));
  }

  page(page: MyPage, id: string): void {
    this.write(`id: ${id}\nevent: page\ndata: ${JSON.stringify(page)}\n\n`);
  }

  end(): void {
    this.controller.close();
  }
}

export function authWith(session: Session | null, fetcher: typeof fetch): Auth {
  const token = async () => session?.accessToken ?? null;
  return {
    session,
    api: new QuestlineApi(token, fetcher),
    token,
    signIn: async () => undefined,
    signOut: async () => undefined,
    manager: {} as UserManager,
  };
}

export function SignedIn({ auth, children }: { auth: Auth; children: ReactNode }) {
  return <AuthContext.Provider value={auth}>{children}</AuthContext.Provider>;
}

export const PLAYER: Session = { subject: 'alice', player: true, operator: false, accessToken: 'player-token' };
export const OPERATOR: Session = { subject: 'olga', player: false, operator: true, accessToken: 'operator-token' };

export function gift(id: string, name: string, stock: number): Gift {
  return { id, name, stock, stockedTotal: stock, exchangedCount: 0, createdAt: '2026-01-01T00:00:00Z' };
}

export function myPage(partial: Partial<MyPage> = {}): MyPage {
  return { customerId: 'alice', missions: [], wallet: [], updatedAt: '2026-01-01T10:00:00Z', ...partial };
}
