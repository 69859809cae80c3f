import { test as base, expect, type Page } from '@playwright/test';
import { startHostProcess, type HostProcess } from '../support/host-process';

/** Each test gets its own browser host process on a fresh data folder. */
export const test = base.extend<{ host: HostProcess }>({
  // Playwright fixtures take their dependencies by destructuring; this one has none.
  // eslint-disable-next-line no-empty-pattern
  host: async ({}, use) => {
    const host = await startHostProcess();
    await use(host);
    await host.stop();
  },
});
export { expect };

export async function addTenant(
  page: Page,
  kind: 'customer' | 'integrator',
  fields: { name: string; email: string; under?: string },
) {
  await page.getByTestId('add-tenant').click();
  await page.getByTestId(`choose-${kind}`).click();
  const dialog = page.getByTestId('add-dialog');
  if (fields.under) await dialog.getByLabel('Under').selectOption({ label: fields.under });
  await dialog.getByLabel(kind === 'customer' ? /^Name/ : /^Company name/).fill(fields.name);
  await dialog.getByLabel(/^Email/).fill(fields.email);
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(dialog).toBeHidden();
}

export function row(page: Page, name: string) {
  return page
    .getByTestId('tenant-row')
    .filter({ has: page.locator('.row-name').getByText(name, { exact: true }) });
}
