import { describe, expect, it } from 'vitest';
import { fakeFetch, myPage, problem, ServerStream } from '../test/fakes';
import { EventStreamParser, followPageStream, type StreamState } from './stream';
import type { MyPage } from './types';

describe('the event-stream parser', () => {
  it('dispatches an event at the blank line, with its id and type', () => {
    const parser = new EventStreamParser();
    expect(parser.push('id: 7\nevent: page\ndata: {"a":1}\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ event: 'page', data: '{"a":1}', id: '7' }]);
    expect(parser.lastEventId).toBe('7');
  });

  it('reads lines split anywhere across chunks, CRLF and CR included', () => {
    const parser = new EventStreamParser();
    const events = ['ev', 'ent: page\r', '\ndata: x\r\r', 'data: y\n', 'data: z\n\n'].flatMap((c) => parser.push(c));
    expect(events).toEqual([
      { event: 'page', data: 'x', id: undefined },
      { event: 'message', data: 'y\nz', id: undefined },
    ]);
  });

  it('takes the retry delay and ignores keep-alive comments', () => {
    const parser = new EventStreamParser();
    expect(parser.push('retry: 2000\n\n: keep-alive\n\n: keep-alive\n\n')).toEqual([]);
    expect(parser.retryMs).toBe(2000);
  });
});

const noPause = async () => undefined;

function follow(fetcher: typeof fetch, until: (pages: MyPage[], states: StreamState[]) => boolean) {
  const pages: MyPage[] = [];
  const states: StreamState[] = [];
  const stop = new AbortController();
  const check = () => until(pages, states) && stop.abort();
  const done = followPageStream({
    customerId: 'alice',
    token: async () => 'player-token',
    fetcher,
    signal: stop.signal,
    pause: noPause,
    onPage: (page) => {
      pages.push(page);
      check();
    },
    onState: (state) => {
      states.push(state);
      check();
    },
  });
  return { pages, states, done, stop };
}

describe('following My Page', () => {
  it('sends the bearer token and hands over every page as it arrives', async () => {
    const stream = new ServerStream();
    const server = fakeFetch(() => stream.response);
    const run = follow(server.fetch, (pages) => pages.length === 2);
    stream.write('retry: 2000\n\n');
    stream.page(myPage({ updatedAt: '2026-01-01T10:00:00Z' }), '1');
    stream.write(': keep-alive\n\n');
    stream.page(myPage({ updatedAt: '2026-01-01T10:00:05Z' }), '2');
    await run.done;

    expect(run.pages.map((p) => p.updatedAt)).toEqual(['2026-01-01T10:00:00Z', '2026-01-01T10:00:05Z']);
    expect(run.states).toEqual(['connecting', 'live']);
    const [request] = server.requests;
    expect(request!.url).toBe('http://questline.test/mypage/alice/stream');
    expect(request!.headers.get('Authorization')).toBe('Bearer player-token');
    expect(request!.headers.get('Accept')).toBe('text/event-stream');
    expect(request!.headers.get('Last-Event-ID')).toBeNull();
  });

  it('resumes a dropped stream from the last event id', async () => {
    const first = new ServerStream();
    const second = new ServerStream();
    const streams = [first, second];
    const server = fakeFetch(() => streams.shift()!.response);
    const run = follow(server.fetch, (pages) => pages.length === 2);
    first.page(myPage(), '41');
    first.end();
    second.page(myPage({ updatedAt: '2026-01-01T11:00:00Z' }), '42');
    await run.done;

    expect(server.requests[1]!.headers.get('Last-Event-ID')).toBe('41');
    expect(run.states).toEqual(['connecting', 'live', 'reconnecting', 'live']);
  });

  it('waits the delay the server asked for before reconnecting', async () => {
    const first = new ServerStream();
    const server = fakeFetch(
      () => first.response,
      () => problem(503, 'Unavailable'),
    );
    const waits: number[] = [];
    const stop = new AbortController();
    const done = followPageStream({
      customerId: 'alice',
      token: async () => 'player-token',
      fetcher: server.fetch,
      signal: stop.signal,
      onPage: () => undefined,
      onState: () => undefined,
      pause: async (ms) => {
        waits.push(ms);
        stop.abort();
      },
    });
    first.write('retry: 750\n\n');
    first.end();
    await done;
    expect(waits).toEqual([750]);
  });

  it('gives up quietly when the server has no stream, so the page falls back', async () => {
    const server = fakeFetch(() => problem(404, 'Not Found'));
    const run = follow(server.fetch, () => false);
    await run.done;
    expect(run.states).toEqual(['connecting', 'unavailable']);
    expect(server.requests).toHaveLength(1);
  });

  it('asks for a fresh token again after a 401', async () => {
    const stream = new ServerStream();
    const answers = [problem(401, 'Unauthorised'), stream.response];
    const server = fakeFetch(() => answers.shift());
    const run = follow(server.fetch, (pages) => pages.length === 1);
    stream.page(myPage(), '1');
    await run.done;
    expect(server.requests).toHaveLength(2);
    expect(run.states).toEqual(['connecting', 'reconnecting', 'live']);
  });
});
