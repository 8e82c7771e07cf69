// Errors of the API are application/problem+json (RFC 9457); the gateway's own refusals
// too. `ApiError` carries the problem and, for 503 and 429, how long to wait.

export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  [extension: string]: unknown;
}

const PROBLEMS = 'https://questline.dev/problems/';

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  readonly retryAfterSeconds: number | null;

  constructor(status: number, problem: Problem, retryAfterSeconds: number | null = null) {
    super(problem.detail ?? problem.title);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** 409 from the exchange: the gift has no stock left (the reward stays available). */
  get outOfStock(): boolean {
    return this.status === 409 && this.problem.type === `${PROBLEMS}out-of-stock`;
  }

  /** The gift shop (or another service) cannot answer now: try again later. */
  get busy(): boolean {
    return this.status === 503;
  }

  get unauthorised(): boolean {
    return this.status === 401;
  }
}

/** Retry-After as seconds: a number of seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterSeconds(header: string | null, now: number = Date.now()): number | null {
  if (header === null || header.trim() === '') return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value);
  const at = Date.parse(value);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** The problem an error answer describes; a body that is not one gets a plain stand-in. */
export async function problemOf(response: Response): Promise<Problem> {
  const fallback: Problem = { title: response.statusText || 'Request failed', status: response.status };
  const text = await response.text().catch(() => '');
  if (!text) return fallback;
  try {
    const body: unknown = JSON.parse(text);
    if (body && typeof body === 'object' && 'title' in body) {
      return { ...fallback, ...(body as Partial<Problem>), status: response.status } as Problem;
    }
  } catch {
    // not JSON: keep the stand-in
  }
  return fallback;
}

export async function errorOf(response: Response): Promise<ApiError> {
  const problem = await problemOf(response);
  const header = retryAfterSeconds(response.headers.get('Retry-After'));
  const fromBody = typeof problem.retryAfterSeconds === 'number' ? problem.retryAfterSeconds : null;
  return new ApiError(response.status, problem, header ?? fromBody);
}
