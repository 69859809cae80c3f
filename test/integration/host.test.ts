import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { startHostProcess, type HostProcess } from '../support/host-process';

let host: HostProcess;
beforeAll(async () => {
  host = await startHostProcess();
});
afterAll(async () => {
  await host?.stop();
});

/** A raw request, so the test controls the Host header (fetch does not allow that). */
function raw(options: {
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>(
    (resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: host.port,
          path: options.path,
          method: options.method ?? 'GET',
          headers: options.headers,
        },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.on('error', reject);
      req.end(options.body);
    },
  );
}

const api = (method: string, headers: Record<string, string>, body = '{}') =>
  raw({
    path: `/api/${method}`,
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body,
  });

describe('the browser host', () => {
  it('serves the page with a strict CSP and answers only to loopback Host names', async () => {
    const page = await raw({ path: '/', headers: { Host: `127.0.0.1:${host.port}` } });
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).not.toContain('unsafe-inline');
    const rebinding = await raw({ path: '/', headers: { Host: `attacker.example:${host.port}` } });
    expect(rebinding.status).toBe(421);
    const apiRebinding = await api('tenants.list', {
      Host: 'attacker.example',
      Authorization: `Bearer ${host.token}`,
    });
    expect(apiRebinding.status).toBe(421);
  });

  it('refuses API calls without the token, with a wrong token, or from a foreign Origin', async () => {
    const hostHeader = { Host: `127.0.0.1:${host.port}` };
    expect(
      (await api('tenants.list', { ...hostHeader, Authorization: `Bearer ${host.token}` })).status,
    ).toBe(200);
    expect((await api('tenants.list', hostHeader)).status).toBe(401);
    expect(
      (await api('tenants.list', { ...hostHeader, Authorization: `Bearer ${host.token}x` })).status,
    ).toBe(401);
    const foreign = await api('tenants.list', {
      ...hostHeader,
      Authorization: `Bearer ${host.token}`,
      Origin: `http://127.0.0.1:${host.port + 1}`,
    });
    expect(foreign.status).toBe(403);
    const create = await api(
      'tenants.create',
      { ...hostHeader, Origin: 'http://evil.example', Authorization: `Bearer ${host.token}` },
      JSON.stringify({ kind: 'integrator', name: 'X', email: 'x@example.com' }),
    );
    expect(create.status).toBe(403);
    const list = JSON.parse(
      (await api('tenants.list', { ...hostHeader, Authorization: `Bearer ${host.token}` })).body,
    ) as { result: { total: number } };
    expect(list.result.total).toBe(0);
  });

  it('answers bad input with a 4xx and a message', async () => {
    const h = { Host: `127.0.0.1:${host.port}`, Authorization: `Bearer ${host.token}` };
    const notJson = await api('tenants.list', h, '{nope');
    expect(notJson.status).toBe(400);
    expect(JSON.parse(notJson.body)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect((await api('tenants.nope', h)).status).toBe(404);
    const invalid = await api(
      'tenants.create',
      h,
      JSON.stringify({ kind: 'customer', name: '', email: 'x', timeZone: 'UTC' }),
    );
    expect(invalid.status).toBe(400);
    expect(JSON.parse(invalid.body).error.fields.map((f: { field: string }) => f.field)).toEqual([
      'name',
      'email',
    ]);
    // The host answers 413 and drops the connection without reading the rest.
    const huge = await api(
      'tenants.list',
      h,
      JSON.stringify({ search: 'x'.repeat(2 * 1024 * 1024) }),
    ).catch((e: Error) => ({ status: e.message }));
    expect([413, 'write EPIPE', 'read ECONNRESET']).toContain(huge.status);
  });

  it('pushes events over the WebSocket only to a client with the token', async () => {
    const url = `ws://127.0.0.1:${host.port}/events`;
    const refused = await new Promise<string>((resolve) => {
      const ws = new WebSocket(url, ['vms'], { origin: host.origin });
      ws.on('open', () => resolve('open'));
      ws.on('error', () => resolve('refused'));
    });
    expect(refused).toBe('refused');
    const foreignOrigin = await new Promise<string>((resolve) => {
      const ws = new WebSocket(url, ['vms', `vms.token.${host.token}`], {
        origin: 'http://evil.example',
      });
      ws.on('open', () => resolve('open'));
      ws.on('error', () => resolve('refused'));
    });
    expect(foreignOrigin).toBe('refused');
    const ws = new WebSocket(url, ['vms', `vms.token.${host.token}`], { origin: host.origin });
    await new Promise((resolve, reject) => {
      ws.on('open', resolve);
      ws.on('error', reject);
    });
    const event = new Promise<string>((resolve) =>
      ws.on('message', (d: Buffer) => resolve(d.toString())),
    );
    await api(
      'tenants.create',
      { Host: `127.0.0.1:${host.port}`, Authorization: `Bearer ${host.token}` },
      JSON.stringify({ kind: 'integrator', name: 'Evented', email: 'e@example.com' }),
    );
    expect(JSON.parse(await event)).toMatchObject({ event: 'tenants.changed' });
    ws.close();
  });

  it('listens on loopback only and never writes the token to disk or its log', async () => {
    const tcp = fs.readFileSync('/proc/net/tcp', 'utf8');
    const portHex = host.port.toString(16).toUpperCase().padStart(4, '0');
    const listening = tcp
      .split('\n')
      .filter((l) => l.includes(`:${portHex} `) && l.includes(' 0A '));
    expect(listening.length).toBeGreaterThan(0);
    for (const line of listening) expect(line.trim().split(/\s+/)[1]).toBe(`0100007F:${portHex}`);
    const files = fs.readdirSync(host.dataDir, { recursive: true }) as string[];
    for (const f of files) {
      const full = path.join(host.dataDir, f);
      if (fs.statSync(full).isFile())
        expect(fs.readFileSync(full).includes(host.token)).toBe(false);
    }
    // The one line that carries the token is the "Open …" line on stdout, which the person needs.
    expect(host.output().split(host.token).length - 1).toBe(1);
  });
});
