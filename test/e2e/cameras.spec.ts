// Cameras in the product, end to end: real fake-camera processes on 127.0.0.151-153 answer
// WS-Discovery on a private port (37151); the host is told to probe only loopback on that port,
// so nothing leaves the machine. VMS_SCREENSHOTS=1 also writes docs/site-scan.png and
// docs/cameras-tab.png.
import path from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
import { startHostProcess, type HostProcess } from '../support/host-process';
import {
  spawnFakeCameras,
  type FakeCameraConfig,
  type FakeCameraProcess,
} from '../fixtures/onvif/fake-camera';

const PORT = 37151;
const configs: FakeCameraConfig[] = [
  {
    address: '127.0.0.151',
    discoveryPort: PORT,
    name: 'Front Door',
    location: 'Porch',
    hardware: 'FC-2000',
    mac: '02:00:00:00:01:51',
  },
  {
    address: '127.0.0.152',
    discoveryPort: PORT,
    name: 'Garage',
    location: 'Driveway',
    hardware: 'FC-3100',
    model: 'FC-3100',
    password: 'admin', // factory default: a security finding
    clockOffsetMs: 26 * 3_600_000,
    authStyle: 'digest',
  },
  {
    address: '127.0.0.153',
    discoveryPort: PORT,
    name: 'Back Yard',
    location: 'Garden',
    hardware: 'FC-2000',
  },
];

const test = base.extend<{ cameras: FakeCameraProcess; host: HostProcess }>({
  // eslint-disable-next-line no-empty-pattern
  cameras: async ({}, use) => {
    const proc = await spawnFakeCameras(configs);
    await use(proc);
    await proc.stop();
  },
  host: async ({ cameras }, use) => {
    expect(cameras.cameras).toHaveLength(3);
    const host = await startHostProcess({
      env: { VMS_DISCOVERY_INTERFACES: '127.0.0.1', VMS_DISCOVERY_PORT: String(PORT) },
    });
    await use(host);
    await host.stop();
  },
});

async function dismissToasts(page: Page) {
  const close = page.locator('.toast').getByRole('button', { name: 'Dismiss' });
  for (let i = 0; i < 10 && (await close.count()) > 0; i++) await close.first().click();
}

const shots = process.env.VMS_SCREENSHOTS ? path.resolve('docs') : null;

test('site scan → attach two cameras to a new customer → Cameras tab with snapshots; P&P behind its module', async ({
  page,
  host,
}) => {
  await page.goto(host.url);
  await page.getByRole('button', { name: 'Site scan' }).click();
  await page.getByTestId('scan-start').click();
  const rows = page.getByTestId('scan-row');
  await expect(rows).toHaveCount(3);
  await expect(page.getByTestId('scan-status')).toContainText('Scan finished: 3 devices');
  const garage = rows.filter({ hasText: 'Garage' });
  await expect(garage).toContainText('127.0.0.152');
  await expect(garage).toContainText('Driveway');
  await expect(garage.getByTestId('clock-skew')).toHaveText('1 d 2 h ahead');

  // Keyboard: select two cameras with Space.
  await page.getByLabel('Select Front Door').focus();
  await page.keyboard.press('Space');
  await page.getByLabel('Select Garage').focus();
  await page.keyboard.press('Space');
  const panel = page.getByTestId('attach-panel');
  await expect(panel.getByRole('heading')).toHaveText('Attach 2 cameras');

  // No customer yet: create one inline.
  await expect(panel.getByTestId('attach-customer')).toHaveValue('__new__');
  await panel.getByLabel(/^Customer name/).fill('Smith Home');
  await panel.getByLabel(/^Email/).fill('smith@example.com');
  await panel.getByLabel('Password 1').fill('S3cure-pass');
  await panel.getByRole('button', { name: '+ Try another login' }).click();
  await panel.getByLabel('User name 2').fill('admin');
  await panel.getByLabel('Password 2').fill('admin');
  await panel.getByTestId('attach-selected').click();

  const results = panel.getByTestId('attach-result');
  await expect(results).toHaveCount(2);
  await expect(results.filter({ hasText: '✓' })).toHaveCount(2);
  await expect(panel.getByTestId('security-finding')).toHaveCount(1);
  await expect(panel.getByTestId('security-finding')).toContainText(
    'factory-default login admin/admin',
  );
  await expect(page.getByTestId('attached-to')).toHaveText(['Smith Home', 'Smith Home']);
  await expect(panel.getByTestId('attach-customer')).toHaveValue(/.+/);
  if (shots) {
    await page.getByLabel('Select Back Yard').check();
    await dismissToasts(page);
    await page.screenshot({ path: path.join(shots, 'site-scan.png') });
    await page.getByLabel('Select Back Yard').uncheck();
  }

  await page.getByTestId('open-customer-cameras').click();
  await expect(page.getByRole('heading', { name: 'Smith Home' })).toBeVisible();
  const cams = page.getByTestId('camera-row');
  await expect(cams).toHaveCount(2);
  await expect(cams.filter({ hasText: 'Garage' })).toContainText('FakeVision FC-3100');
  await expect(cams.getByTestId('camera-status')).toHaveText(['Online', 'Online']);
  await expect(cams.getByTestId('recording')).toHaveText(['Recording', 'Recording']);
  const snaps = cams.getByTestId('camera-snapshot');
  await expect(snaps).toHaveCount(2);
  for (const img of await snaps.all()) {
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(8);
  }
  // Re-check now talks to the camera again.
  await cams.filter({ hasText: 'Front Door' }).getByTestId('camera-recheck').click();
  await expect(page.getByRole('status').filter({ hasText: 'Front Door answered.' })).toBeVisible();

  // P&P is off by default: no button until the module is switched on.
  await expect(page.getByTestId('add-onvif')).toBeVisible();
  await expect(page.getByTestId('add-pnp')).toHaveCount(0);
  if (shots) {
    await dismissToasts(page);
    await page.screenshot({ path: path.join(shots, 'cameras-tab.png') });
  }
  await page.getByRole('tab', { name: 'Modules' }).click();
  await page.getByTestId('toggle-add_pnp_camera').click();
  await expect(page.getByTestId('toggle-add_pnp_camera')).toHaveAttribute('aria-checked', 'true');
  await page.getByRole('tab', { name: 'Cameras' }).click();
  await page.getByTestId('add-pnp').click();
  const pnp = page.getByTestId('pnp-dialog');
  await pnp.getByLabel(/^Camera name/).fill('Doorbell');
  await pnp.getByLabel(/^Cloud id/).fill('PNP-7781-AX');
  await pnp.getByLabel(/^Activation code/).fill('ACT9931QZ');
  await pnp.getByRole('button', { name: 'Add camera' }).click();
  await expect(pnp).toBeHidden();
  await expect(cams).toHaveCount(3);
  await expect(cams.filter({ hasText: 'Doorbell' })).toContainText('P&P');
});
