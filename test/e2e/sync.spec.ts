import path from 'node:path';
import { test, expect, addTenant, row } from './fixtures';
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
