import { nameKey } from '../../shared/tenancy';
import type { ModuleOverrides } from '../../shared/modules';
import type { SyncTenant } from '../../shared/sync/protocol';
import type { SqlRunner, SqlValue } from '../db/sql';

/** A tenant row as the server stores it. */
export interface ServerTenant {
  id: string;
  kind: 'root' | 'integrator' | 'customer';
  parent_id: string | null;
  path: string;
  depth: number;
  name: string;
  name_key: string;
  contact_person: string;
  email: string;
  phone: string;
  address: string;
  time_zone: string;
  notes: string;
  own_disabled: number;
  disabled_by: string | null;
  module_overrides: string;
  business: string | null;
  field_clock: string;
  created_at: string;
  updated_at: string;
}

export { nameKey };
export const subtreeHi = (path: string) => `${path}\uffff`;

export function parseOverrides(json: string): ModuleOverrides {
  const value = JSON.parse(json) as unknown;
  return typeof value === 'object' && value !== null ? (value as ModuleOverrides) : {};
}

export function toSyncTenant(t: ServerTenant): SyncTenant {
  return {
    id: t.id,
    kind: t.kind,
    parentId: t.parent_id,
    path: t.path,
    depth: t.depth,
    name: t.name,
    contactPerson: t.contact_person,
    email: t.email,
    phone: t.phone,
    address: t.address,
    timeZone: t.time_zone,
    notes: t.notes,
    ownDisabled: t.own_disabled === 1,
    disabledBy: t.disabled_by,
    moduleOverrides: parseOverrides(t.module_overrides) as Record<string, boolean>,
    business: t.business === null ? null : (JSON.parse(t.business) as unknown),
    createdAt: t.created_at,
    updatedAt: t.updated_at,
  };
}

/**
 * The SQL expression that builds a snapshot's `{op: 'upsert', row: SyncTenant}` in the database,
 * as toSyncTenant and JSON.stringify would (same keys, same order): on SQLite as UTF-8 bytes (a
 * BLOB: a Buffer that goes into the answer as it is), on PostgreSQL as text. PostgreSQL's is
 * written out by concatenation, each text through `to_json`: `json_build_object` looks up how to
 * render each of its arguments again for every row, and spaces its output (a snapshot page of
 * 2,000 tenants: ~26 ms of the database's time against ~18 ms).
 */
export function tenantChangeJsonSql(dialect: 'sqlite' | 'postgres'): string {
  const fields = (ownDisabled: string, overrides: string, business: string) =>
    `'id', id, 'kind', kind, 'parentId', parent_id, 'path', path, 'depth', depth, 'name', name,
     'contactPerson', contact_person, 'email', email, 'phone', phone, 'address', address,
     'timeZone', time_zone, 'notes', notes, 'ownDisabled', ${ownDisabled},
     'disabledBy', disabled_by, 'moduleOverrides', ${overrides}, 'business', ${business},
     'createdAt', created_at, 'updatedAt', updated_at`;
  if (dialect === 'sqlite')
    return `CAST(json_object('op', 'upsert', 'row', json_object(${fields(
      "json(CASE WHEN own_disabled = 1 THEN 'true' ELSE 'false' END)",
      "CASE WHEN json_type(module_overrides) = 'object' THEN json(module_overrides) ELSE json_object() END",
      'json(business)',
    )})) AS BLOB)`;
  const text = (column: string) => `to_json(${column})::text`;
  const orNull = (json: string) => `COALESCE(${json}, 'null')`;
  const members: [string, string][] = [
    ['id', text('id')],
    ['kind', text('kind')],
    ['parentId', orNull(text('parent_id'))],
    ['path', text('path')],
    ['depth', 'depth::text'],
    ['name', text('name')],
    ['contactPerson', text('contact_person')],
    ['email', text('email')],
    ['phone', text('phone')],
    ['address', text('address')],
    ['timeZone', text('time_zone')],
    ['notes', text('notes')],
    ['ownDisabled', "CASE WHEN own_disabled = 1 THEN 'true' ELSE 'false' END"],
    ['disabledBy', orNull(text('disabled_by'))],
    // ::json checks the stored text (and keeps it as it is).
    [
      'moduleOverrides',
      "CASE WHEN json_typeof(module_overrides::json) = 'object' THEN module_overrides::json::text ELSE '{}' END",
    ],
    ['business', orNull('business::json::text')],
    ['createdAt', text('created_at')],
    ['updatedAt', text('updated_at')],
  ];
  const row = members.map(([key, value], i) => `'${i ? ',' : '{'}"${key}":' || ${value}`);
  return `'{"op":"upsert","row":' || ${row.join(' || ')} || '}}'`;
}

/** The tenant columns, in the order a multi-row INSERT lists them. */
const TENANT_COLUMNS = [
  'id',
  'kind',
  'parent_id',
  'path',
  'depth',
  'name',
  'name_key',
  'contact_person',
  'email',
  'phone',
  'address',
  'time_zone',
  'notes',
  'own_disabled',
  'disabled_by',
  'module_overrides',
  'business',
  'field_clock',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof ServerTenant)[];
// Fails to compile when ServerTenant gains a column that the list above lacks.
const allColumnsListed: Exclude<keyof ServerTenant, (typeof TENANT_COLUMNS)[number]> extends never
  ? true
  : never = true;
void allColumnsListed;

/** Rows per multi-row INSERT: far below both engines' limits on bound parameters. */
const ROWS_PER_INSERT = 500;
/** Ids per IN list. */
const IDS_PER_QUERY = 500;

const siblingKey = (parentId: string, key: string) => `${parentId}\u0000${key}`;

interface PendingLog {
  by: number;
  seq: number;
  tenantId: string;
  path: string;
}

/**
 * What a push chunk (chunk.ts) knows of the tenant tables, so that its mutations read from memory
 * and its creates and change-log rows go out in a few multi-row statements. Valid only inside the
 * chunk's transaction, which holds the sync_seq lock (no one else writes these tables meanwhile),
 * and only while every tenant write of the chunk goes through a TenantStore over it or clears it.
 * Rows are replaced, never changed in place: a row handed out stays what it was when read.
 */
export class TenantCache {
  /** Known rows by id; null: known not to exist. */
  private readonly rows = new Map<string, ServerTenant | null>();
  private readonly tombstones = new Map<string, string | null>();
  /** (parent id, name key) → the child's id, or null: no such child. */
  private readonly siblings = new Map<string, string | null>();
  /** Writes not sent yet, each with the chunk index of the mutation that made it. */
  private pendingTenants: { by: number; row: ServerTenant }[] = [];
  private pendingLog: PendingLog[] = [];
  /** The chunk index of the mutation running now (-1: none). */
  current = -1;

  /** `defersInserts`: creates wait in memory too (else only change-log rows do). */
  constructor(readonly defersInserts: boolean) {}

  tenant(id: string): ServerTenant | null | undefined {
    return this.rows.get(id);
  }

  tombstone(id: string): string | null | undefined {
    return this.tombstones.get(id);
  }

  sibling(parentId: string, key: string): string | null | undefined {
    return this.siblings.get(siblingKey(parentId, key));
  }

  learnTenant(id: string, row: ServerTenant | null): void {
    this.rows.set(id, row);
  }

  learnTombstone(id: string, path: string | null): void {
    this.tombstones.set(id, path);
  }

  learnSibling(parentId: string, key: string, id: string | null): void {
    this.siblings.set(siblingKey(parentId, key), id);
  }

  inserted(row: ServerTenant): void {
    this.rows.set(row.id, row);
    if (row.parent_id !== null) this.learnSibling(row.parent_id, row.name_key, row.id);
  }

  deferInsert(row: ServerTenant): void {
    this.pendingTenants.push({ by: this.current, row });
    this.inserted(row);
  }

  deferLog(seq: number, tenantId: string, path: string): void {
    this.pendingLog.push({ by: this.current, seq, tenantId, path });
  }

  /** After `UPDATE tenants SET <fields> WHERE id = <id>`. */
  updated(id: string, fields: Partial<ServerTenant>): void {
    const row = this.rows.get(id);
    if (!row) {
      // Not known here: neither is which sibling names it held.
      this.rows.delete(id);
      this.siblings.clear();
      return;
    }
    const next: ServerTenant = { ...row };
    // As the UPDATE wrote them: a field given as undefined became NULL.
    for (const k of Object.keys(fields) as (keyof ServerTenant)[])
      Object.assign(next, { [k]: fields[k] ?? null });
    this.rows.set(id, next);
    if (next.name_key !== row.name_key && row.parent_id !== null) {
      this.learnSibling(row.parent_id, row.name_key, null);
      this.learnSibling(row.parent_id, next.name_key, id);
    }
  }

  /** After a write this cache cannot follow (a subtree, or SQL outside TenantStore). */
  forget(): void {
    this.rows.clear();
    this.tombstones.clear();
    this.siblings.clear();
  }

  /** Whether mutation `by` (the last to run) has deferred creates. */
  hasPendingTenantsOf(by: number): boolean {
    return this.pendingTenants[this.pendingTenants.length - 1]?.by === by;
  }

  /** Drops the deferred writes of mutation `by` (the last to run); whether there were any. */
  dropPendingOf(by: number): boolean {
    const before = this.pendingTenants.length + this.pendingLog.length;
    this.pendingTenants = this.pendingTenants.filter((p) => p.by !== by);
    this.pendingLog = this.pendingLog.filter((p) => p.by !== by);
    return this.pendingTenants.length + this.pendingLog.length !== before;
  }

  takePendingTenants(before: number): ServerTenant[] {
    const taken = this.pendingTenants.filter((p) => p.by < before).map((p) => p.row);
    this.pendingTenants = this.pendingTenants.filter((p) => p.by >= before);
    return taken;
  }

  takePendingLog(): PendingLog[] {
    const taken = this.pendingLog;
    this.pendingLog = [];
    return taken;
  }
}

/**
 * Sends a chunk's deferred creates (of the mutations before `before`; all when absent) in
 * multi-row statements.
 */
export async function writePendingTenants(
  tx: SqlRunner,
  cache: TenantCache,
  before = Infinity,
): Promise<void> {
  const tenants = cache.takePendingTenants(before);
  for (let i = 0; i < tenants.length; i += ROWS_PER_INSERT) {
    const rows = tenants.slice(i, i + ROWS_PER_INSERT);
    const one = `(${TENANT_COLUMNS.map(() => '?').join(', ')})`;
    await tx.run(
      `INSERT INTO tenants (${TENANT_COLUMNS.join(', ')}) VALUES ${rows.map(() => one).join(', ')}`,
      rows.flatMap((r) => TENANT_COLUMNS.map((c): SqlValue => r[c])),
    );
  }
}

/**
 * Sends a chunk's deferred change-log rows, at its end: no command reads the log, and a row a
 * subtree statement of the same mutation wrote first stays (ON CONFLICT DO NOTHING).
 */
export async function writePendingLog(tx: SqlRunner, cache: TenantCache): Promise<void> {
  const log = cache.takePendingLog();
  for (let i = 0; i < log.length; i += ROWS_PER_INSERT) {
    const rows = log.slice(i, i + ROWS_PER_INSERT);
    await tx.run(
      `INSERT INTO change_log (seq, tenant_id, path, old_path)
       VALUES ${rows.map(() => '(?, ?, ?, NULL)').join(', ')}
       ON CONFLICT (seq, tenant_id) DO NOTHING`,
      rows.flatMap((r) => [r.seq, r.tenantId, r.path]),
    );
  }
}

/**
 * SQL over the server's tenant tree; the command implementations call these. Over a TenantCache
 * (a push chunk), reads it answers cost nothing, and creates and change-log rows wait for
 * writePending.
 */
export class TenantStore {
  constructor(
    private readonly tx: SqlRunner,
    private readonly cache: TenantCache | null = null,
  ) {}

  async get(id: string): Promise<ServerTenant | undefined> {
    const known = this.cache?.tenant(id);
    if (known !== undefined) return known ?? undefined;
    const row = await this.tx.get<ServerTenant>('SELECT * FROM tenants WHERE id = ?', [id]);
    this.cache?.learnTenant(id, row ?? null);
    return row;
  }

  async tombstone(id: string): Promise<{ path: string } | undefined> {
    const known = this.cache?.tombstone(id);
    if (known !== undefined) return known === null ? undefined : { path: known };
    const row = await this.tx.get<{ path: string }>('SELECT path FROM tombstones WHERE id = ?', [
      id,
    ]);
    this.cache?.learnTombstone(id, row?.path ?? null);
    return row;
  }

  async siblingWithName(parentId: string, name: string): Promise<string | undefined> {
    const key = nameKey(name);
    const known = this.cache?.sibling(parentId, key);
    if (known !== undefined) return known ?? undefined;
    const row = await this.tx.get<{ id: string }>(
      'SELECT id FROM tenants WHERE parent_id = ? AND name_key = ?',
      [parentId, key],
    );
    this.cache?.learnSibling(parentId, key, row?.id ?? null);
    return row?.id;
  }

  /**
   * Reads in a few statements what a chunk's commands will ask for one by one: the tenants and
   * tombstones of `ids`, and which of the (parent, name) pairs are taken. Needs a cache.
   */
  async prefetch(ids: string[], names: { parentId: string; name: string }[]): Promise<void> {
    const cache = this.cache;
    if (!cache) return;
    const wanted = [...new Set(ids)].filter((id) => cache.tenant(id) === undefined);
    const pairs = names
      .map((n) => ({ parentId: n.parentId, key: nameKey(n.name) }))
      .filter((n) => cache.sibling(n.parentId, n.key) === undefined);
    const step = IDS_PER_QUERY / 2;
    for (let i = 0; i < Math.max(wanted.length, pairs.length); i += step) {
      const some = wanted.slice(i, i + step);
      const named = pairs.slice(i, i + step);
      const parents = [...new Set(named.map((n) => n.parentId))];
      const keys = [...new Set(named.map((n) => n.key))];
      const list = (values: string[]) => values.map(() => '?').join(', ');
      // Rows by id, and the rows holding the names (a superset of the pairs: every row returned
      // is a fact, as (parent_id, name_key) is unique). One statement for both.
      const byId = some.length ? `id IN (${list(some)})` : '';
      const byName = named.length
        ? `(parent_id IN (${list(parents)}) AND name_key IN (${list(keys)}))`
        : '';
      const rows = await this.tx.all<ServerTenant>(
        `SELECT * FROM tenants WHERE ${[byId, byName].filter(Boolean).join(' OR ')}`,
        [...some, ...parents, ...keys],
      );
      for (const id of some) cache.learnTenant(id, null);
      for (const n of named) cache.learnSibling(n.parentId, n.key, null);
      for (const r of rows) {
        cache.learnTenant(r.id, r);
        if (r.parent_id !== null) cache.learnSibling(r.parent_id, r.name_key, r.id);
      }
      if (some.length === 0) continue;
      const gone = await this.tx.all<{ id: string; path: string }>(
        `SELECT id, path FROM tombstones WHERE id IN (${list(some)})`,
        some,
      );
      for (const id of some) cache.learnTombstone(id, null);
      for (const g of gone) cache.learnTombstone(g.id, g.path);
    }
  }

  async insert(t: ServerTenant): Promise<void> {
    if (this.cache?.defersInserts) {
      this.cache.deferInsert(t);
      return;
    }
    const cols = Object.keys(t) as (keyof ServerTenant)[];
    await this.tx.run(
      `INSERT INTO tenants (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
      cols.map((c) => t[c]),
    );
    this.cache?.inserted(t);
  }

  async update(id: string, fields: Partial<ServerTenant>): Promise<void> {
    const keys = Object.keys(fields) as (keyof ServerTenant)[];
    if (keys.length === 0) return;
    await this.tx.run(`UPDATE tenants SET ${keys.map((k) => `${k} = ?`).join(', ')} WHERE id = ?`, [
      ...keys.map((k) => fields[k] ?? null),
      id,
    ]);
    this.cache?.updated(id, fields);
  }

  /** Every active tenant of the subtree (or one disabled only through `outer`) → disabled by `id`. */
  async disableSubtree(id: string, path: string, outer: string | null): Promise<void> {
    if (outer === null)
      await this.tx.run(
        'UPDATE tenants SET disabled_by = ? WHERE path >= ? AND path < ? AND disabled_by IS NULL',
        [id, path, subtreeHi(path)],
      );
    else
      await this.tx.run(
        'UPDATE tenants SET disabled_by = ? WHERE path >= ? AND path < ? AND (disabled_by IS NULL OR disabled_by = ?)',
        [id, path, subtreeHi(path), outer],
      );
    this.cache?.forget();
  }

  /** Hands the subtree tenants disabled by `id` back to `outer` (or active). */
  async enableSubtree(id: string, path: string, outer: string | null): Promise<void> {
    await this.tx.run(
      'UPDATE tenants SET disabled_by = ? WHERE path >= ? AND path < ? AND disabled_by = ?',
      [outer, path, subtreeHi(path), id],
    );
    this.cache?.forget();
  }

  /** After a move: the subtree inherits its new parent's state instead of the old one's. */
  async inheritState(path: string, outer: string | null): Promise<void> {
    await this.tx.run(
      `UPDATE tenants SET disabled_by = ?
       WHERE path >= ? AND path < ?
         AND (disabled_by IS NULL OR disabled_by NOT IN (SELECT id FROM tenants WHERE path >= ? AND path < ?))`,
      [outer, path, subtreeHi(path), path, subtreeHi(path)],
    );
    this.cache?.forget();
  }

  /** Re-roots a subtree: every path below `oldPath` now starts with `newPath`. */
  async movePaths(oldPath: string, newPath: string, depthDelta: number): Promise<void> {
    await this.tx.run(
      `UPDATE tenants SET path = CAST(? AS TEXT) || substr(path, ?), depth = depth + ?
       WHERE path >= ? AND path < ?`,
      [newPath, oldPath.length + 1, depthDelta, oldPath, subtreeHi(oldPath)],
    );
    this.cache?.forget();
  }

  // The change log: which tenants a mutation touched, under which path(s).

  async logOne(seq: number, id: string, path: string): Promise<void> {
    if (this.cache) {
      this.cache.deferLog(seq, id, path);
      return;
    }
    await this.tx.run(
      'INSERT INTO change_log (seq, tenant_id, path, old_path) VALUES (?, ?, ?, NULL) ON CONFLICT (seq, tenant_id) DO NOTHING',
      [seq, id, path],
    );
  }

  async logSubtree(seq: number, path: string): Promise<void> {
    await this.tx.run(
      `INSERT INTO change_log (seq, tenant_id, path, old_path)
       SELECT ?, id, path, NULL FROM tenants WHERE path >= ? AND path < ?
       ON CONFLICT (seq, tenant_id) DO NOTHING`,
      [seq, path, subtreeHi(path)],
    );
  }

  /** After a move: each row of the subtree under its new path, with the path it had before. */
  async logMovedSubtree(seq: number, newPath: string, oldPath: string): Promise<void> {
    await this.tx.run(
      `INSERT INTO change_log (seq, tenant_id, path, old_path)
       SELECT ?, id, path, CAST(? AS TEXT) || substr(path, ?) FROM tenants WHERE path >= ? AND path < ?
       ON CONFLICT (seq, tenant_id) DO NOTHING`,
      [seq, oldPath, newPath.length + 1, newPath, subtreeHi(newPath)],
    );
  }

  /** Deletes a subtree, leaving tombstones (a deleted id never comes back). */
  async deleteSubtree(seq: number, path: string, now: string): Promise<void> {
    await this.logSubtree(seq, path);
    await this.tx.run(
      `INSERT INTO tombstones (id, path, seq, deleted_at)
       SELECT id, path, ?, ? FROM tenants WHERE path >= ? AND path < ?
       ON CONFLICT (id) DO NOTHING`,
      [seq, now, path, subtreeHi(path)],
    );
    await this.tx.run('DELETE FROM tenants WHERE path >= ? AND path < ?', [path, subtreeHi(path)]);
    this.cache?.forget();
  }
}
