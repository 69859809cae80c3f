import { test, expect, addTenant, row, api, clearToasts } from './fixtures';

test('setup wizard, Users tab, roles, and the Access panel explaining Share and a disabled customer', async ({
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
  await row(page, 'Smith Home').click();
  const customerId = /#\/tenant\/([^/]+)/.exec(page.url())?.[1] ?? '';
  expect(customerId).not.toBe('');

  // The wizard resumes at the first unfinished step: details exist, so users.
  await page.getByTestId('open-setup').click();
  const wizard = page.getByTestId('setup-wizard');
  await expect(page.getByTestId('step-users')).toHaveAttribute('aria-current', 'step');
  await expect(page.getByTestId('wizard-next')).toBeDisabled();
  const form = page.getByTestId('user-form');
  await expect(form).toContainText('The first user becomes the owner');
  await form.getByLabel(/^Name/).fill('Ann Smith');
  await form.getByLabel(/^Login/).fill('ann@smith.example');
  await form.getByLabel(/^Phone/).fill('+1 555 010 2030');
  await form.getByRole('button', { name: 'Add owner' }).click();
  await expect(page.getByTestId('wizard-users')).toContainText('Owner');
  // Bad input is refused with a field message: a duplicate login.
  await form.getByLabel(/^Name/).fill('Ann Again');
  await form.getByLabel(/^Login/).fill('ANN@smith.example');
  await form.getByRole('button', { name: 'Add user' }).click();
  await expect(form.locator('.field-error')).toContainText(
    'already the login of a user of Smith Home',
  );
  await form.getByLabel(/^Name/).fill('Bob Guard');
  await form.getByLabel(/^Login/).fill('bob@smith.example');
  await form.getByRole('button', { name: 'Add user' }).click();
  await expect(page.getByTestId('wizard-users').locator('li')).toHaveCount(2);

  // Leave the wizard and come back: it resumes at Roles.
  await page.getByRole('button', { name: /Leave setup/ }).click();
  await page.getByTestId('open-setup').click();
  await expect(page.getByTestId('step-roles')).toHaveAttribute('aria-current', 'step');
  const roleForm = page.getByTestId('wizard-role-form');
  await roleForm.getByLabel(/^Role name/).fill('Staff');
  await roleForm.getByLabel('Ann Smith').check();
  await roleForm.getByRole('button', { name: 'Create role' }).click();
  // The form clears itself once the role is saved: wait for that before typing the next one.
  await expect(page.getByTestId('wizard-roles').locator('li')).toHaveCount(1);
  await roleForm.getByLabel(/^Role name/).fill('Night guards');
  await roleForm.getByLabel('Type').selectOption('guard');
  await roleForm.getByLabel('Bob Guard').check();
  await roleForm.getByRole('button', { name: 'Create role' }).click();
  await expect(page.getByTestId('wizard-roles').locator('li')).toHaveCount(2);
  await page.getByTestId('wizard-next').click();
  // No cameras yet: the step says where they will appear.
  await expect(wizard).toContainText('appear here once they are added in the Cameras tab');

  // Cameras arrive (the cameras issue's screens add them); the step now offers the grid.
  for (const name of ['Front door', 'Garage', 'Garden', 'Lobby'])
    await api(page.request, host, 'cameras.addManual', {
      customerId,
      name,
      streamUrl: `rtsp://192.0.2.10:554/${name.replace(' ', '_')}`,
    });
  await page.reload();
  await expect(page.getByTestId('step-cameras')).toHaveAttribute('aria-current', 'step');
  const grants = page.getByTestId('wizard-role-grants');
  const staff = grants.filter({ hasText: 'Staff' });
  await staff.getByLabel('All rights on Front door').check();
  await staff.getByLabel('All rights on Garage').check();
  await staff.getByLabel('View on Lobby').check();
  await staff.getByRole('button', { name: 'Save rights of Staff' }).click();
  const guards = grants.filter({ hasText: 'Night guards' });
  for (const cam of ['Front door', 'Garage', 'Garden', 'Lobby'])
    await guards.getByLabel(`View on ${cam}`).check();
  await guards.getByLabel('PTZ on Garden').check();
  await guards.getByRole('button', { name: 'Save rights of Night guards' }).click();
  await expect(page.getByTestId('step-cameras')).toContainText('✓');
  await page.getByTestId('wizard-finish').click();

  // Users tab: columns, owner, roles, search and filters.
  const users = page.getByTestId('user-row');
  await expect(users).toHaveCount(2);
  await expect(users.first()).toContainText('Ann Smith');
  await expect(users.first().getByTestId('owner-badge')).toBeVisible();
  await expect(users.filter({ hasText: 'Bob Guard' })).toContainText('Night guards');
  await page.getByLabel('Search users').fill('bob');
  await expect(users).toHaveCount(1);
  await page.getByLabel('Search users').fill('');
  await page.getByLabel('Filter by role').selectOption({ label: 'Staff' });
  await expect(users).toHaveCount(1);
  await page.getByLabel('Filter by role').selectOption('');
  await expect(users).toHaveCount(2);
  await clearToasts(page);
  await page.screenshot({ path: 'docs/users-tab.png' });

  // A role, with its users and per-camera rights.
  await page.getByRole('tab', { name: 'Roles' }).click();
  await page.getByTestId('role-card').filter({ hasText: 'Staff' }).click();
  await expect(page.getByTestId('role-editor')).toBeVisible();
  await expect(page.getByLabel('Share on Front door')).toBeChecked();
  await clearToasts(page);
  await page.screenshot({ path: 'docs/role.png' });
  await page.getByRole('button', { name: '← All roles' }).click();

  // Switch Camera sharing off at the integrator: Share is removed, with its explanation.
  await page.goto(`${host.origin}/#/customers`);
  await row(page, 'North Region').click();
  await page.getByRole('tab', { name: 'Modules' }).click();
  await page.getByTestId('toggle-camera_sharing').click();
  await expect(page.getByTestId('module-camera_sharing')).toContainText('Off');
  await page.goto(`${host.origin}/#/tenant/${customerId}/users`);
  await users.filter({ hasText: 'Ann Smith' }).click();
  const panel = page.getByTestId('access-panel');
  const door = panel.getByTestId('access-row').filter({ hasText: 'Front door' });
  await expect(door.getByTestId('cell-view')).toHaveAttribute('data-allowed', 'true');
  await expect(door.getByTestId('cell-share')).toHaveAttribute('data-allowed', 'false');
  await door.getByTestId('cell-share').click();
  await expect(page.getByTestId('explanation-sentence')).toHaveText(
    'Share is off because Camera sharing is switched off at integrator North Region.',
  );
  await clearToasts(page);
  await page.screenshot({ path: 'docs/access-panel.png' });
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('explanation')).toBeHidden();
  // By keyboard: focus is back on the cell, arrows move between cells, Enter explains.
  await expect(door.getByTestId('cell-share')).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await expect(door.getByTestId('cell-ptz')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('explanation-sentence')).toHaveText(
    'PTZ is on: granted by Staff in the Video portal.',
  );
  await page.keyboard.press('Escape');
  await expect(door.getByTestId('cell-ptz')).toBeFocused();

  // Disable the customer: its users show as Blocked with the reason, and cannot be enabled.
  await page.getByTestId('disable-tenant').click();
  await page.getByTestId('confirm-disable').click();
  await expect(page.getByTestId('user-blocked')).toContainText('Smith Home is disabled');
  await page.getByRole('button', { name: '← All users' }).click();
  await expect(page.getByTestId('blocked-banner')).toContainText('its users are blocked');
  await expect(users.getByTestId('user-status')).toHaveText(['Blocked', 'Blocked']);
  await expect(users.getByTestId('blocked-reason').first()).toHaveText('Customer disabled');
  await users.filter({ hasText: 'Bob Guard' }).click();
  await page.getByTestId('disable-user').click();
  await expect(page.getByTestId('enable-user')).toBeDisabled();
  const bobView = page
    .getByTestId('access-row')
    .filter({ hasText: 'Lobby' })
    .getByTestId('cell-view');
  await bobView.click();
  await expect(page.getByTestId('explanation')).toContainText('Customer Smith Home is disabled.');
});
