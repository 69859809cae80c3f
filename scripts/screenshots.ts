/**
 * Screenshots for docs/: starts the browser host on a fresh data folder, creates a small realistic
 * partner through the API, and captures the main screens in Debian's Chromium.
 * Run: `node scripts/build.mjs && npx tsx scripts/screenshots.ts`
 */
import { chromium, type Page } from '@playwright/test';
import fs from 'node:fs';
import { startHostProcess } from '../test/support/host-process';

const host = await startHostProcess();
const call = async (method: string, input: unknown): Promise<{ id: string }> => {
  const res = await fetch(`${host.origin}/api/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${host.token}` },
    body: JSON.stringify(input),
  });
  const env = (await res.json()) as {
    ok: boolean;
    result: { id: string };
    error?: { message: string };
  };
  if (!env.ok) throw new Error(`${method}: ${env.error?.message}`);
  return env.result;
};

const north = await call('tenants.create', {
  kind: 'integrator',
  name: 'North Region Security',
  contactPerson: 'Anna Berg',
  email: 'ops@north.example',
  phone: '+46 8 555 0101',
});
const retail = await call('tenants.create', {
  kind: 'integrator',
  name: 'Retail Partners',
  parentId: north.id,
  email: 'retail@north.example',
});
const south = await call('tenants.create', {
  kind: 'integrator',
  name: 'South Coast Integrators',
  email: 'hello@southcoast.example',
});
const customers: { id: string }[] = [];
const names = [
  ['Smith Residence', 'root'],
  ['Harbor Bakery', north.id],
  ['Lindqvist Dental', north.id],
  ['Cedar Pharmacy', retail.id],
  ['Pine Street Garage', retail.id],
  ['Oak Hotel', south.id],
  ['Summit School', south.id],
  ['Nova Warehouse', south.id],
] as const;
for (const [name, parentId] of names) {
  customers.push(
    await call('tenants.create', {
      kind: 'customer',
      name,
      parentId,
      email: `${name.toLowerCase().replace(/\W+/g, '.')}@example.com`,
      timeZone: 'Europe/Stockholm',
    }),
  );
}
for (const [i, c] of customers.entries()) {
  for (let k = 0; k < (i % 4) + 1; k++) {
    await call('cameras.addManual', {
      customerId: c.id,
      name: ['Front door', 'Garage', 'Garden', 'Back yard'][k],
      streamUrl: `rtsp://192.0.2.${10 + i}/stream${k}`,
    });
  }
}
await call('modules.set', { tenantId: north.id, moduleId: 'camera_sharing', enabled: false });
await call('tenants.disable', { id: south.id });
const garage = customers[3];
if (!garage) throw new Error('no customer');
const cams = (await call('cameras.list', { customerId: garage.id })) as unknown as { id: string }[];
if (cams[1]) await call('cameras.setEnabled', { id: cams[1].id, enabled: false });
await call('tenants.disable', { id: garage.id });

const executablePath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) =>
  fs.existsSync(p),
);
const browser = await chromium.launch({
  ...(executablePath ? { executablePath } : {}),
  args: ['--no-sandbox', '--disable-gpu'],
});
const page = await browser.newPage({ viewport: { width: 1360, height: 820 } });
fs.mkdirSync('docs', { recursive: true });
const shot = async (p: Page, name: string) => {
  await p.waitForTimeout(300);
  await p.screenshot({ path: `docs/${name}.png` });
  console.log(`docs/${name}.png`);
};

await page.goto(host.url);
await page.getByTestId('tenant-row').first().waitFor();
await shot(page, 'customers');
await page.getByTestId('add-tenant').click();
await shot(page, 'add-popup');
await page.getByTestId('choose-customer').click();
await page.getByLabel(/^Name/).fill('Berg Family Home');
await page.getByLabel(/^Email/).fill('anna.berg@');
await page.getByRole('button', { name: 'Create', exact: true }).click();
await page.getByText('Enter an email address').waitFor();
await shot(page, 'add-customer-form');
await page.keyboard.press('Escape');

await page.goto(`${host.origin}/#/tenant/${customers[1]?.id}/modules`);
await page.getByTestId('locked-camera_sharing').waitFor();
await page.getByTestId('module-camera_sharing').scrollIntoViewIfNeeded();
await shot(page, 'tenant-modules');

await page.goto(`${host.origin}/#/tenant/${garage.id}/cameras`);
await page.getByTestId('enable-tenant').click();
await page.getByTestId('enable-choice').waitFor();
await shot(page, 'enable-dialog');
await page.keyboard.press('Escape');

await page.goto(`${host.origin}/#/tenant/${north.id}/business`);
await page.getByTestId('stats').waitFor();
await shot(page, 'integrator-business');

await page.goto(`${host.origin}/#/audit`);
await page.getByTestId('audit-row').first().click();
await shot(page, 'audit');

await browser.close();
await host.stop();
