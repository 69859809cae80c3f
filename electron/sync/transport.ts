import { isAscii } from 'node:buffer';
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
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
import { FRAMED_CONTENT_TYPE, splitFramed } from '../../shared/sync/frames';
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

/**
 * An answer's body without its content encoding. This client asks for none (no Accept-Encoding),
 * but a proxy in front of the server may compress anyway; fetch decoded these by itself.
 */
function decoded(body: Buffer, encoding: string | undefined): Buffer {
  switch ((encoding ?? 'identity').trim().toLowerCase()) {
    case 'identity':
    case '':
      return body;
    case 'gzip':
    case 'x-gzip':
      return zlib.gunzipSync(body);
    case 'deflate':
      return zlib.inflateSync(body);
    case 'br':
      return zlib.brotliDecompressSync(body);
    default:
      throw new Error(`content encoding ${encoding ?? ''}`);
  }
}

/**
 * A framed answer (shared/sync/frames.ts), which only a pull that lists CAMERA_FRAMES_FORMAT
 * receives: its JSON's value, and its frames' bytes as they came.
 */
export class FramedAnswer {
  constructor(
    readonly data: unknown,
    readonly frames: Buffer,
  ) {}
}

/** A body's value: a framed answer's parts (a successful one's only), or its JSON's value. */
function bodyValue(body: Buffer, contentType: string | undefined, ok: boolean): unknown {
  if (!ok || !contentType?.toLowerCase().startsWith(FRAMED_CONTENT_TYPE))
    return parseJsonBytes(body);
  const { json, frames } = splitFramed(body);
  return new FramedAnswer(
    parseJsonBytes(Buffer.from(json.buffer, json.byteOffset, json.length)),
    Buffer.from(frames.buffer, frames.byteOffset, frames.length),
  );
}

/** A successful answer's header by name (in any case), or null. */
export type ResponseHeader = (name: string) => string | null;

/**
 * POSTs `body` as JSON and answers the JSON of a 2xx answer (a FramedAnswer for a framed one); anything else throws the transport's
 * own errors: ServerUnreachableError (no connection, a connection lost or timed out, an answer
 * without a readable body, a redirect), ServerError (the server's error answer). Over
 * node:http(s) rather than fetch, whose web streams cost more per chunk: a first pull reads ~500 MB
 * of pages. Receiving the benchmark's snapshot pages alone, each way in a fresh process: 5.0–7.1 s
 * of CPU through fetch, 2.2–2.5 s this way; through the pull worker (four runs each), its thread
 * 7.3–8.7 → 6.6–8.1 s and the server's process 4.0–4.7 → 3.1–3.7 s (docs/sync.md). Connections are
 * kept alive (Node's global agents). A redirect is not followed (fetch made a POST redirected with
 * 301 or 302 a GET); the error names the address it sends to.
 */
export function postJson(
  url: string,
  body: unknown,
  token: string | null,
  timeoutMs = TIMEOUT_MS,
  /** Called with a successful answer's headers as they arrive, before its body is read. */
  onHeaders?: (header: ResponseHeader) => void,
): Promise<unknown> {
  const target = new URL(url);
  const unreachable = (err: unknown) =>
    new ServerUnreachableError(
      `The server at ${target.origin} cannot be reached (${err instanceof Error ? err.message : String(err)}).`,
    );
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise<unknown>((resolve, reject) => {
    const options: http.RequestOptions = {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': payload.length,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      signal: AbortSignal.timeout(timeoutMs),
    };
    let answered = false;
    const req = (target.protocol === 'https:' ? https : http).request(target, options, (res) => {
      answered = true;
      const status = res.statusCode ?? 0;
      const ok = status >= 200 && status < 300;
      if (ok)
        onHeaders?.((name) => {
          const value = res.headers[name.toLowerCase()];
          return typeof value === 'string' ? value : (value?.join(', ') ?? null);
        });
      const chunks: Buffer[] = [];
      let ended = false;
      const unreadable = () =>
        reject(
          new ServerUnreachableError(`The server answered ${status} without a readable body.`),
        );
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      // Cut off, timed out or failed before its end (a settled promise ignores the rest).
      res.on('error', unreadable);
      res.on('close', () => {
        if (!ended) unreadable();
      });
      res.on('end', () => {
        ended = true;
        let data: unknown;
        try {
          data = bodyValue(
            decoded(Buffer.concat(chunks), res.headers['content-encoding']),
            res.headers['content-type'],
            ok,
          );
        } catch {
          const where = status >= 300 && status < 400 ? res.headers.location : undefined;
          reject(
            new ServerUnreachableError(
              where
                ? `The server answered ${status} and sends to ${where}: use that address.`
                : `The server answered ${status} without a readable body.`,
            ),
          );
          return;
        }
        if (ok) resolve(data);
        else
          reject(
            new ServerError(
              status,
              isApiErrorBody(data) ? data : { code: 'INTERNAL', message: `HTTP ${status}` },
            ),
          );
      });
    });
    req.on('error', (err) => {
      if (!answered) reject(unreachable(err));
    });
    req.end(payload);
  });
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
