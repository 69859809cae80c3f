import path from 'node:path';
import fs from 'node:fs';
import { api, clearToasts, expect, test } from './fixtures';
import { customer } from '../support/core';

test('Settings → Server → Backups: "Back up now" writes a backup and lists it', async ({
  page,
  request,
  host,
}) => {
  await api(request, host, 'tenants.create', customer('Harbor Cafe'));
  await page.goto(host.url);
  await page.getByRole('button', { name: 'Settings · Server' }).click();
  const card = page.getByTestId('backups-card');
  await expect(card.getByTestId('backups-empty')).toBeVisible();
  await expect(card).toContainText("this device's data folder");

  await card.getByRole('button', { name: 'Back up now' }).click();
  const result = card.getByTestId('backup-result');
  await expect(result).toContainText(path.join(host.dataDir, 'backups', 'vms-admin-'));
  const rows = card.getByTestId('backup-row');
  await expect(rows).toHaveCount(1);
  const name = (await rows.first().locator('td').first().textContent()) ?? '';
  expect(name).toMatch(/^vms-admin-\d{8}T\d{9}Z\.sqlite$/);
  expect(fs.existsSync(path.join(host.dataDir, 'backups', name))).toBe(true);
  await expect(card.getByTestId('backups-empty')).toHaveCount(0);

  await clearToasts(page);
  await card.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.resolve('docs/backup.png') });
});
