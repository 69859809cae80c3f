import http from 'node:http';
import path from 'node:path';
import { test, expect, addTenant, row } from './fixtures';
import { createIdGenerator } from '../../shared/ids';
import { formatHlc } from '../../shared/sync/hlc';
import { startHostProcess, type HostProcess } from '../support/host-process';
import {
  serverTenantNames,
  startSyncServer,
  type SyncServerProcess,
} from '../support/sync-server-process';

let server: SyncServerProcess;
test.beforeAll(async () => {
  server = await startSyncServer();
});
test.afterAll(async () => {
  await server.stop();
});

/** Calls a host's API like its page does (a second desktop driven without a window). */
async function api<T = Record<string, unknown>>(
  host: HostProcess,
  method: string,
  input: unknown = {},
): Promise<T> {
  const res = await fetch(`${host.origin}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${host.token}` },
    body: JSON.stringify(input),
  });
  const env = (await res.json()) as { ok: boolean; result?: T; error?: { message: string } };
  if (!env.ok || env.result === undefined)
    throw new Error(`${method}: ${env.error?.message ?? 'failed'}`);
  return env.result;
}

test('Settings → Server: log in, a new customer syncs, and the server has it', async ({
  page,
  host,
}) => {
  await page.goto(host.url);
  const indicator = page.getByTestId('sync-indicator');
  await expect(indicator).toHaveAttribute('data-phase', 'standalone');
  await expect(indicator).toContainText('Standalone');

  await page.getByRole('button', { name: 'Settings · Server' }).click();
  const form = page.getByRole('form', { name: 'Log in to a server' });
  await form.getByLabel(/^Server address/).fill('ftp://example.com');
  await form.getByLabel(/^Email/).fill(server.email);
  await form.getByLabel(/^Password/).fill('wrong password!');
  await form.getByRole('button', { name: 'Log in' }).click();
  await expect(form.getByText(/must start with https:\/\//)).toBeVisible();

  await form.getByLabel(/^Server address/).fill(server.url);
  await form.getByRole('button', { name: 'Log in' }).click();
  await expect(form.getByRole('alert').filter({ hasText: /password/i })).toBeVisible();

  await form.getByLabel(/^Password/).fill(server.password);
  await form.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByTestId('server-connected')).toContainText(server.email);
  await expect(indicator).toHaveAttribute('data-phase', 'synced');
  await expect(indicator).toContainText('Last sync');

  await page.getByRole('button', { name: 'Customers' }).click();
  await addTenant(page, 'customer', { name: 'Synced Shop', email: 'shop@example.com' });
  await expect(row(page, 'Synced Shop')).toBeVisible();
  await expect(indicator).toHaveAttribute('data-phase', 'synced');
  await expect(indicator).toContainText('Synced');
  await expect.poll(() => serverTenantNames(server)).toContain('Synced Shop');

  // The Sync screen: nothing waiting, nothing refused.
  await indicator.click();
  await expect(page.getByTestId('sync-state')).toContainText('Synced');
  await expect(page.getByTestId('sync-pending-count')).toHaveText('0');
});

test('Sync screen: an edit overwritten by another desktop, and a refused change', async ({
  page,
  host,
}) => {
  // Desktop A: a second host process, driven through its API.
  const other = await startHostProcess();
  try {
    const login = { serverUrl: server.url, email: server.email, password: server.password };
    await api(other, 'sync.connect', login);
    await api(host, 'sync.connect', login);
    const cafe = await api<{ id: string }>(other, 'tenants.create', {
      kind: 'customer',
      name: 'Harbor Café',
      email: 'hello@harbor.example',
      phone: '+1 555 0100',
      timeZone: 'Europe/Berlin',
    });
    const region = await api<{ id: string }>(other, 'tenants.create', {
      kind: 'integrator',
      name: 'Coastal Security',
      email: 'ops@coastal.example',
    });
    await api(other, 'sync.now');
    await api(host, 'sync.now');

    // Desktop B (this window's) goes offline — logged out — and keeps editing.
    await api(host, 'sync.disconnect', { forget: false });
    await api(host, 'tenants.update', {
      id: cafe.id,
      phone: '+1 555 0111',
      contactPerson: 'Sam (night shift)',
    });
    await api(host, 'tenants.create', {
      kind: 'customer',
      name: 'Pier 9 Storage',
      email: 'pier9@example.com',
      timeZone: 'Europe/Berlin',
      parentId: region.id,
    });
    await new Promise((r) => setTimeout(r, 20));

    // Meanwhile desktop A edits the same fields later, and deletes the integrator.
    await api(other, 'tenants.update', {
      id: cafe.id,
      phone: '+1 555 0199',
      contactPerson: 'Dana Ruiz',
    });
    await api(other, 'tenants.delete', { id: region.id, confirmName: 'Coastal Security' });
    await api(other, 'sync.now');

    await page.goto(host.url);
    const indicator = page.getByTestId('sync-indicator');
    await expect(indicator).toHaveAttribute('data-phase', 'signed-out');
    await expect(indicator).toContainText('2 changes pending');

    await page.getByRole('button', { name: 'Settings · Server' }).click();
    const form = page.getByRole('form', { name: 'Log in to a server' });
    await expect(form.getByLabel(/^Server address/)).toHaveValue(new URL(server.url).toString());
    await form.getByLabel(/^Password/).fill(server.password);
    await form.getByRole('button', { name: 'Log in' }).click();
    await expect(indicator).toHaveAttribute('data-phase', 'synced');

    await page.getByRole('button', { name: 'Sync', exact: true }).click();
    const overwritten = page.getByTestId('sync-overwritten');
    await expect(overwritten).toContainText('Harbor Café');
    await expect(overwritten).toContainText('+1 555 0111');
    await expect(overwritten).toContainText('+1 555 0199');
    await expect(overwritten).toContainText('another desktop');
    const rejected = page.getByTestId('sync-rejected');
    await expect(rejected).toContainText('Create customer “Pier 9 Storage”');
    await expect(rejected).toContainText(/deleted/);
    await expect(page.getByTestId('sync-pending-count')).toHaveText('0');
    for (const close of await page.locator('.toast').getByLabel('Dismiss').all())
      await close.click();
    await expect(page.locator('.toast')).toHaveCount(0);
    await page.screenshot({ path: path.resolve('docs/sync-screen.png') });
  } finally {
    await other.stop();
  }
});

/**
 * An HTTP relay to the sync server that holds back the answer of the `holdAt`-th pull until
 * `release()`: a first pull stops half way, long enough to look at its progress.
 */
async function pullStall(target: string, holdAt: number) {
  let pulls = 0;
  let release = () => undefined as void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const relay = http.createServer((req, res) => {
    const held = req.url === '/v1/sync/pull' && ++pulls === holdAt;
    const upstream = http.request(
      new URL(req.url ?? '/', target),
      { method: req.method, headers: req.headers },
      (answer) => {
        const send = () => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        };
        if (held) void released.then(send);
        else send();
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const address = relay.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    release,
    close: () => new Promise<void>((resolve) => relay.close(() => resolve())),
  };
}

test('a first pull shows how far it has come, in the indicator and the Sync screen', async ({
  page,
  host,
}) => {
  // 5,000 customers on the server, pushed by another desktop in batches of 500.
  const login = await fetch(new URL('/v1/auth/login', server.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: server.email, password: server.password }),
  });
  const { token } = (await login.json()) as { token: string };
  const id = createIdGenerator();
  for (let batch = 0; batch < 10; batch++) {
    const mutations = Array.from({ length: 500 }, (_, i) => ({
      id: batch * 500 + i + 1,
      command: 'tenants.create',
      args: {
        id: id(),
        kind: 'customer',
        parentId: 'root',
        name: `Site ${String(batch * 500 + i).padStart(4, '0')}`,
        email: 'site@example.com',
        timeZone: 'Europe/Berlin',
      },
      hlc: formatHlc({ wallMs: Date.now(), counter: batch * 500 + i, node: 'e2e-seeder' }),
    }));
    const res = await fetch(new URL('/v1/sync/push', server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ clientId: 'e2e-seeder', mutations }),
    });
    expect(res.ok).toBe(true);
  }

  // Pages of 2,000 rows (PULL_PAGE in electron/sync/engine.ts), written two at a time (pages of
  // ids in creation order wait for 4,000 rows): the third page asked for, by the pull worker
  // reading ahead, waits for release(), and the first two are written meanwhile.
  const relay = await pullStall(server.url, 3);
  try {
    await page.goto(host.url);
    await page.getByRole('button', { name: 'Settings · Server' }).click();
    const form = page.getByRole('form', { name: 'Log in to a server' });
    await form.getByLabel(/^Server address/).fill(relay.url);
    await form.getByLabel(/^Email/).fill(server.email);
    await form.getByLabel(/^Password/).fill(server.password);
    await form.getByRole('button', { name: 'Log in' }).click();

    const indicator = page.getByTestId('sync-indicator');
    await expect(indicator).toContainText('Downloading…');
    await expect(indicator).toContainText(/4,000 of 5,0\d\d/);
    const bar = indicator.getByRole('progressbar');
    await expect(bar).toHaveAttribute('aria-valuenow', /^7\d$/);
    await indicator.click();
    await expect(page.getByTestId('sync-state')).toContainText('Downloading…');
    await expect(page.getByTestId('sync-progress-text')).toHaveText(
      /^4,000 of 5,0\d\d rows · 7\d %$/,
    );
    await expect(page.getByTestId('sync-state').getByRole('progressbar')).toBeVisible();
    await expect(page.getByTestId('sync-state').locator('..')).toContainText('Syncing now');
    for (const close of await page.locator('.toast').getByLabel('Dismiss').all())
      await close.click();
    await page.screenshot({ path: path.resolve('docs/sync-first-pull.png') });

    relay.release();
    await expect(indicator).toHaveAttribute('data-phase', 'synced');
    await expect(indicator).toContainText('Synced');
    await expect(indicator.getByRole('progressbar')).toHaveCount(0);
    const customers = await api<{ total: number }>(host, 'tenants.list', {
      search: 'Site',
      limit: 10,
    });
    expect(customers.total).toBe(5_000);
  } finally {
    await relay.close();
  }
});
