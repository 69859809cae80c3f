import { test, expect, row } from './fixtures';

const csv = (text: string) => ({
  name: 'customers.csv',
  mimeType: 'text/csv',
  buffer: Buffer.from(text),
});

test('Customers → Import CSV…: bad lines are listed and nothing is imported; a fixed file imports', async ({
  page,
  host,
}) => {
  await page.goto(host.url);
  await expect(page.getByRole('heading', { name: 'No customers yet' })).toBeVisible();

  await page.getByTestId('import-csv').click();
  const dialog = page.getByTestId('import-dialog');
  await expect(dialog).toBeVisible();

  // An unknown column is refused at once, before anything is sent.
  await dialog
    .getByTestId('import-file')
    .setInputFiles(csv('name,email,time zone,fax\nA,a@example.com,UTC,1\n'));
  await expect(dialog.getByTestId('import-errors')).toContainText('unknown column “fax”');
  await expect(dialog.getByTestId('import-run')).toBeDisabled();

  // A bad email on line 3: the core names the line and the field; nothing is created.
  const bad =
    '\uFEFFName,Email,Time Zone,Notes\r\n' +
    'Corner Shop,shop@example.com,Europe/Berlin,"ground floor, left"\r\n' +
    'Kiosk,not-an-email,UTC,\r\n';
  await dialog.getByTestId('import-file').setInputFiles(csv(bad));
  await expect(dialog.getByTestId('import-count')).toContainText('2 customers');
  await expect(dialog.getByTestId('import-preview')).toContainText('ground floor, left');
  await dialog.getByTestId('import-run').click();
  await expect(dialog.getByTestId('import-errors')).toContainText(
    'Line 3, email: Enter an email address like name@example.com.',
  );

  // The fixed file (chosen again) imports; the list shows both.
  await dialog
    .getByTestId('import-file')
    .setInputFiles(csv(bad.replace('not-an-email', 'kiosk@example.com')));
  await expect(dialog.getByTestId('import-errors')).toHaveCount(0);
  await dialog.getByTestId('import-run').click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByText('2 customers were imported.')).toBeVisible();
  await expect(row(page, 'Corner Shop')).toContainText('Customer');
  await expect(row(page, 'Kiosk')).toBeVisible();
  await expect(page.getByTestId('list-count')).toHaveText('2 entries');
});
