import { test, expect, api } from './fixtures';
import type { Page } from '@playwright/test';

// More rows than the list keeps in memory (20 pages of 100), so scrolling back evicts and reloads.
const COUNT = 2_500;
const name = (i: number) => `Customer ${String(i).padStart(4, '0')}`;

/** The rendered row for list index `i` (aria-rowindex counts the header as row 1). */
const rowAt = (page: Page, i: number) => page.locator(`[role="row"][aria-rowindex="${i + 2}"]`);

const scrollTo = (page: Page, top: number) =>
  page.getByTestId('tenant-list').evaluate((el, y) => {
    el.scrollTop = y;
  }, top);

test('the Customers list pages through 2,500 rows: drags fill in where they stop, sort and keys work', async ({
  page,
  request,
  host,
}) => {
  const lines = Array.from({ length: COUNT }, (_, i) => `${name(i)},c${i}@example.com,UTC`);
  await api(request, host, 'tenants.import', {
    csv: `Name,Email,Time Zone\n${lines.join('\n')}\n`,
  });

  await page.goto(host.url);
  await expect(page.getByTestId('list-count')).toHaveText('2,500 entries');
  await expect(rowAt(page, 0)).toContainText(name(0));

  // A scrollbar drag: the window jumps every frame, then stops; the rows where it stopped arrive.
  const rowHeight = await rowAt(page, 0).evaluate((el) => el.getBoundingClientRect().height);
  for (let k = 0; k < 20; k++) {
    await scrollTo(page, (300 + k * 97) * rowHeight);
    await page.waitForTimeout(16);
  }
  const stop = 300 + 19 * 97;
  await expect(rowAt(page, stop)).toContainText(name(stop));
  await expect(rowAt(page, stop + 5)).toContainText(name(stop + 5));
  await expect(page.locator('.table-row.loading')).toHaveCount(0);

  // The end of the list, then back to the top: its page was evicted meanwhile and comes back.
  await scrollTo(page, COUNT * rowHeight);
  await expect(rowAt(page, COUNT - 1)).toContainText(name(COUNT - 1));
  await scrollTo(page, 0);
  await expect(rowAt(page, 0)).toContainText(name(0));
  await expect(rowAt(page, 1)).toContainText(name(1));

  // Sorting starts over from the current window: name descending puts the last one first.
  await page.getByRole('button', { name: 'Name' }).click();
  await expect(rowAt(page, 0)).toContainText(name(COUNT - 1));

  // Keyboard: Tab moves down the rows, Enter opens the focused one.
  await rowAt(page, 0).focus();
  await page.keyboard.press('Tab');
  await expect(rowAt(page, 1)).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: name(COUNT - 2) })).toBeVisible();
});
