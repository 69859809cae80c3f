import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCsv } from '../../../shared/csv';
import { IMPORT_MAX_BYTES, IMPORT_MAX_ROWS } from '../../../shared/tenant-import';
import { customer, integrator, openTestCore, type TestCore } from '../../support/core';
import { startHostProcess } from '../../support/host-process';
import { databaseChecksum } from '../../support/checksum';

const HEADER = ['name', 'email', 'contact person', 'phone', 'address', 'time zone', 'notes'];

let core: TestCore;
let northId: string;
beforeAll(async () => {
  core = openTestCore();
  northId = (await core.call('tenants.create', integrator('North'))).id;
  await core.call('tenants.create', customer('Existing Bakery', { parentId: northId }));
});
afterAll(() => core?.close());

const customersUnder = async (parentId: string) =>
  (await core.call('tenants.list', { scopeId: parentId, kind: 'customer', limit: 500 })).total;

describe('tenants.import (CSV)', () => {
  it('creates every customer of a valid file under the chosen parent', async () => {
    const csv =
      '\uFEFFName,EMAIL,Contact Person,Phone,Address,Time Zone,Notes\r\n' +
      'Corner Shop,shop@example.com,Ann Lee,+49 30 1234567,"Main St 1, Berlin",Europe/Berlin,"line one\r\nline two"\r\n' +
      'Kiosk,kiosk@example.com,,,,UTC,\r\n';
    const before = await customersUnder(northId);
    expect(await core.call('tenants.import', { csv, parentId: northId })).toEqual({
      created: 2,
      errors: [],
    });
    expect(await customersUnder(northId)).toBe(before + 2);
    const list = await core.call('tenants.list', { scopeId: northId, search: 'Corner Shop' });
    const shop = await core.call('tenants.get', { id: list.rows[0]?.id ?? '' });
    expect(shop).toMatchObject({
      kind: 'customer',
      parentId: northId,
      email: 'shop@example.com',
      contactPerson: 'Ann Lee',
      address: 'Main St 1, Berlin',
      timeZone: 'Europe/Berlin',
      notes: 'line one\r\nline two',
    });
  });

  it('lists bad rows by line and field and imports nothing', async () => {
    const csv = formatCsv([
      HEADER,
      ['Good One', 'good@example.com', '', '', '', 'UTC', ''],
      ['Bad Mail', 'not-an-email', '', '', '', 'UTC', ''],
      ['', 'x@example.com', '', '', '', 'Mars/Base', ''],
      ['Bad Phone', 'p@example.com', '', 'call me', '', 'UTC', ''],
    ]);
    const before = databaseChecksum(core.db);
    const result = await core.call('tenants.import', { csv, parentId: northId });
    expect(result.created).toBe(0);
    expect(result.errors.map((e) => e.message)).toEqual([
      'Line 3, email: Enter an email address like name@example.com.',
      'Line 4, name: Name is required.',
      'Line 4, time zone: Choose a time zone from the list, e.g. Europe/Berlin.',
      expect.stringMatching(/^Line 5, phone: Enter a phone number/),
    ]);
    expect(databaseChecksum(core.db)).toBe(before);
  });

  it('is all or nothing when a name is already taken, naming the line', async () => {
    const csv = formatCsv([
      HEADER,
      ['Fresh One', 'f1@example.com', '', '', '', 'UTC', ''],
      ['Fresh Two', 'f2@example.com', '', '', '', 'UTC', ''],
      ['existing bakery', 'b@example.com', '', '', '', 'UTC', ''],
    ]);
    const before = databaseChecksum(core.db);
    const result = await core.call('tenants.import', { csv, parentId: northId });
    expect(result.created).toBe(0);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ line: 4, field: 'name' });
    expect(result.errors[0]?.message).toMatch(/^Line 4, name: /);
    expect(databaseChecksum(core.db)).toBe(before);
  });

  it('refuses unknown columns, broken quoting, and a parent that is a customer', async () => {
    const unknown = await core.call('tenants.import', {
      csv: 'name,email,time zone,vat id\nA,a@example.com,UTC,DE1\n',
      parentId: northId,
    });
    expect(unknown.errors[0]?.message).toMatch(/^Line 1: unknown column “vat id”/);
    const quote = await core.call('tenants.import', {
      csv: 'name,email,time zone\n"Open,a@example.com,UTC\n',
      parentId: northId,
    });
    expect(quote.errors[0]?.message).toBe('Line 2: a quoted field is not closed.');
    const shop = await core.call('tenants.list', { scopeId: northId, search: 'Kiosk' });
    const underCustomer = await core.call('tenants.import', {
      csv: 'name,email,time zone\nA,a@example.com,UTC\n',
      parentId: shop.rows[0]?.id ?? '',
    });
    expect(underCustomer).toMatchObject({ created: 0, errors: [{ line: null }] });
    expect(underCustomer.errors[0]?.message).toMatch(/is a customer/);
  });

  it('refuses a file over 2 MiB and more than 10,000 rows, with a clear message', async () => {
    const big = `name,email,time zone\n${'x'.repeat(IMPORT_MAX_BYTES)}`;
    const tooLarge = await core.fail('tenants.import', { csv: big, parentId: northId });
    expect(tooLarge.code).toBe('VALIDATION');
    expect(tooLarge.message).toMatch(/at most 2 MiB/);
    // Multi-byte characters count as their UTF-8 size.
    const wide = await core.fail('tenants.import', {
      csv: 'é'.repeat(IMPORT_MAX_BYTES / 2 + 1),
      parentId: northId,
    });
    expect(wide.message).toMatch(/at most 2 MiB/);

    const rows = Array.from({ length: IMPORT_MAX_ROWS + 1 }, (_, i) => [
      `Bulk ${i}`,
      `b${i}@example.com`,
      'UTC',
    ]);
    const tooMany = await core.call('tenants.import', {
      csv: formatCsv([['name', 'email', 'time zone'], ...rows]),
      parentId: northId,
    });
    expect(tooMany.created).toBe(0);
    expect(tooMany.errors[0]?.message).toMatch(/more than 10,000 customers/);
  });

  it('imports 10,000 rows in one go', async () => {
    const parent = await core.call('tenants.create', integrator('Bulk Partner'));
    const rows = Array.from({ length: IMPORT_MAX_ROWS }, (_, i) => [
      `Bulk ${i}`,
      `b${i}@example.com`,
      'UTC',
    ]);
    const result = await core.call('tenants.import', {
      csv: formatCsv([['name', 'email', 'time zone'], ...rows]),
      parentId: parent.id,
    });
    expect(result).toEqual({ created: IMPORT_MAX_ROWS, errors: [] });
    expect(await customersUnder(parent.id)).toBe(IMPORT_MAX_ROWS);
  }, 60_000);

  it('goes through the browser host up to the 2 MiB limit (the host allows the larger body)', async () => {
    const host = await startHostProcess();
    try {
      const post = (input: unknown) =>
        fetch(`${host.origin}/api/tenants.import`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${host.token}` },
          body: JSON.stringify(input),
        });
      // ~1.9 MiB of notes full of quotes and line breaks: the JSON body is far above 2 MiB.
      const notes = '"quoted", and\nbroken '.repeat(80).slice(0, 1900);
      const rows = Array.from({ length: 1000 }, (_, i) => [
        `Host ${i}`,
        `h${i}@example.com`,
        'UTC',
        notes,
      ]);
      const text = formatCsv([['name', 'email', 'time zone', 'notes'], ...rows]);
      expect(Buffer.byteLength(text)).toBeGreaterThan(1.75 * 1024 * 1024);
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(IMPORT_MAX_BYTES);
      const ok = await post({ csv: text });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ ok: true, result: { created: 1000, errors: [] } });
      // Over the limit: a clear VALIDATION error, not a dropped connection.
      const over = await post({ csv: `name,email,time zone\n${'x'.repeat(IMPORT_MAX_BYTES)}` });
      expect(over.status).toBe(400);
      expect(JSON.stringify(await over.json())).toMatch(/at most 2 MiB/);
    } finally {
      await host.stop();
    }
  }, 60_000);
});
