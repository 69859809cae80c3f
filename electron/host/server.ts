import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Core } from '../app/core';
import type { ApiErrorBody } from '../../shared/errors';
import { IMPORT_MAX_BYTES } from '../../shared/tenant-import';
import {
  allowedHosts,
  allowedOrigins,
  contentSecurityPolicy,
  tokenMatches,
  WS_TOKEN_PREFIX,
} from './security';

export interface HostOptions {
  core: Core;
  /** Built renderer (index.html and assets). */
  rendererDir: string;
  port?: number;
  token?: string;
  maxBodyBytes?: number;
}

export interface RunningHost {
  port: number;
  token: string;
  url: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

const STATUS: Record<string, number> = {
  VALIDATION: 400,
  UNKNOWN_METHOD: 404,
  NOT_FOUND: 404,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  CONFLICT: 409,
  CYCLE: 409,
  TENANT_DISABLED: 409,
  PARENT_DISABLED: 409,
  MODULE_OFF: 409,
  TOO_LARGE: 413,
  BUSY: 503,
  INTERNAL: 500,
};

function send(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(text);
}

function refuse(res: http.ServerResponse, status: number, error: ApiErrorBody): void {
  send(res, status, { ok: false, error });
}

/**
 * The browser host: the same API as the Electron IPC, over HTTP and a WebSocket on 127.0.0.1 only.
 * Every API call carries the per-launch token; Host and Origin are checked against our own port
 * (DNS rebinding, CSRF from other local pages).
 */
export async function startHost(options: HostOptions): Promise<RunningHost> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  // An import carries a file of up to IMPORT_MAX_BYTES, JSON-escaped (quotes, line breaks): room for 3x.
  const maxImportBody = Math.max(maxBody, 3 * IMPORT_MAX_BYTES);
  const rendererDir = path.resolve(options.rendererDir);
  let port = 0;

  const hostOk = (req: http.IncomingMessage) => allowedHosts(port).has(req.headers.host ?? '');
  const originOk = (req: http.IncomingMessage) => {
    const origin = req.headers.origin;
    return origin === undefined || allowedOrigins(port).has(origin);
  };

  const serveStatic = (req: http.IncomingMessage, res: http.ServerResponse, pathname: string) => {
    const rel = pathname === '/' ? 'index.html' : decodeURIComponent(pathname.slice(1));
    const file = path.resolve(rendererDir, rel);
    if (
      !file.startsWith(rendererDir + path.sep) ||
      !fs.existsSync(file) ||
      !fs.statSync(file).isFile()
    ) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
      return;
    }
    const type = MIME[path.extname(file)] ?? 'application/octet-stream';
    res.writeHead(200, {
      'Content-Type': type,
      'Content-Security-Policy': contentSecurityPolicy(port),
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': rel === 'index.html' ? 'no-store' : 'max-age=3600',
    });
    if (req.method === 'HEAD') res.end();
    else fs.createReadStream(file).pipe(res);
  };

  const handleApi = async (req: http.IncomingMessage, res: http.ServerResponse, method: string) => {
    if (req.method !== 'POST')
      return refuse(res, 405, { code: 'VALIDATION', message: 'API calls are POST requests.' });
    const auth = req.headers.authorization;
    const given = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
    if (!tokenMatches(token, given)) {
      return refuse(res, 401, {
        code: 'UNAUTHORIZED',
        message: 'Missing or wrong access token: open the address printed by `npm start`.',
      });
    }
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return refuse(res, 415, {
        code: 'VALIDATION',
        message: 'Send the input as application/json.',
      });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const limit = method === 'tenants.import' ? maxImportBody : maxBody;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > limit) {
        // Answer, then drop the connection: the rest of the body is never read.
        const socket = req.socket;
        res.setHeader('Connection', 'close');
        refuse(res, 413, {
          code: 'TOO_LARGE',
          message: `The request is larger than ${limit} bytes.`,
        });
        res.on('finish', () => socket.destroy());
        return;
      }
      chunks.push(chunk as Buffer);
    }
    let input: unknown;
    try {
      const text = Buffer.concat(chunks).toString('utf8');
      input = text === '' ? {} : (JSON.parse(text) as unknown);
    } catch {
      return refuse(res, 400, {
        code: 'VALIDATION',
        message: 'The request body is not valid JSON.',
      });
    }
    const envelope = await options.core.dispatch(method, input);
    send(res, envelope.ok ? 200 : (STATUS[envelope.error.code] ?? 400), envelope);
  };

  const server = http.createServer((req, res) => {
    if (!hostOk(req)) {
      res
        .writeHead(421, { 'Content-Type': 'text/plain' })
        .end('Wrong Host header: this app answers only to 127.0.0.1.');
      return;
    }
    if (!originOk(req))
      return refuse(res, 403, {
        code: 'FORBIDDEN',
        message: 'Requests from other sites are refused.',
      });
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (url.pathname.startsWith('/api/')) {
      handleApi(req, res, url.pathname.slice(5)).catch(() => {
        if (!res.headersSent)
          refuse(res, 500, { code: 'INTERNAL', message: 'The request failed inside the app.' });
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    serveStatic(req, res, url.pathname);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const protocols = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    const given = protocols
      .find((p) => p.startsWith(WS_TOKEN_PREFIX))
      ?.slice(WS_TOKEN_PREFIX.length);
    // Browsers always send Origin on a WebSocket handshake: require ours.
    const origin = req.headers.origin;
    if (
      url.pathname !== '/events' ||
      !hostOk(req) ||
      (origin !== undefined && !allowedOrigins(port).has(origin)) ||
      !tokenMatches(token, given)
    ) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws));
  });
  wss.on('connection', (ws: WebSocket) => ws.on('message', () => undefined));
  // The token subprotocol is accepted by echoing the first offered one.
  const onEvent = (name: string, payload: unknown) => {
    const text = JSON.stringify({ event: name, payload });
    for (const client of wss.clients) if (client.readyState === client.OPEN) client.send(text);
  };
  options.core.events.on('event', onEvent);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    port,
    token,
    url: `http://127.0.0.1:${port}/?token=${token}`,
    close: async () => {
      options.core.events.off('event', onEvent);
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
