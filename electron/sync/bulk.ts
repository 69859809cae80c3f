/**
 * Snapshot pages written in bulk. A first pull brings the whole subtree (100,000 customers and
 * half a million cameras in the benchmark), a page of up to 10,000 rows at a time; written row by
 * row, each camera costs an upsert, a count trigger that rewrites its tenant's row and sort index,
 * and each tenant a statement of its own into the FTS5 search index (migration 0007 says why that
 * is slow). Here the rows a page brings that are new to this desktop are inserted with multi-row
 * INSERTs while the search and count triggers stand aside (migrations 0007, 0008), and the search
 * rows and counts of what was inserted are written with one statement each before the page's
 * transaction commits: every committed page leaves the same rows, index and counts as the
 * row-by-row path would have.
 *
 * Everything else takes the row-by-row path (ServerRowWriter): deletes, rows already here (the
 * server's row wins, local descendants follow a move), users and roles (few, and their role and
 * grant links are checked one by one), and any new row that collides with a local one on a unique
 * value (a local row not yet on the server steps aside there): the bulk insert of that kind is
 * rolled back to its savepoint and the page's rows of that kind go through the row-by-row path.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/connection';
import type { RowChange, SyncTenant } from '../../shared/sync/protocol';
import type { CameraFields, SyncRecord } from '../../shared/sync/records';
import { TENANT_INSERT_COLUMNS } from '../tenancy/repository';
import { tenantRecordOf, type ServerRowWriter } from './apply';

type CameraRecord = Extract<SyncRecord, { kind: 'camera' }>;
type SqlValue = string | number | null;

const CAMERA_COLUMNS = [
  'id',
  'customer_id',
  'name',
  'kind',
  'address',
  'model',
  'enabled',
  'recording',
  'created_at',
  'updated_at',
  'xaddr',
  'endpoint_ref',
  'device_info',
  'mac',
  'profiles',
  'stream_uri',
  'recording_profile',
  'username',
  'pnp_cloud_id',
] as const;

/** Rows per multi-row INSERT: 500 × 19 parameters stays well under SQLite's 32,766. */
const ROWS_PER_INSERT = 500;

const isUniqueError = (err: unknown) => {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
};

function pushTenant(t: SyncTenant, out: SqlValue[]): void {
  const row = tenantRecordOf(t);
  for (const column of TENANT_INSERT_COLUMNS) out.push(row[column]);
}

/** The camera row as LocalRecords.writeCamera writes it; `recording` as its upsert computes it. */
function pushCamera(r: CameraRecord, tenantDisabled: boolean, out: SqlValue[]): void {
  // Positional, in CAMERA_COLUMNS order, without a row object per camera: this is the hot loop of
  // a first snapshot (500,000 cameras in the benchmark).
  const c: CameraFields = r.data;
  out.push(
    r.id,
    r.tenantId,
    c.name,
    c.kind,
    c.address,
    c.model,
    c.enabled ? 1 : 0,
    c.enabled && !tenantDisabled ? 1 : 0,
    r.createdAt,
    r.updatedAt,
    c.xaddr,
    c.endpointRef,
    c.deviceInfo === null ? null : JSON.stringify(c.deviceInfo),
    c.mac,
    JSON.stringify(c.profiles),
    c.streamUri,
    c.recordingProfile,
    c.username,
    c.pnpCloudId,
  );
}

/** Writes snapshot pages: new tenants and cameras in bulk, everything else row by row. */
export class SnapshotBulkWriter {
  private readonly s;
  private readonly inserts = new Map<string, Statement>();

  constructor(
    private readonly db: Db,
    private readonly rows: ServerRowWriter,
  ) {
    this.s = {
      tenantIds: db
        .prepare('SELECT id FROM tenants WHERE id IN (SELECT value FROM json_each(?))')
        .pluck(),
      tenantStates: db.prepare(
        'SELECT id, disabled_by FROM tenants WHERE id IN (SELECT value FROM json_each(?))',
      ),
      lastTenantRowid: db.prepare('SELECT COALESCE(MAX(rowid), 0) FROM tenants').pluck(),
      tenantsAfter: db.prepare('SELECT id FROM tenants WHERE rowid > ?').pluck(),
      lastCameraRowid: db.prepare('SELECT COALESCE(MAX(rowid), 0) FROM cameras').pluck(),
      camerasAfter: db.prepare('SELECT id FROM cameras WHERE rowid > ?').pluck(),
      deferSearch: db.prepare('INSERT INTO tenants_search_deferred (id) VALUES (1)'),
      resumeSearch: db.prepare('DELETE FROM tenants_search_deferred'),
      indexSearchAfter: db.prepare(
        'INSERT INTO tenants_search (rowid, name, email) SELECT rowid, name, email FROM tenants WHERE rowid > ?',
      ),
      deferCounts: db.prepare('INSERT INTO tenants_counts_deferred (id) VALUES (1)'),
      resumeCounts: db.prepare('DELETE FROM tenants_counts_deferred'),
      recountCameras: db.prepare(
        `UPDATE tenants SET camera_count = (SELECT COUNT(*) FROM cameras WHERE customer_id = tenants.id)
         WHERE id IN (SELECT value FROM json_each(?))`,
      ),
    };
  }

  /**
   * Applies a snapshot page (inside the caller's transaction), in the server's order: deletes,
   * tenants parents first, cameras, then roles and users. Answers the touched tenant ids.
   */
  apply(changes: readonly RowChange[]): { applied: string[] } {
    const tenants: SyncTenant[] = [];
    const cameras: CameraRecord[] = [];
    const deletes: RowChange[] = [];
    const later: RowChange[] = [];
    for (const c of changes) {
      if (c.op === 'upsert') tenants.push(c.row);
      else if (c.op === 'record' && c.record.kind === 'camera') cameras.push(c.record);
      else if (c.op === 'record') later.push(c);
      else deletes.push(c);
    }
    const applied = new Set(this.rows.apply(deletes).applied);
    for (const id of this.tenants(tenants)) applied.add(id);
    for (const id of this.cameras(cameras)) applied.add(id);
    for (const id of this.rows.apply(later).applied) applied.add(id);
    return { applied: [...applied] };
  }

  /** Which of these tenants are here. */
  private tenantsHere(ids: readonly string[]): Set<string> {
    if (!ids.length) return new Set();
    return new Set(this.s.tenantIds.all(JSON.stringify(ids)) as string[]);
  }

  /** Tenants new here in bulk (parent here or earlier in the page), the others row by row. */
  private tenants(page: readonly SyncTenant[]): string[] {
    if (!page.length) return [];
    const known = this.tenantsHere([
      ...new Set(page.flatMap((t) => (t.parentId === null ? [] : [t.parentId]))),
    ]);
    // As the row-by-row path: a tenant whose parent is not here is skipped (the log brings it).
    const candidates: SyncTenant[] = [];
    for (const t of page) {
      if (t.parentId === null || !known.has(t.parentId)) continue;
      candidates.push(t);
      known.add(t.id);
    }
    const inserted = this.insertTenants(candidates);
    const applied = inserted ? [...inserted] : [];
    for (const t of page) if (!inserted?.has(t.id) && this.rows.upsert(t)) applied.push(t.id);
    return applied;
  }

  /**
   * Inserts the tenants that are not here yet (the others are left to the row-by-row path);
   * answers their ids, or null (and nothing written) when one collides with a local row on a
   * unique value.
   */
  private insertTenants(rows: readonly SyncTenant[]): Set<string> | null {
    return this.inSavepoint(() => {
      // Without AUTOINCREMENT, new rows get MAX(rowid) + 1: the ones inserted here are those above.
      const last = this.s.lastTenantRowid.get() as number;
      this.s.deferSearch.run();
      const count = this.insertAll('tenants', TENANT_INSERT_COLUMNS, rows, pushTenant);
      const indexed = this.s.indexSearchAfter.run(last).changes;
      this.s.resumeSearch.run();
      if (indexed !== count)
        throw new Error(`search index: ${indexed} rows indexed for ${count} inserted`);
      if (count === rows.length) return new Set(rows.map((t) => t.id));
      return new Set(this.s.tenantsAfter.all(last) as string[]);
    });
  }

  /** Cameras new here in bulk (their tenant here), the others row by row. */
  private cameras(page: readonly CameraRecord[]): string[] {
    if (!page.length) return [];
    const tenantIds = [...new Set(page.map((r) => r.tenantId))];
    const disabled = new Map(
      (
        this.s.tenantStates.all(JSON.stringify(tenantIds)) as {
          id: string;
          disabled_by: string | null;
        }[]
      ).map((t) => [t.id, t.disabled_by !== null]),
    );
    // As the row-by-row path: a camera whose tenant is not here is skipped.
    const candidates = page.filter((r) => disabled.has(r.tenantId));
    const inserted = this.insertCameras(candidates, disabled);
    const applied = new Set(candidates.filter((r) => inserted?.has(r.id)).map((r) => r.tenantId));
    for (const r of page)
      if (!inserted?.has(r.id) && this.rows.records.apply(r)) applied.add(r.tenantId);
    return [...applied];
  }

  /** As insertTenants; the owners' camera counts are recounted once. */
  private insertCameras(
    rows: readonly CameraRecord[],
    disabled: ReadonlyMap<string, boolean>,
  ): Set<string> | null {
    return this.inSavepoint(() => {
      const last = this.s.lastCameraRowid.get() as number;
      this.s.deferCounts.run();
      const count = this.insertAll('cameras', CAMERA_COLUMNS, rows, (r, out) =>
        pushCamera(r, disabled.get(r.tenantId) === true, out),
      );
      this.s.recountCameras.run(JSON.stringify([...new Set(rows.map((r) => r.tenantId))]));
      this.s.resumeCounts.run();
      if (count === rows.length) return new Set(rows.map((r) => r.id));
      return new Set(this.s.camerasAfter.all(last) as string[]);
    });
  }

  /** Runs `write` under a savepoint; null when it hit a unique constraint (then rolled back). */
  private inSavepoint(write: () => Set<string>): Set<string> | null {
    try {
      // Nested in the page's transaction, better-sqlite3 makes this a savepoint.
      return this.db.transaction(write)();
    } catch (err) {
      if (isUniqueError(err)) return null;
      throw err;
    }
  }

  /** Multi-row INSERTs that skip rows whose id is here already; answers the rows inserted. */
  private insertAll<T>(
    table: string,
    columns: readonly string[],
    rows: readonly T[],
    push: (row: T, out: SqlValue[]) => void,
  ): number {
    let count = 0;
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
      const end = Math.min(rows.length, i + ROWS_PER_INSERT);
      const params: SqlValue[] = [];
      for (let j = i; j < end; j++) push(rows[j] as T, params);
      count += this.insertStatement(table, columns, end - i).run(params).changes;
    }
    return count;
  }

  /** The multi-row INSERT of `rows` rows into `table` (prepared once per size). */
  private insertStatement(table: string, columns: readonly string[], rows: number): Statement {
    const key = `${table}:${rows}`;
    let stmt = this.inserts.get(key);
    if (!stmt) {
      const row = `(${columns.map(() => '?').join(', ')})`;
      stmt = this.db.prepare(
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${Array(rows).fill(row).join(', ')}
         ON CONFLICT (id) DO NOTHING`,
      );
      // Full chunks repeat; a page's last chunk is usually a size of its own.
      if (rows === ROWS_PER_INSERT) this.inserts.set(key, stmt);
    }
    return stmt;
  }
}
