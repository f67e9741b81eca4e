/** A minimal HTTP client over Node's fetch, for tests that talk to a real API process over loopback. */

export interface HttpAnswer<T = Record<string, unknown>> {
  readonly status: number;
  readonly headers: Headers;
  /** Parsed JSON when the body is JSON, else `{}` (see `text`). */
  readonly body: T;
  readonly text: string;
}

export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly token?: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly timeoutMs?: number;
}

export async function http<T = Record<string, unknown>>(
  baseUrl: string,
  request: HttpRequest,
): Promise<HttpAnswer<T>> {
  const headers: Record<string, string> = { ...request.headers };
  if (request.token) headers.authorization = `Bearer ${request.token}`;
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${request.path}`, {
    method: request.method,
    headers,
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
    signal: AbortSignal.timeout(request.timeoutMs ?? 20_000),
  });
  const text = await response.text();
  let body = {} as T;
  if (text && /json/.test(response.headers.get('content-type') ?? '')) body = JSON.parse(text) as T;
  return { status: response.status, headers: response.headers, body, text };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Small seeded PRNG (mulberry32), so a failing run can be replayed with the printed seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
