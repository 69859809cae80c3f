/**
 * `npm run audit` (scripts/audit.mjs) runs the real npm audit against an advisory endpoint on
 * 127.0.0.1 that answers like the registry's: it fails on a high finding, passes when clean, and
 * says it could not check (exit 0) when the endpoint refuses the request or cannot be reached.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SCRIPT = path.resolve('scripts/audit.mjs');

/** Answers POST /-/npm/v1/security/advisories/bulk in the registry's format; `/<mode>/` picks it. */
function startAdvisoryEndpoint(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const mode = req.url?.split('/')[1];
      if (req.method !== 'POST' || !req.url?.endsWith('/-/npm/v1/security/advisories/bulk'))
        return res.writeHead(404).end();
      if (mode === 'refuse') return res.writeHead(405, { Allow: 'GET,HEAD' }).end();
      const advisories =
        mode === 'high'
          ? {
              nodemailer: [
                {
                  id: 1,
                  url: 'https://github.com/advisories/GHSA-0000-test-0000',
                  title: 'A test advisory',
                  severity: 'high',
                  vulnerable_versions: '<=99.0.0',
                  cwe: [],
                  cvss: { score: 7.5, vectorString: null },
                },
              ],
            }
          : {};
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(advisories));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function audit(registry: string): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [SCRIPT, '--registry', registry, '--fetch-retries=0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_PROXY: '127.0.0.1' },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = setTimeout(() => child.kill('SIGKILL'), 100_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(deadline);
      resolve({ code, out });
    }),
  );
}

describe('npm run audit', () => {
  let server: http.Server;
  let base = '';
  beforeAll(async () => {
    server = await startAdvisoryEndpoint();
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('fails on a high finding, passes when clean, and cannot check without the endpoint', async () => {
    const closed = await startAdvisoryEndpoint();
    const closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const [high, clean, refused, unreachable] = await Promise.all([
      audit(`${base}/high/`),
      audit(`${base}/clean/`),
      audit(`${base}/refuse/`),
      audit(closedUrl),
    ]);
    expect(high.code, high.out).toBe(1);
    expect(high.out).toMatch(/1 high/);
    expect(high.out).toMatch(/high: nodemailer.*A test advisory/);
    expect(clean.code, clean.out).toBe(0);
    expect(clean.out).toMatch(/no high or critical vulnerability/);
    for (const r of [refused, unreachable]) {
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(/could not check/);
    }
    expect(refused.out).toMatch(/405/);
    expect(unreachable.out).toMatch(/ECONNREFUSED/);
  }, 120_000);
});
