// One HTTP exchange with a camera: per-request deadline, response size cap, keep-alive agent,
// and the HTTP authentication schemes cameras use (RFC 7616 Digest with MD5 or SHA-256 and
// qop=auth; RFC 7617 Basic on some snapshot URLs).
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { OnvifFailure, onvifError } from './errors.js';

/** Shared by all clients: idle sockets are unref'd by Node, so they never hold the process open. */
export const sharedAgent = new http.Agent({ keepAlive: true, maxSockets: 4, maxTotalSockets: 128 });

export interface HttpRequest {
  url: URL;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  maxBytes: number;
  agent?: http.Agent;
}

export interface HttpReply {
  status: number;
  contentType: string;
  /** Every WWW-Authenticate header, unjoined (a camera may offer MD5 and SHA-256 separately). */
  challenges: string[];
  body: Buffer;
}

function networkMessage(host: string, code: string | undefined, fallback: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return `${host} refused the connection: check the port in the device address and that ONVIF is enabled on the camera.`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${host} cannot be reached from this computer: check that it is on the same network.`;
    case 'ECONNRESET':
      return `${host} closed the connection: the camera may be rebooting or overloaded.`;
    default:
      return `${host} could not be reached (${fallback}).`;
  }
}

export function httpExchange(request: HttpRequest): Promise<HttpReply> {
  const host = request.url.host;
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (error: OnvifFailure | undefined, reply?: HttpReply): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (error) {
        req.destroy();
        reject(error);
      } else if (reply) {
        resolve(reply);
      }
    };
    const tooLarge = (size: number): OnvifFailure =>
      new OnvifFailure(
        onvifError(
          'ONVIF_TOO_LARGE',
          `${host} sent more than ${request.maxBytes} bytes (${size}): the response was refused.`,
        ),
      );
    const body = request.body !== undefined ? Buffer.from(request.body, 'utf8') : undefined;
    const req = http.request(
      request.url,
      {
        method: request.method,
        agent: request.agent ?? sharedAgent,
        headers: {
          ...request.headers,
          ...(body ? { 'Content-Length': String(body.length) } : {}),
        },
      },
      (res) => {
        const declared = Number(res.headers['content-length'] ?? '0');
        if (declared > request.maxBytes) {
          done(tooLarge(declared));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > request.maxBytes) done(tooLarge(size));
          else chunks.push(chunk);
        });
        res.on('end', () => {
          const challenges: string[] = [];
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
            const value = res.rawHeaders[i + 1];
            if (res.rawHeaders[i]?.toLowerCase() === 'www-authenticate' && value !== undefined) {
              challenges.push(value);
            }
          }
          done(undefined, {
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'] ?? '',
            challenges,
            body: Buffer.concat(chunks),
          });
        });
        res.on('error', (error) =>
          done(
            new OnvifFailure(
              onvifError('ONVIF_UNREACHABLE', networkMessage(host, undefined, error.message)),
            ),
          ),
        );
      },
    );
    const deadline = setTimeout(() => {
      done(
        new OnvifFailure(
          onvifError(
            'ONVIF_TIMEOUT',
            `${host} did not answer within ${request.timeoutMs} ms: check that the camera is powered and reachable.`,
          ),
        ),
      );
    }, request.timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => {
      done(
        new OnvifFailure(
          onvifError('ONVIF_UNREACHABLE', networkMessage(host, error.code, error.message)),
        ),
      );
    });
    req.end(body);
  });
}

export type DigestAlgorithm = 'MD5' | 'SHA-256';

export interface DigestChallenge {
  realm: string;
  nonce: string;
  qop?: string;
  algorithm: DigestAlgorithm;
  opaque?: string;
}

export interface AuthChallenges {
  digest: DigestChallenge[];
  basic: boolean;
}

function parseParams(input: string): Map<string, string> {
  const params = new Map<string, string>();
  const pattern = /([a-zA-Z0-9_-]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^,\s]*)/g;
  for (const match of input.matchAll(pattern)) {
    const key = (match[1] ?? '').toLowerCase();
    const value = match[3] !== undefined ? match[3].replace(/\\(.)/g, '$1') : (match[2] ?? '');
    if (!params.has(key)) params.set(key, value);
  }
  return params;
}

/** Reads WWW-Authenticate headers; one header may also hold several comma-joined challenges. */
export function parseAuthChallenges(headers: string[]): AuthChallenges {
  const result: AuthChallenges = { digest: [], basic: false };
  for (const header of headers) {
    for (const part of header.split(/(?=\b(?:Digest|Basic)\s)/i)) {
      const trimmed = part.trim().replace(/,$/, '');
      if (/^basic\b/i.test(trimmed)) {
        result.basic = true;
      } else if (/^digest\s/i.test(trimmed)) {
        const params = parseParams(trimmed.slice(7));
        const algorithm = (params.get('algorithm') ?? 'MD5').toUpperCase();
        const realm = params.get('realm');
        const nonce = params.get('nonce');
        if (realm === undefined || nonce === undefined) continue;
        if (algorithm !== 'MD5' && algorithm !== 'SHA-256') continue;
        const qop = params.get('qop');
        const opaque = params.get('opaque');
        result.digest.push({
          realm,
          nonce,
          algorithm,
          ...(qop !== undefined ? { qop } : {}),
          ...(opaque !== undefined ? { opaque } : {}),
        });
      }
    }
  }
  // Prefer the strongest algorithm the device offers (RFC 7616 section 3.7).
  result.digest.sort(
    (a, b) => (a.algorithm === 'SHA-256' ? 0 : 1) - (b.algorithm === 'SHA-256' ? 0 : 1),
  );
  return result;
}

export function digestHash(algorithm: DigestAlgorithm, value: string): string {
  return createHash(algorithm === 'SHA-256' ? 'sha256' : 'md5')
    .update(value)
    .digest('hex');
}

export interface DigestState {
  challenge: DigestChallenge;
  nonceCount: number;
}

/** Builds an Authorization header for the next request with this challenge (nc increments). */
export function digestAuthorization(
  state: DigestState,
  credentials: { username: string; password: string },
  method: string,
  uri: string,
): string {
  const { challenge } = state;
  state.nonceCount += 1;
  const nc = state.nonceCount.toString(16).padStart(8, '0');
  const cnonce = randomBytes(8).toString('hex');
  const h = (v: string): string => digestHash(challenge.algorithm, v);
  const ha1 = h(`${credentials.username}:${challenge.realm}:${credentials.password}`);
  const ha2 = h(`${method}:${uri}`);
  const useQop =
    challenge.qop !== undefined && challenge.qop.split(',').some((q) => q.trim() === 'auth');
  const response = useQop
    ? h(`${ha1}:${challenge.nonce}:${nc}:${cnonce}:auth:${ha2}`)
    : h(`${ha1}:${challenge.nonce}:${ha2}`);
  const quote = (v: string): string => `"${v.replace(/["\\]/g, '\\$&')}"`;
  const parts = [
    `username=${quote(credentials.username)}`,
    `realm=${quote(challenge.realm)}`,
    `nonce=${quote(challenge.nonce)}`,
    `uri=${quote(uri)}`,
    `algorithm=${challenge.algorithm}`,
    `response=${quote(response)}`,
  ];
  if (useQop) parts.push('qop=auth', `nc=${nc}`, `cnonce=${quote(cnonce)}`);
  if (challenge.opaque !== undefined) parts.push(`opaque=${quote(challenge.opaque)}`);
  return `Digest ${parts.join(', ')}`;
}

export function basicAuthorization(credentials: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}
