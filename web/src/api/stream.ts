// My Page pushed by the server: GET /mypage/{customerId}/stream, text/event-stream, read
// with fetch because EventSource cannot send an Authorization header. Messages are
// `event: page` with the same JSON as GET /mypage/{customerId}, `id:` its version; a
// dropped stream is resumed with Last-Event-ID after the server's `retry:` delay.
import type { TokenSource } from './client';
import type { MyPage } from './types';

export interface ServerEvent {
  event: string;
  data: string;
  id: string | undefined;
}

/** The event-stream format (HTML Living Standard §9.2.6), fed chunk by chunk. */
export class EventStreamParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private id: string | undefined;
  /** The last `id:` seen, kept across events (what Last-Event-ID sends back). */
  lastEventId: string | undefined;
  /** The reconnection delay the server asked for with `retry:`, if any. */
  retryMs: number | undefined;

  push(chunk: string): ServerEvent[] {
    this.buffer += chunk;
    const events: ServerEvent[] = [];
    for (;;) {
      const end = this.buffer.search(/\r\n|\r|\n/);
      if (end < 0) break;
      // A lone \r at the very end may be the first half of \r\n: wait for more.
      if (this.buffer[end] === '\r' && end === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, end);
      const width = this.buffer.startsWith('\r\n', end) ? 2 : 1;
      this.buffer = this.buffer.slice(end + width);
      const event = this.line(line);
      if (event) events.push(event);
    }
    return events;
  }

  private line(line: string): ServerEvent | null {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return null; // a comment: keep-alive
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        break;
      case 'event':
        this.event = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.id = this.lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
    }
    return null;
  }

  private dispatch(): ServerEvent | null {
    const event: ServerEvent = { event: this.event || 'message', data: this.data.join('\n'), id: this.id };
    const had = this.data.length > 0;
    this.data = [];
    this.event = '';
    this.id = undefined;
    return had ? event : null;
  }
}

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'unavailable';

export interface PageStreamOptions {
  customerId: string;
  token: TokenSource;
  onPage: (page: MyPage) => void;
  onState: (state: StreamState) => void;
  signal: AbortSignal;
  fetcher?: typeof fetch;
  /** Waits before reconnecting; resolves early (and the stream ends) when aborted. */
  pause?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const DEFAULT_RETRY_MS = 2000;
// The server has no stream (an older mypage): the page falls back to reading on demand.
const NO_STREAM = new Set([404, 405, 501]);

/** Follows the stream until `signal` aborts or the server has none; never throws. */
export async function followPageStream(options: PageStreamOptions): Promise<void> {
  const { signal, onState } = options;
  const fetcher = options.fetcher ?? ((...args) => fetch(...args));
  const pause = options.pause ?? pauseFor;
  const url = `/mypage/${encodeURIComponent(options.customerId)}/stream`;
  let lastEventId: string | undefined;
  let retryMs = DEFAULT_RETRY_MS;
  onState('connecting');
  while (!signal.aborted) {
    let response: Response | null = null;
    try {
      const token = await options.token();
      if (token === null) return;
      const headers: Record<string, string> = {
        Accept: 'text/event-stream',
        Authorization: `Bearer ${token}`,
      };
      if (lastEventId !== undefined) headers['Last-Event-ID'] = lastEventId;
      response = await fetcher(url, { headers, signal, cache: 'no-store' });
    } catch {
      if (signal.aborted) return;
    }
    if (response !== null && (NO_STREAM.has(response.status) || response.status === 403)) {
      onState('unavailable');
      return;
    }
    if (response?.ok && response.body && isEventStream(response)) {
      onState('live');
      const parser = new EventStreamParser();
      try {
        await readInto(response.body, signal, parser, (event) => {
          if (event.event === 'page') options.onPage(JSON.parse(event.data) as MyPage);
        });
      } catch {
        // the connection dropped (or a message was not JSON): reconnect below
      }
      lastEventId = parser.lastEventId ?? lastEventId;
      retryMs = parser.retryMs ?? retryMs;
    } else {
      await response?.body?.cancel().catch(() => undefined);
    }
    if (signal.aborted) return;
    onState('reconnecting');
    await pause(retryMs, signal); // the delay the protocol asks for, not a poll
  }
}

function isEventStream(response: Response): boolean {
  return (response.headers.get('Content-Type') ?? '').startsWith('text/event-stream');
}

async function readInto(
  body: ReadableStream<Uint8Array>,
  signal: AbortSignal,
  parser: EventStreamParser,
  onEvent: (event: ServerEvent) => void,
): Promise<void> {
  const reader = body.getReader();
  // fetch's abort ends the body too; this also covers a body that ignores it.
  signal.addEventListener('abort', () => void reader.cancel().catch(() => undefined), { once: true });
  const decoder = new TextDecoder(); // UTF-8; a character split across chunks waits
  for (;;) {
    const { done, value } = await reader.read();
    if (done || signal.aborted) return;
    for (const event of parser.push(decoder.decode(value, { stream: true }))) onEvent(event);
  }
}

function pauseFor(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
