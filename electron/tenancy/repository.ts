import { nameKey } from '../../shared/tenancy';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/connection';
import type { ModuleOverrides, TenantKind } from '../../shared/modules';

/** A tenant row as stored. */
export interface TenantRecord {
  id: string;
  kind: TenantKind;
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
  camera_count: number;
  user_count: number;
  created_at: string;
  updated_at: string;
}

export { nameKey };

/** A tenant row as inserted: the counters start at 0 and are kept by triggers. */
export type NewTenantRecord = Omit<TenantRecord, 'camera_count' | 'user_count'>;

/** The columns an insert writes, in the order insertMany binds them. */
export const TENANT_INSERT_COLUMNS = [
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
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof NewTenantRecord)[];

/** Rows per multi-row INSERT: 500 × 19 parameters stays well under SQLite's 32,766. */
const INSERT_CHUNK = 500;

/** The index range of a subtree: every path that starts with `path`. */
export const subtreeRange = (path: string) => ({ lo: path, hi: `${path}\uffff` });

export function parseOverrides(json: string): ModuleOverrides {
  const value = JSON.parse(json) as unknown;
  return typeof value === 'object' && value !== null ? (value as ModuleOverrides) : {};
}

/**
 * Whether each camera of a subtree records: its own switch on and its customer not disabled. The
 * camera index `cameras_customer` holds both columns (migration 0009), so the check reads the
 * index alone and goes to a camera's row only to change it.
 */
export const RECOMPUTE_RECORDING_SQL = `UPDATE cameras SET recording = (enabled = 1 AND t.disabled_by IS NULL), updated_at = @now
  FROM (SELECT id, disabled_by FROM tenants WHERE path >= @lo AND path < @hi AND kind = 'customer') AS t
  WHERE cameras.customer_id = t.id AND cameras.recording != (cameras.enabled = 1 AND t.disabled_by IS NULL)`;

/** SQL for the tenant tree. Services call these; nothing else writes SQL for tenants. */
export class TenantRepository {
  private readonly stmts;
  private fullChunkInsert: Statement | undefined;

  constructor(readonly db: Db) {
    this.stmts = {
      byId: db.prepare('SELECT * FROM tenants WHERE id = ?'),
      byParentAndName: db.prepare('SELECT id FROM tenants WHERE parent_id = ? AND name_key = ?'),
      insert: db.prepare(
        `INSERT INTO tenants (${TENANT_INSERT_COLUMNS.join(', ')}) VALUES (${TENANT_INSERT_COLUMNS.map((c) => `@${c}`).join(', ')})`,
      ),
      chain: db.prepare(
        'SELECT id, name, kind, module_overrides, depth FROM tenants WHERE id IN (SELECT value FROM json_each(?)) ORDER BY depth',
      ),
      scopes: db.prepare(
        "SELECT id, name, parent_id, kind, disabled_by FROM tenants WHERE kind != 'customer' ORDER BY depth, name_key",
      ),
      // Cascades: effective disabled state of a subtree.
      disableSubtree: db.prepare(
        `UPDATE tenants SET disabled_by = @id
         WHERE path >= @lo AND path < @hi AND (disabled_by IS NULL OR disabled_by = @outer)`,
      ),
      enableSubtree: db.prepare(
        `UPDATE tenants SET disabled_by = @outer WHERE path >= @lo AND path < @hi AND disabled_by = @id`,
      ),
      recomputeRecording: db.prepare(RECOMPUTE_RECORDING_SQL),
      enableAllCameras: db.prepare(
        `UPDATE cameras SET enabled = 1, updated_at = @now
         WHERE enabled = 0 AND customer_id IN (SELECT id FROM tenants WHERE path >= @lo AND path < @hi)`,
      ),
      // insertMany (migration 0007): the search-insert trigger stands aside while the row exists.
      deferSearch: db.prepare('INSERT INTO tenants_search_deferred (id) VALUES (1)'),
      resumeSearch: db.prepare('DELETE FROM tenants_search_deferred'),
      lastRowid: db.prepare('SELECT COALESCE(MAX(rowid), 0) AS last FROM tenants'),
      indexSearchAfter: db.prepare(
        'INSERT INTO tenants_search (rowid, name, email) SELECT rowid, name, email FROM tenants WHERE rowid > ?',
      ),
    };
  }

  get(id: string): TenantRecord | undefined {
    return this.stmts.byId.get(id) as TenantRecord | undefined;
  }

  siblingWithName(parentId: string, name: string): string | undefined {
    const row = this.stmts.byParentAndName.get(parentId, nameKey(name)) as
      { id: string } | undefined;
    return row?.id;
  }

  insert(record: NewTenantRecord): void {
    this.stmts.insert.run(record);
  }

  /**
   * Inserts many tenants (an import), inside the caller's transaction. A table with triggers gets
   * a statement journal, which copies every page a statement changes: one statement per
   * INSERT_CHUNK rows copies each page once instead of once per row. The search rows are written
   * with one INSERT … SELECT at the end while the per-row trigger stands aside (migration 0007);
   * no other writer can see that, as the transaction holds the write lock until it commits.
   */
  insertMany(records: readonly NewTenantRecord[]): void {
    if (!this.db.inTransaction) throw new Error('insertMany runs inside a transaction');
    // Without AUTOINCREMENT, SQLite gives each new row MAX(rowid) + 1 (random rowids only once
    // 2^63 is reached, which the count check below would catch), so the rows inserted here are
    // exactly those above the current maximum.
    const { last } = this.stmts.lastRowid.get() as { last: number };
    this.stmts.deferSearch.run();
    for (let i = 0; i < records.length; i += INSERT_CHUNK) {
      const chunk = records.slice(i, i + INSERT_CHUNK);
      this.insertChunk(chunk.length).run(
        chunk.flatMap((r) => TENANT_INSERT_COLUMNS.map((column) => r[column])),
      );
    }
    const indexed = this.stmts.indexSearchAfter.run(last).changes;
    this.stmts.resumeSearch.run();
    if (indexed !== records.length)
      throw new Error(`search index: ${indexed} rows indexed for ${records.length} inserted`);
  }

  /** The multi-row INSERT for `rows` rows; the full-chunk one is kept, the last chunk's is not. */
  private insertChunk(rows: number): Statement {
    if (rows === INSERT_CHUNK && this.fullChunkInsert) return this.fullChunkInsert;
    const row = `(${TENANT_INSERT_COLUMNS.map(() => '?').join(', ')})`;
    const stmt = this.db.prepare(
      `INSERT INTO tenants (${TENANT_INSERT_COLUMNS.join(', ')}) VALUES ${Array(rows).fill(row).join(', ')}`,
    );
    if (rows === INSERT_CHUNK) this.fullChunkInsert = stmt;
    return stmt;
  }

  /** The chain root → tenant, from the ids in its path. */
  chain(path: string): { id: string; name: string; kind: TenantKind; module_overrides: string }[] {
    const ids = path.split('/').filter(Boolean);
    return this.stmts.chain.all(JSON.stringify(ids)) as {
      id: string;
      name: string;
      kind: TenantKind;
      module_overrides: string;
    }[];
  }

  scopes(): {
    id: string;
    name: string;
    parent_id: string | null;
    kind: TenantKind;
    disabled_by: string | null;
  }[] {
    return this.stmts.scopes.all() as {
      id: string;
      name: string;
      parent_id: string | null;
      kind: TenantKind;
      disabled_by: string | null;
    }[];
  }

  update(id: string, fields: Partial<TenantRecord>): void {
    const keys = Object.keys(fields);
    if (keys.length === 0) return;
    this.db
      .prepare(`UPDATE tenants SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE id = @id`)
      .run({ ...fields, id });
  }

  /** Marks every active tenant of the subtree (or one disabled only through `outer`) as disabled by `id`. */
  disableSubtree(id: string, path: string, outer: string | null): void {
    this.stmts.disableSubtree.run({ id, ...subtreeRange(path), outer });
  }

  /** Hands the subtree tenants disabled by `id` back to the state above it (`outer`, or active). */
  enableSubtree(id: string, path: string, outer: string | null): void {
    this.stmts.enableSubtree.run({ id, ...subtreeRange(path), outer });
  }

  recomputeRecording(path: string, now: string): number {
    return this.stmts.recomputeRecording.run({ ...subtreeRange(path), now }).changes;
  }

  enableAllCameras(path: string, now: string): number {
    return this.stmts.enableAllCameras.run({ ...subtreeRange(path), now }).changes;
  }
}
