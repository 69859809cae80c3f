import { test, expect, addTenant, row } from './fixtures';
import { startHostProcess } from '../support/host-process';

test('Customers → Add → Create: an integrator and a customer under it survive a restart', async ({
  page,
  host,
}) => {
  await page.goto(host.url);
  await expect(page.getByRole('heading', { name: 'No customers yet' })).toBeVisible();
  // The token leaves the address bar once the page has it.
  await expect.poll(() => new URL(page.url()).searchParams.has('token')).toBe(false);

  await addTenant(page, 'integrator', { name: 'North Region', email: 'ops@north.example' });
  await expect(row(page, 'North Region')).toContainText('Integrator');

  // Validation comes from the core and shows next to the field.
  await page.getByTestId('add-tenant').click();
  await page.getByTestId('choose-customer').click();
  const dialog = page.getByTestId('add-dialog');
  await dialog.getByLabel(/^Email/).fill('not-an-email');
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(dialog.getByText('Name is required.')).toBeVisible();
  await expect(dialog.getByText('Enter an email address like name@example.com.')).toBeVisible();
  await dialog.getByLabel('Close').click();

  await addTenant(page, 'customer', {
    name: 'Smith Home',
    email: 'smith@example.com',
    under: 'North Region',
  });
  await expect(row(page, 'Smith Home')).toContainText('North Region');
  await expect(page.getByTestId('list-count')).toHaveText('2 entries');

  // Restart the host on the same data folder: both are still there.
  await host.stop();
  const again = await startHostProcess({ dataDir: host.dataDir });
  try {
    await page.goto(again.url);
    await expect(row(page, 'North Region')).toBeVisible();
    await expect(row(page, 'Smith Home')).toContainText('North Region');
  } finally {
    await again.stop();
  }
});

test('the host refuses a wrong token and a foreign Origin', async ({ request, host }) => {
  const api = `${host.origin}/api/tenants.list`;
  const good = await request.post(api, {
    data: {},
    headers: { Authorization: `Bearer ${host.token}` },
  });
  expect(good.status()).toBe(200);
  const noToken = await request.post(api, { data: {} });
  expect(noToken.status()).toBe(401);
  const wrong = await request.post(api, { data: {}, headers: { Authorization: 'Bearer nope' } });
  expect(wrong.status()).toBe(401);
  const foreign = await request.post(api, {
    data: {},
    headers: { Authorization: `Bearer ${host.token}`, Origin: 'http://evil.example' },
  });
  expect(foreign.status()).toBe(403);
});

test('a page on another local port cannot call the API', async ({ page, host }) => {
  // Any other origin (here: a data: page) gets no answer it can read, and writes nothing.
  await page.goto('about:blank');
  const result = await page.evaluate(
    async ({ origin, token }) => {
      try {
        const r = await fetch(`${origin}/api/tenants.create`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
          body: JSON.stringify({
            kind: 'customer',
            name: 'Intruder',
            email: 'x@example.com',
            timeZone: 'UTC',
          }),
        });
        return `status ${r.status}`;
      } catch (e) {
        return `blocked: ${String(e)}`;
      }
    },
    { origin: host.origin, token: host.token },
  );
  expect(result).toMatch(/blocked|status 403/);
  await page.goto(host.url);
  await expect(page.getByRole('heading', { name: 'No customers yet' })).toBeVisible();
});
