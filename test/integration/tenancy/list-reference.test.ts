/**
 * The Customers list (electron/tenancy/lists.ts) against a plain reading of what it must return:
 * every tenant below the scope, filtered, searched (substring of name or email from 3 characters,
 * name prefix below that), sorted with id as the last key, and paged, with the total of the whole
 * match. The list answers through indexes and the trigram index in several ways depending on the
 * query; whichever way it takes, the answer must be this one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenantSchema, type ListTenantsInput } from '../../../shared/tenancy';
import { customer, integrator, openTestCore, type TestCore } from '../../support/core';

interface Row {
  id: string;
  kind: string;
  name: string;
  name_key: string;
  email: string;
  parent_id: string | null;
  path: string;
  disabled_by: string | null;
  camera_count: number;
  user_count: number;
  created_at: string;
}

type Key = string | number;
const SORT_KEYS: Record<string, (r: Row) => Key[]> = {
  name: (r) => [r.name_key],
  kind: (r) => [r.kind, r.name_key],
  status: (r) => [r.disabled_by === null ? 0 : 1, r.name_key],
  created: (r) => [r.created_at],
  cameras: (r) => [r.camera_count],
  users: (r) => [r.user_count],
  parent: (r) => [r.parent_id ?? '', r.name_key],
};

/** SQLite compares text by its bytes; for the ASCII names used here that is code-unit order. */
const compareKeys = (a: Key[], b: Key[]) => {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
};

function reference(rows: Row[], q: Required<ListTenantsInput>) {
  const scope = rows.find((r) => r.id === q.scopeId);
  if (!scope) throw new Error(`no scope ${q.scopeId}`);
  const search = q.search.trim();
  const needle = search.toLowerCase();
  const matching = rows.filter(
    (r) =>
      r.path.startsWith(scope.path) &&
      r.path !== scope.path &&
      (q.kind === 'all' || r.kind === q.kind) &&
      (q.status === 'all' || (q.status === 'active') === (r.disabled_by === null)) &&
      (search.length >= 3
        ? r.name.toLowerCase().includes(needle) || r.email.toLowerCase().includes(needle)
        : r.name_key.startsWith(search.toLocaleLowerCase())),
  );
  const sign = q.direction === 'desc' ? -1 : 1;
  const key = (r: Row) => [...(SORT_KEYS[q.sort]?.(r) ?? []), r.id];
  matching.sort((a, b) => sign * compareKeys(key(a), key(b)));
  return {
    total: matching.length,
    ids: matching.slice(q.offset, q.offset + q.limit).map((r) => r.id),
  };
}

const WORDS = ['Alpha', 'Bravo', 'Cedar', 'Delta', 'Echo', 'Pine'];
const TRADES = ['Home', 'Bakery', 'Dental', 'Garage'];

let core: TestCore;
let rows: Row[];
let scopes: string[];
beforeAll(async () => {
  core = openTestCore();
  const north = await core.call('tenants.create', integrator('North Region'));
  const retail = await core.call(
    'tenants.create',
    integrator('Retail Bakery Group', { parentId: north.id }),
  );
  const south = await core.call('tenants.create', integrator('South Region'));
  const parents = [north.id, retail.id, south.id, 'root'];
  // An import (multi-row inserts, bulk search rows) and single creates (the trigger) both.
  core.tenancy.createMany(
    Array.from({ length: 360 }, (_, i) =>
      createTenantSchema.parse(
        customer(`${WORDS[i % 6]} ${TRADES[(i >> 1) % 4]} ${i}`, {
          parentId: parents[i % 4],
          email: `owner${i}@${i % 3 ? 'north' : 'south'}.example`,
        }),
      ),
    ),
  );
  for (let i = 0; i < 20; i++)
    await core.call('tenants.create', customer(`pine home ${i}x`, { parentId: parents[i % 4] }));
  await core.call('tenants.disable', { id: retail.id });
  const someone = core.db.prepare("SELECT id FROM tenants WHERE name = 'Alpha Home 0'").get() as {
    id: string;
  };
  await core.call('tenants.disable', { id: someone.id });
  // Counters with ties, as the list sorts by them (kept by triggers in the app; set here).
  core.db.exec(
    "UPDATE tenants SET camera_count = rowid % 5, user_count = rowid % 3 WHERE kind != 'root'",
  );
  rows = core.db
    .prepare(
      'SELECT id, kind, name, name_key, email, parent_id, path, disabled_by, camera_count, user_count, created_at FROM tenants',
    )
    .all() as Row[];
  scopes = ['root', north.id, retail.id];
});
afterAll(() => core?.close());

describe('the Customers list against its reference', () => {
  it('returns the same page and total for every search, scope, filter, sort and page', async () => {
    const searches = ['', 'p', 'pi', 'bakery', 'ine home 1', '@south.ex', 'owner12', 'ery', 'zzz'];
    const kinds = ['all', 'customer', 'integrator'] as const;
    const statuses = ['all', 'active', 'disabled'] as const;
    let checked = 0;
    let n = 0;
    for (const search of searches)
      for (const scopeId of scopes)
        for (const sort of Object.keys(SORT_KEYS))
          for (const direction of ['asc', 'desc'] as const) {
            n++;
            const q = {
              scopeId,
              search,
              sort: sort as Required<ListTenantsInput>['sort'],
              direction,
              kind: kinds[n % 3] ?? 'all',
              status: statuses[Math.floor(n / 3) % 3] ?? 'all',
              offset: [0, 0, 5, 40, 1000][n % 5] ?? 0,
              limit: [100, 7, 30][n % 3] ?? 100,
            };
            const want = reference(rows, q);
            const got = await core.call('tenants.list', q);
            expect({ total: got.total, ids: got.rows.map((r) => r.id) }, JSON.stringify(q)).toEqual(
              want,
            );
            if (want.total > 0) checked++;
          }
    // Most of the combinations above match something: the comparison is not of empty lists.
    expect(checked).toBeGreaterThan(n / 2);
  });

  it('gives the total of the match on a page past its end', async () => {
    const q = { search: 'bakery', offset: 5000 };
    const got = await core.call('tenants.list', q);
    expect(got.rows).toEqual([]);
    expect(got.total).toBe(
      reference(rows, {
        scopeId: 'root',
        search: 'bakery',
        kind: 'all',
        status: 'all',
        sort: 'name',
        direction: 'asc',
        offset: 0,
        limit: 100,
      }).total,
    );
    expect(got.total).toBeGreaterThan(90);
  });
});
