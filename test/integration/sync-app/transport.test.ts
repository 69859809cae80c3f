/**
 * postJson (electron/sync/transport.ts) against a real HTTP server on loopback: what a 2xx, an
 * error answer, a redirect, a compressed body, a body cut off, a server that never answers and a
 * closed port each
 * become (the value, ServerError with the server's body, or ServerUnreachableError with a message
 * a person can act on), and that the headers of an answer are handed over before its body ends.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, ServerError, ServerUnreachableError } from '../../../electron/sync/transport';

let server: http.Server;
let base = '';
/** Requests as the server saw them: method, content type, authorization, body. */
const seen: { method?: string; type?: string; auth?: string; body: string }[] = [];
/** Lets the test server finish the answer of /slow-body. */
let finishSlowBody: () => void = () => undefined;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      seen.push({
        method: req.method,
        type: req.headers['content-type'],
        auth: req.headers.authorization,
        body,
      });
      const json = (status: number, value: unknown, headers: http.OutgoingHttpHeaders = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(value));
      };
      switch (req.url) {
        case '/ok':
          return json(
            200,
            { echo: JSON.parse(body) as unknown, name: 'Müller 監視' },
            { 'x-next': 'n%3A2' },
          );
        case '/refused':
          return json(403, { code: 'FORBIDDEN', message: 'Not in your subtree.' });
        case '/gateway':
          res.writeHead(502, { 'content-type': 'text/html' });
          return res.end('<html>Bad gateway</html>');
        case '/moved':
          res.writeHead(301, { location: 'https://vms.example.com/v1/sync/pull' });
          return res.end();
        case '/cut': {
          // Promises 1,000 bytes, sends 10 and hangs up.
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
          res.write('{"changes"');
          return setTimeout(() => res.socket?.destroy(), 20);
        }
        case '/slow-body': {
          res.writeHead(200, { 'content-type': 'application/json', 'x-next': 'early' });
          res.write('{"part":');
          finishSlowBody = () => res.end('1}');
          return;
        }
        case '/gzip': {
          // Compressed although the client asked for no encoding (a proxy may do that).
          res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
          return res.end(zlib.gzipSync(JSON.stringify({ packed: 'Müller 監視' })));
        }
        case '/brotli': {
          res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'br' });
          return res.end(zlib.brotliCompressSync(JSON.stringify({ packed: true })));
        }
        case '/odd-encoding': {
          res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'zstd' });
          return res.end('{"a":1}');
        }
        case '/silent':
          return; // never answers
        default:
          return json(404, { code: 'NOT_FOUND', message: 'No such route.' });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('postJson', () => {
  it('posts JSON with the token and answers the JSON of a 2xx, its headers first', async () => {
    let header: string | null = 'not called';
    const value = await postJson(`${base}/ok`, { cursor: 'é' }, 'tok-1', 5_000, (get) => {
      header = get('X-Next');
    });
    expect(value).toEqual({ echo: { cursor: 'é' }, name: 'Müller 監視' });
    expect(header).toBe('n%3A2');
    expect(seen.at(-1)).toEqual({
      method: 'POST',
      type: 'application/json',
      auth: 'Bearer tok-1',
      body: '{"cursor":"é"}',
    });
    await postJson(`${base}/ok`, {}, null);
    expect(seen.at(-1)?.auth).toBeUndefined();
  });

  it('hands the headers over while the body is still on its way', async () => {
    const events: string[] = [];
    const answer = postJson(`${base}/slow-body`, {}, null, 5_000, (get) => {
      events.push(`headers ${get('x-next')}`);
      setTimeout(() => {
        events.push('body finished');
        finishSlowBody();
      }, 50);
    });
    expect(await answer).toEqual({ part: 1 });
    expect(events).toEqual(['headers early', 'body finished']);
  });

  it("throws the server's error answer as ServerError, without calling for headers", async () => {
    let called = false;
    const err: unknown = await postJson(`${base}/refused`, {}, 't', 5_000, () => {
      called = true;
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect(err).toMatchObject({
      status: 403,
      body: { code: 'FORBIDDEN', message: 'Not in your subtree.' },
    });
    expect(called).toBe(false);
  });

  it('says when an answer has no readable body, or sends elsewhere', async () => {
    await expect(postJson(`${base}/gateway`, {}, null)).rejects.toThrow(
      new ServerUnreachableError('The server answered 502 without a readable body.'),
    );
    const moved: unknown = await postJson(`${base}/moved`, {}, null).catch((e: unknown) => e);
    expect(moved).toBeInstanceOf(ServerUnreachableError);
    expect((moved as Error).message).toBe(
      'The server answered 301 and sends to https://vms.example.com/v1/sync/pull: use that address.',
    );
  });

  it('reads an answer a proxy compressed, and refuses one it cannot decode', async () => {
    await expect(postJson(`${base}/gzip`, {}, null)).resolves.toEqual({ packed: 'Müller 監視' });
    await expect(postJson(`${base}/brotli`, {}, null)).resolves.toEqual({ packed: true });
    await expect(postJson(`${base}/odd-encoding`, {}, null)).rejects.toThrow(
      new ServerUnreachableError('The server answered 200 without a readable body.'),
    );
  });

  it('fails a body cut off half way as unreachable, never as a shorter answer', async () => {
    const err: unknown = await postJson(`${base}/cut`, {}, null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerUnreachableError);
    expect((err as Error).message).toBe('The server answered 200 without a readable body.');
  });

  it('gives up on a server that does not answer within the time allowed', async () => {
    const t0 = performance.now();
    const err: unknown = await postJson(`${base}/silent`, {}, null, 300).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerUnreachableError);
    expect((err as Error).message).toMatch(
      /^The server at http:\/\/127\.0\.0\.1:\d+ cannot be reached/,
    );
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  it('says which server cannot be reached when nothing listens', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(postJson(`http://127.0.0.1:${port}/v1/sync/pull`, {}, null)).rejects.toThrow(
      new RegExp(
        `^The server at http://127\\.0\\.0\\.1:${port} cannot be reached \\(.*ECONNREFUSED`,
      ),
    );
  });
});

/** A self-signed certificate for 127.0.0.1 (test/fixtures/tls: a test fixture, valid until 2126). */
const TLS_DIR = path.resolve('test/fixtures/tls');

describe('postJson over TLS', () => {
  let tlsServer: https.Server;
  let tlsBase = '';

  beforeAll(async () => {
    tlsServer = https.createServer(
      {
        cert: fs.readFileSync(path.join(TLS_DIR, 'cert.pem')),
        key: fs.readFileSync(path.join(TLS_DIR, 'key.pem')),
      },
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"secure":true}');
      },
    );
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    tlsBase = `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    tlsServer.closeAllConnections();
    await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
  });

  it('refuses a server whose certificate it does not trust, and says why', async () => {
    const err: unknown = await postJson(`${tlsBase}/v1/sync/pull`, {}, 'secret').catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ServerUnreachableError);
    expect((err as Error).message).toMatch(/cannot be reached \(self[- ]signed certificate/);
  });

  it('talks to it once its certificate is trusted (NODE_EXTRA_CA_CERTS)', async () => {
    const script = `import { postJson } from './electron/sync/transport.ts';
      console.log(JSON.stringify(await postJson(process.argv[1], { a: 1 }, null)));`;
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script, `${tlsBase}/v1/sync/pull`],
        {
          env: { ...process.env, NODE_EXTRA_CA_CERTS: path.join(TLS_DIR, 'cert.pem') },
          timeout: 30_000,
        },
        (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    expect(JSON.parse(out.trim())).toEqual({ secure: true });
  });
});
