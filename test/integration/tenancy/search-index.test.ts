/**
 * The trigram search index (tenants_search, migrations 0005 and 0007) against the rows it indexes:
 * after imports (whose search rows are written in one statement), edits, moves, deletes, a failed
 * import, and on a database that had data before migration 0007 ran.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../electron/db/connection';
import { MIGRATIONS } from '../../../electron/db/migrations';
import { databaseFile } from '../../../electron/app/paths';
import { tempDataDir } from '../../support/host-process';
import { createTenantSchema } from '../../../shared/tenancy';
import { customer, integrator, openTestCore, type TestCore } from '../../support/core';

/** createMany takes checked input, as the import hands it over. */
const many = (inputs: Record<string, unknown>[]) => inputs.map((i) => createTenantSchema.parse(i));

let core: TestCore | undefined;
afterEach(() => {
  core?.close();
  core = undefined;
});

/**
 * FTS5's own check of an external-content index: every indexed row matches the content table
 * (rank = 1 compares with the rows of `tenants`). Throws SQLITE_CORRUPT_VTAB when they differ.
 */
function checkSearchIndex(db: Db): void {
  db.prepare(
    "INSERT INTO tenants_search (tenants_search, rank) VALUES ('integrity-check', 1)",
  ).run();
}

/** What a substring search must find: every tenant below the root whose name or email contains it. */
function expectedMatches(db: Db, text: string): string[] {
  const needle = text.toLowerCase();
  return (
    db.prepare("SELECT name, email FROM tenants WHERE kind != 'root'").all() as {
      name: string;
      email: string;
    }[]
  )
    .filter((t) => t.name.toLowerCase().includes(needle) || t.email.toLowerCase().includes(needle))
    .map((t) => t.name)
    .sort();
}

async function searchNames(c: TestCore, search: string, scopeId?: string): Promise<string[]> {
  const list = await c.call('tenants.list', {
    search,
    limit: 500,
    ...(scopeId ? { scopeId } : {}),
  });
  expect(list.rows).toHaveLength(list.total);
  return list.rows.map((r) => r.name).sort();
}

describe('the search index', () => {
  it('the check used below notices a row that the index does not hold', () => {
    const dir = tempDataDir();
    const { db } = openDatabase({ file: databaseFile(dir) });
    db.exec(`
      INSERT INTO tenants (id, kind, parent_id, path, depth, name, name_key, created_at, updated_at)
      VALUES ('root', 'root', NULL, '/root/', 0, 'Partner', 'partner', 'now', 'now');
      INSERT INTO tenants_search_deferred (id) VALUES (1);
      INSERT INTO tenants (id, kind, parent_id, path, depth, name, name_key, created_at, updated_at)
      VALUES ('c1', 'customer', 'root', '/root/c1/', 1, 'Unindexed', 'unindexed', 'now', 'now');
      DELETE FROM tenants_search_deferred;`);
    expect(() => checkSearchIndex(db)).toThrow(/malformed|corrupt/i);
    db.close();
  });

  it('stays in step with the tenants through imports, edits, moves and deletes', async () => {
    core = openTestCore();
    const north = await core.call('tenants.create', integrator('North Region'));
    const south = await core.call('tenants.create', integrator('South Region'));
    const ids = core.tenancy.createMany(
      many([
        ...Array.from({ length: 1200 }, (_, i) =>
          customer(`Imported Bakery ${i}`, {
            parentId: north.id,
            email: `baker${i}@north.example`,
          }),
        ),
        ...Array.from({ length: 301 }, (_, i) =>
          customer(`Imported Garage ${i}`, {
            parentId: south.id,
            email: `garage${i}@south.example`,
          }),
        ),
      ]),
    );
    // Three full multi-row statements and one of a single row.
    expect(ids).toHaveLength(1501);
    checkSearchIndex(core.db);
    // Substrings of names and emails, in and below a scope.
    expect(await searchNames(core, 'Bakery 119')).toEqual(expectedMatches(core.db, 'bakery 119'));
    expect(await searchNames(core, 'ker7@nor')).toEqual(['Imported Bakery 7']);
    expect(await searchNames(core, 'garage2', south.id)).toEqual(
      expectedMatches(core.db, 'garage2'),
    );
    expect(await searchNames(core, 'garage2', north.id)).toEqual([]);

    // One create after an import goes through the trigger again.
    await core.call('tenants.create', customer('Single Pharmacy', { parentId: south.id }));
    expect(await searchNames(core, 'pharmac')).toEqual(['Single Pharmacy']);

    const first = ids[0] ?? '';
    await core.call('tenants.update', {
      id: first,
      name: 'Renamed Dental',
      email: 'x@dent.example',
    });
    expect(await searchNames(core, 'renamed dent')).toEqual(['Renamed Dental']);
    expect(await searchNames(core, 'baker0@')).toEqual([]);
    expect(await searchNames(core, '@dent.ex')).toEqual(['Renamed Dental']);

    await core.call('tenants.move', { id: first, newParentId: south.id });
    expect(await searchNames(core, 'renamed dent', south.id)).toEqual(['Renamed Dental']);
    expect(await searchNames(core, 'renamed dent', north.id)).toEqual([]);

    await core.call('tenants.delete', { id: north.id, confirmName: 'North Region' });
    expect(await searchNames(core, 'bakery')).toEqual([]);
    expect(await searchNames(core, 'imported')).toEqual(expectedMatches(core.db, 'imported'));
    checkSearchIndex(core.db);
  });

  it('a refused import leaves neither rows nor search rows, and the trigger indexes again', async () => {
    core = openTestCore();
    const north = await core.call('tenants.create', integrator('North Region'));
    const batch = [
      customer('Kiosk One', { parentId: north.id }),
      customer('Kiosk Two', { parentId: north.id }),
      // The same name as entry 1 once trimmed and lower-cased: refused before anything is written.
      customer('  kiosk one ', { parentId: north.id }),
    ];
    expect(() => core?.tenancy.createMany(many(batch))).toThrow(
      /Entry 3 \(\s*kiosk one\s*\): "kiosk one" already exists under North Region\..*Nothing was imported\./,
    );
    expect(core.db.prepare('SELECT COUNT(*) AS n FROM tenants_search_deferred').get()).toEqual({
      n: 0,
    });
    expect((await core.call('tenants.list', { search: 'kiosk' })).total).toBe(0);
    checkSearchIndex(core.db);
    await core.call('tenants.create', customer('Kiosk Three', { parentId: north.id }));
    expect(await searchNames(core, 'kiosk')).toEqual(['Kiosk Three']);
    // A name taken in the database is refused the same way, naming its entry.
    try {
      core.tenancy.createMany(
        many([
          customer('Kiosk Four', { parentId: north.id }),
          customer('KIOSK THREE', { parentId: north.id }),
        ]),
      );
      expect.unreachable('the import was accepted');
    } catch (err) {
      expect(err).toMatchObject({
        code: 'VALIDATION',
        fields: [{ field: 'entries.1.name', message: expect.stringMatching(/already exists/) }],
      });
    }
    expect(await searchNames(core, 'kiosk')).toEqual(['Kiosk Three']);
    checkSearchIndex(core.db);
  });

  it('migration 7 keeps the index of a database that already has tenants', async () => {
    const dir = tempDataDir();
    const file = databaseFile(dir);
    const before = openDatabase({ file, migrations: MIGRATIONS.filter((m) => m.version <= 6) });
    expect(before.version).toBe(6);
    const insert = before.db.prepare(
      `INSERT INTO tenants (id, kind, parent_id, path, depth, name, name_key, email, created_at, updated_at)
       VALUES (@id, @kind, @parent, @path, @depth, @name, lower(@name), @email, 'now', 'now')`,
    );
    before.db.transaction(() => {
      insert.run({
        id: 'root',
        kind: 'root',
        parent: null,
        path: '/root/',
        depth: 0,
        name: 'My partner account',
        email: '',
      });
      insert.run({
        id: 'i1',
        kind: 'integrator',
        parent: 'root',
        path: '/root/i1/',
        depth: 1,
        name: 'Harbor Integrations',
        email: 'ops@harbor.example',
      });
      for (let i = 0; i < 2000; i++)
        insert.run({
          id: `c${i}`,
          kind: 'customer',
          parent: 'i1',
          path: `/root/i1/c${i}/`,
          depth: 2,
          name: `Granite Clinic ${i}`,
          email: `front.desk${i}@clinic.example`,
        });
    })();
    before.db.close();

    const after = openDatabase({ file });
    expect(after).toMatchObject({ fromVersion: 6, version: MIGRATIONS.length });
    expect(after.backupFile).toBe(`${file}.v6.bak`);
    checkSearchIndex(after.db);
    after.db.close();

    core = openTestCore(dir);
    expect(await searchNames(core, 'clinic 1999')).toEqual(['Granite Clinic 1999']);
    expect(await searchNames(core, 'desk42@')).toEqual(['Granite Clinic 42']);
    expect((await core.call('tenants.list', { search: 'anite cli' })).total).toBe(2000);
    expect(await searchNames(core, 'harbor.exa')).toEqual(['Harbor Integrations']);
    // New rows after the migration are indexed by the trigger and by imports alike.
    await core.call('tenants.create', customer('Quartz Hotel', { parentId: 'i1' }));
    core.tenancy.createMany(many([customer('Quartz Office', { parentId: 'i1' })]));
    expect(await searchNames(core, 'quartz', 'i1')).toEqual(['Quartz Hotel', 'Quartz Office']);
    checkSearchIndex(core.db);
  });
});
