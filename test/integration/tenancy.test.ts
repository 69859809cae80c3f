import { afterEach, describe, expect, it } from 'vitest';
import { openTestCore, customer, integrator, type TestCore } from '../support/core';

let core: TestCore;
afterEach(() => core?.close());

describe('creating customers and integrators', () => {
  it('creates a customer under the partner with every module except Add P&P camera', async () => {
    core = openTestCore();
    const c = await core.call(
      'tenants.create',
      customer('Smith Home', { phone: '+1 555 010 2030', address: '1 Main St' }),
    );
    expect(c).toMatchObject({
      kind: 'customer',
      name: 'Smith Home',
      parentId: 'root',
      status: 'active',
      phone: '+1 555 010 2030',
    });
    const modules = await core.call('modules.get', { tenantId: c.id });
    expect(modules.filter((m) => !m.effective).map((m) => m.id)).toEqual(['add_pnp_camera']);
    const list = await core.call('tenants.list', {});
    expect(list.total).toBe(1);
    expect(list.rows[0]).toMatchObject({
      name: 'Smith Home',
      kind: 'customer',
      parentPath: 'My partner account',
      status: 'active',
    });
  });

  it('keeps what was created after the database is closed and opened again', async () => {
    core = openTestCore();
    const dir = core.dataDir;
    await core.call('tenants.create', integrator('North Region'));
    core.close();
    core = openTestCore(dir);
    expect((await core.call('tenants.list', {})).rows.map((r) => r.name)).toEqual(['North Region']);
  });

  it('refuses bad input in the core with a message per field', async () => {
    core = openTestCore();
    const err = await core.fail('tenants.create', {
      kind: 'customer',
      name: '  ',
      email: 'not-an-email',
      phone: 'call me',
      timeZone: 'Mars/Olympus',
    });
    expect(err.code).toBe('VALIDATION');
    const fields = Object.fromEntries((err.fields ?? []).map((f) => [f.field, f.message]));
    expect(fields.name).toBe('Name is required.');
    expect(fields.email).toMatch(/email address/);
    expect(fields.phone).toMatch(/phone number/);
    expect(fields.timeZone).toMatch(/time zone/i);
    expect((await core.call('tenants.list', {})).total).toBe(0);
  });

  it('refuses an overlong name, an unknown kind, an unknown parent, a duplicate name and a disabled parent', async () => {
    core = openTestCore();
    expect(
      (await core.fail('tenants.create', customer('x'.repeat(121)))).fields?.[0],
    ).toMatchObject({ field: 'name', message: 'Name must be at most 120 characters.' });
    expect((await core.fail('tenants.create', { ...customer('A'), kind: 'camera' })).code).toBe(
      'VALIDATION',
    );
    expect(
      (await core.fail('tenants.create', customer('A', { parentId: 'nope' }))).fields?.[0]?.field,
    ).toBe('parentId');
    await core.call('tenants.create', customer('Acme'));
    const dup = await core.fail('tenants.create', customer(' ACME '));
    expect(dup.fields?.[0]).toMatchObject({ field: 'name' });
    expect(dup.message).toContain('already exists under My partner account');
    const north = await core.call('tenants.create', integrator('North'));
    await core.call('tenants.create', customer('Acme', { parentId: north.id })); // same name, other parent: fine
    await core.call('tenants.disable', { id: north.id });
    const disabled = await core.fail('tenants.create', customer('New', { parentId: north.id }));
    expect(disabled.code).toBe('PARENT_DISABLED');
  });

  it('refuses to create under a customer', async () => {
    core = openTestCore();
    const c = await core.call('tenants.create', customer('Shop'));
    expect(
      (await core.fail('tenants.create', customer('Inner', { parentId: c.id }))).fields?.[0]?.field,
    ).toBe('parentId');
  });

  it('refuses unknown methods and malformed input shapes', async () => {
    core = openTestCore();
    expect((await core.fail('tenants.explode' as never, {})).code).toBe('UNKNOWN_METHOD');
    expect((await core.fail('tenants.list', { limit: 'ten' })).code).toBe('VALIDATION');
    expect((await core.fail('tenants.list', { limit: 100_000 })).code).toBe('VALIDATION');
    expect((await core.fail('tenants.get', null)).code).toBe('VALIDATION');
  });
});

describe('the Customers list', () => {
  it('searches, filters, sorts and pages below a scope', async () => {
    core = openTestCore();
    const north = await core.call('tenants.create', integrator('North Region'));
    const south = await core.call('tenants.create', integrator('South Region'));
    for (const n of ['Bakery', 'Cafe', 'Dental'])
      await core.call('tenants.create', customer(`${n} North`, { parentId: north.id }));
    await core.call('tenants.create', customer('Bakery South', { parentId: south.id }));
    const retail = await core.call('tenants.create', integrator('Retail', { parentId: north.id }));
    await core.call('tenants.create', customer('Shoe 100%_shop', { parentId: retail.id }));

    const all = await core.call('tenants.list', {});
    expect(all.total).toBe(8);
    const inNorth = await core.call('tenants.list', { scopeId: north.id });
    expect(inNorth.rows.map((r) => r.name)).toEqual([
      'Bakery North',
      'Cafe North',
      'Dental North',
      'Retail',
      'Shoe 100%_shop',
    ]);
    expect(inNorth.rows.find((r) => r.name === 'Shoe 100%_shop')?.parentPath).toBe(
      'North Region › Retail',
    );
    expect((await core.call('tenants.list', { search: 'bakery' })).rows.map((r) => r.name)).toEqual(
      ['Bakery North', 'Bakery South'],
    );
    // Wildcards in the search are literal characters.
    expect((await core.call('tenants.list', { search: '100%_' })).rows.map((r) => r.name)).toEqual([
      'Shoe 100%_shop',
    ]);
    expect((await core.call('tenants.list', { search: '0%_s' })).rows.map((r) => r.name)).toEqual([
      'Shoe 100%_shop',
    ]);
    // The email is searched too; one or two letters match the start of a name.
    expect(
      (await core.call('tenants.list', { search: 'dental.north@' })).rows.map((r) => r.name),
    ).toEqual(['Dental North']);
    expect((await core.call('tenants.list', { search: 'Ca' })).rows.map((r) => r.name)).toEqual([
      'Cafe North',
    ]);
    expect((await core.call('tenants.list', { search: '"' })).total).toBe(0);
    expect((await core.call('tenants.list', { search: 'a "b" OR c*' })).total).toBe(0);
    expect(
      (await core.call('tenants.list', { kind: 'integrator' })).rows.map((r) => r.name),
    ).toEqual(['North Region', 'Retail', 'South Region']);
    await core.call('tenants.disable', { id: south.id });
    expect(
      (await core.call('tenants.list', { status: 'disabled' })).rows.map((r) => r.name),
    ).toEqual(['Bakery South', 'South Region']);
    expect(
      (await core.call('tenants.list', { sort: 'name', direction: 'desc', limit: 2 })).rows.map(
        (r) => r.name,
      ),
    ).toEqual(['South Region', 'Shoe 100%_shop']);
    const page2 = await core.call('tenants.list', { limit: 3, offset: 3 });
    expect(page2).toMatchObject({ total: 8, offset: 3 });
    expect(page2.rows).toHaveLength(3);
  });
});

describe('editing and moving', () => {
  it('edits details with validation and an audit entry holding before and after', async () => {
    core = openTestCore();
    const c = await core.call('tenants.create', customer('Shop'));
    const updated = await core.call('tenants.update', {
      id: c.id,
      phone: '+44 20 7946 0958',
      notes: 'Gate code 1234',
    });
    expect(updated).toMatchObject({ phone: '+44 20 7946 0958', notes: 'Gate code 1234' });
    expect((await core.fail('tenants.update', { id: c.id, email: 'bad' })).fields?.[0]?.field).toBe(
      'email',
    );
    const audit = await core.call('audit.list', { tenantId: c.id, operation: 'tenant.update' });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor: 'tester',
      before: { phone: '' },
      after: { phone: '+44 20 7946 0958' },
    });
    // A rename is searchable at once (the search index follows the table).
    await core.call('tenants.update', { id: c.id, name: 'Corner Bookshop' });
    expect(
      (await core.call('tenants.list', { search: 'bookshop' })).rows.map((r) => r.name),
    ).toEqual(['Corner Bookshop']);
    expect((await core.call('tenants.list', { search: 'Shop' })).rows.map((r) => r.name)).toEqual([
      'Corner Bookshop',
    ]);
  });

  it('moves a subtree and refuses a move into its own subtree', async () => {
    core = openTestCore();
    const a = await core.call('tenants.create', integrator('A'));
    const b = await core.call('tenants.create', integrator('B', { parentId: a.id }));
    const c = await core.call('tenants.create', customer('C', { parentId: b.id }));
    const err = await core.fail('tenants.move', { id: a.id, newParentId: b.id });
    expect(err.code).toBe('CYCLE');
    expect((await core.fail('tenants.move', { id: a.id, newParentId: a.id })).code).toBe('CYCLE');
    expect(
      (await core.fail('tenants.move', { id: a.id, newParentId: c.id })).fields?.[0]?.field,
    ).toBe('newParentId');
    const moved = await core.call('tenants.move', { id: b.id, newParentId: 'root' });
    expect(moved.ancestors.map((x) => x.name)).toEqual(['My partner account']);
    const cNow = await core.call('tenants.get', { id: c.id });
    expect(cNow.ancestors.map((x) => x.name)).toEqual(['My partner account', 'B']);
    expect(cNow.depth).toBe(2);
    expect((await core.call('tenants.list', { scopeId: a.id })).total).toBe(0);
  });
});
