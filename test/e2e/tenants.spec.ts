import { test, expect, addTenant, row } from './fixtures';

test('a module switched off on an integrator is locked on its customer, and only there', async ({
  page,
  host,
}) => {
  await page.goto(host.url);
  await addTenant(page, 'integrator', { name: 'North Region', email: 'ops@north.example' });
  await addTenant(page, 'customer', {
    name: 'Smith Home',
    email: 'smith@example.com',
    under: 'North Region',
  });
  await addTenant(page, 'customer', { name: 'Other Shop', email: 'other@example.com' });

  await row(page, 'North Region').click();
  await page.getByRole('tab', { name: 'Modules' }).click();
  await page.getByTestId('toggle-camera_sharing').click();
  await expect(page.getByTestId('module-camera_sharing')).toContainText('Off');

  await page.getByRole('button', { name: 'Open its customers' }).click();
  await row(page, 'Smith Home').click();
  await page.getByRole('tab', { name: 'Modules' }).click();
  const locked = page.getByTestId('locked-camera_sharing');
  await expect(locked).toContainText('Switched off at integrator North Region');
  await expect(page.getByTestId('module-camera_sharing')).toContainText('Off');
  // Add P&P camera is off by default for a new customer, everything else in effect.
  await expect(page.getByTestId('toggle-add_pnp_camera')).toHaveAttribute('aria-checked', 'false');
  await expect(page.getByTestId('toggle-live_video')).toHaveAttribute('aria-checked', 'true');
  // The link goes to the integrator that locks it.
  await locked.getByRole('button', { name: 'North Region' }).click();
  await expect(page.getByRole('heading', { name: 'North Region' })).toBeVisible();

  // The other customer is not affected.
  await page.goto(`${host.origin}/#/customers`);
  await row(page, 'Other Shop').click();
  await page.getByRole('tab', { name: 'Modules' }).click();
  await expect(page.getByTestId('module-camera_sharing')).toContainText('In effect');
});

test('Disable stops recording; Enable offers to restore each camera or enable all; the audit log shows it', async ({
  page,
  host,
}) => {
  await page.goto(host.url);
  await addTenant(page, 'customer', { name: 'Smith Home', email: 'smith@example.com' });
  await row(page, 'Smith Home').click();
  await page.getByRole('tab', { name: 'Cameras' }).click();
  for (const name of ['Front door', 'Garage', 'Garden']) {
    await page.getByTestId('add-rtsp').click();
    const form = page.getByTestId('rtsp-form');
    await form.getByLabel(/^Camera name/).fill(name);
    await form.getByLabel(/^Stream URL/).fill(`rtsp://192.0.2.10:554/${name.replace(' ', '_')}`);
    await form.getByRole('button', { name: 'Add camera' }).click();
    await expect(form).toBeHidden();
  }
  const cams = page.getByTestId('camera-row');
  await expect(cams).toHaveCount(3);
  // The garage camera is switched off on its own before the customer is disabled.
  await cams.filter({ hasText: 'Garage' }).getByTestId('camera-enabled').click();
  await expect(cams.filter({ hasText: 'Garage' }).getByTestId('recording')).toHaveText('Stopped');

  await page.getByTestId('disable-tenant').click();
  await expect(page.getByTestId('disable-impact')).toContainText('2 cameras will stop recording');
  await page.getByTestId('confirm-disable').click();
  await expect(page.getByTestId('disable-dialog')).toBeHidden();
  await expect(page.locator('.title-meta')).toContainText('Disabled');
  await expect(cams.getByTestId('recording')).toHaveText(['Stopped', 'Stopped', 'Stopped']);

  // A camera cannot be enabled on its own while the customer is disabled.
  await cams.filter({ hasText: 'Garage' }).getByTestId('camera-enabled').click();
  await expect(
    page.getByRole('alert').filter({ hasText: 'Enable the customer first' }),
  ).toBeVisible();

  // Enable, keeping the garage camera off.
  await page.getByTestId('enable-tenant').click();
  const dialog = page.getByTestId('enable-dialog');
  await expect(dialog.getByTestId('enable-choice')).toContainText('Garage');
  await dialog.getByTestId('mode-restore').check();
  await page.getByTestId('confirm-enable').click();
  await expect(dialog).toBeHidden();
  await expect(cams.filter({ hasText: 'Garage' }).getByTestId('recording')).toHaveText('Stopped');
  await expect(cams.filter({ hasText: 'Garden' }).getByTestId('recording')).toHaveText('Recording');

  // Disable and enable again with the platform's behaviour: every camera records.
  await page.getByTestId('disable-tenant').click();
  await page.getByTestId('confirm-disable').click();
  await page.getByTestId('enable-tenant').click();
  await page.getByTestId('confirm-enable').click();
  await expect(cams.getByTestId('recording')).toHaveText(['Recording', 'Recording', 'Recording']);

  await page.getByRole('tab', { name: 'Audit' }).click();
  const audit = page.getByTestId('audit-row');
  await expect(audit.filter({ hasText: 'tenant.disable' })).toHaveCount(2);
  await expect(audit.filter({ hasText: 'keeping each camera' })).toHaveCount(1);
  await expect(
    audit.filter({ hasText: 'and all its cameras (1 were individually disabled)' }),
  ).toHaveCount(1);
  await page.getByLabel('Filter by operation').selectOption('tenant.enable');
  await expect(audit).toHaveCount(2);
});
