import { test as base, expect, type APIRequestContext, type Page } from '@playwright/test';
import type { MethodInput, MethodName, MethodOutput } from '../../shared/contract';
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

/** Calls the browser host's API directly (for data that other screens create). */
export async function api<M extends MethodName>(
  request: APIRequestContext,
  host: HostProcess,
  method: M,
  input: MethodInput<M>,
): Promise<MethodOutput<M>> {
  const res = await request.post(`${host.origin}/api/${method}`, {
    headers: { Authorization: `Bearer ${host.token}` },
    data: input,
  });
  const body = (await res.json()) as {
    ok: boolean;
    result: MethodOutput<M>;
    error?: { message: string };
  };
  if (!body.ok) throw new Error(body.error?.message ?? 'api call failed');
  return body.result;
}

/** Dismisses every toast (before a screenshot). */
export async function clearToasts(page: Page) {
  const close = page.locator('.toasts').getByRole('button', { name: 'Dismiss' });
  while ((await close.count()) > 0) await close.first().click();
}
