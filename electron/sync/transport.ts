import { isAscii } from 'node:buffer';
import { isApiErrorBody, type ApiErrorBody } from '../../shared/errors';
import {
  loginResponseSchema,
  pullResponseSchema,
  pushResponseSchema,
  type LoginResponse,
  type PullRequest,
  type PullResponse,
  type PushRequest,
  type PushResponse,
} from '../../shared/sync/protocol';
import type { CameraRows } from './camera-rows';

/** The server could not be reached (offline, refused, timed out): retry later. */
export class ServerUnreachableError extends Error {
  readonly code = 'OFFLINE';
}

/** The server answered with an error body. */
export class ServerError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(`${body.code}: ${body.message}`);
  }
}

/**
 * A pull's answer as the pull worker hands it over: a snapshot page's camera records come as rows
 * (camera-rows.ts), and `changes` holds the page's other changes.
 */
export interface PulledPage extends PullResponse {
  cameraRows: CameraRows | null;
}

/** The answer as a PulledPage (an answer that is not one has no camera rows). */
export function pulledPage(res: PullResponse | PulledPage): PulledPage {
  return 'cameraRows' in res ? (res as PulledPage) : { ...res, cameraRows: null };
}

/** What the sync engine needs from the network; tests wrap it to lose and duplicate messages. */
export interface SyncTransport {
  push(req: PushRequest): Promise<PushResponse>;
  pull(req: PullRequest): Promise<PullResponse | PulledPage>;
}

const TIMEOUT_MS = 30_000;

/**
 * A JSON body's value, as Response.json() reads it (UTF-8, a byte order mark skipped), with a
 * fast path for the usual all-ASCII body: a snapshot page is megabytes of it, and copying ASCII
 * bytes into a string is several times cheaper than decoding them as UTF-8.
 */
export function parseJsonBytes(bytes: Buffer): unknown {
  const body =
    bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  return JSON.parse(isAscii(body) ? body.toString('latin1') : body.toString('utf8'));
}

export async function postJson(
  url: string,
  body: unknown,
  token: string | null,
  timeoutMs = TIMEOUT_MS,
  /** Called with a successful answer's headers as they arrive, before its body is read. */
  onHeaders?: (headers: Headers) => void,
): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new ServerUnreachableError(
      `The server at ${new URL(url).origin} cannot be reached (${err instanceof Error ? err.message : String(err)}).`,
    );
  }
  if (res.ok) onHeaders?.(res.headers);
  let data: unknown;
  try {
    data = parseJsonBytes(Buffer.from(await res.arrayBuffer()));
  } catch {
    throw new ServerUnreachableError(`The server answered ${res.status} without a readable body.`);
  }
  if (!res.ok) {
    throw new ServerError(
      res.status,
      isApiErrorBody(data) ? data : { code: 'INTERNAL', message: `HTTP ${res.status}` },
    );
  }
  return data;
}

export async function login(
  baseUrl: string,
  email: string,
  password: string,
): Promise<LoginResponse> {
  return loginResponseSchema.parse(
    await postJson(new URL('/v1/auth/login', baseUrl).toString(), { email, password }, null),
  );
}

export async function logout(baseUrl: string, token: string): Promise<void> {
  await postJson(new URL('/v1/auth/logout', baseUrl).toString(), {}, token);
}

/** Where HttpTransport can hand pulls off the main thread (PullWorker, pull-worker-client.ts). */
export interface PullOffload {
  /** Gets ready for the first pull (the worker thread started and warmed up) ahead of it. */
  warm(): Promise<void>;
  pull(
    url: string,
    body: PullRequest,
    token: string | null,
    timeoutMs: number,
  ): Promise<PulledPage>;
}

/** Push and pull over HTTP(S) with a session token. */
export class HttpTransport implements SyncTransport {
  constructor(
    private readonly baseUrl: string,
    private readonly token: () => string | null,
    /** Pulls run there when given (received and checked off the main thread). */
    private readonly offload?: PullOffload,
  ) {}

  async push(req: PushRequest): Promise<PushResponse> {
    const url = new URL('/v1/sync/push', this.baseUrl).toString();
    return pushResponseSchema.parse(await postJson(url, req, this.token()));
  }

  async pull(req: PullRequest): Promise<PullResponse | PulledPage> {
    const url = new URL('/v1/sync/pull', this.baseUrl).toString();
    if (this.offload) return this.offload.pull(url, req, this.token(), TIMEOUT_MS);
    return pullResponseSchema.parse(await postJson(url, req, this.token()));
  }
}
