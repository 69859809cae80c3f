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
 * value (a local row not yet on the server steps aside there): a camera that collides is left out
 * by the bulk INSERT and goes through the row-by-row path on its own; for tenants the bulk insert
 * is rolled back to its savepoint and the page's tenants go through the row-by-row path.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/connection';
import type { RowChange, SyncTenant } from '../../shared/sync/protocol';
import { TENANT_INSERT_COLUMNS } from '../tenancy/repository';
import { tenantRecordOf, type ServerRowWriter } from './apply';
import {
  CAMERA_COLUMNS,
  CAMERA_ENABLED,
  CAMERA_ID,
  CAMERA_RECORDING,
  CAMERA_TENANT,
  CAMERA_WIDTH,
  cameraRecordOfRow,
  pushCameraRow,
  type CameraRows,
  type SqlValue,
} from './camera-rows';

const isUniqueError = (err: unknown) => {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
};

/**
 * Rows per multi-row INSERT: 1,000 × 19 parameters stays under SQLite's 32,766. The values go as
 * arguments, not as one array: better-sqlite3 reads an array's elements one by one through V8's
 * API, and binding 500,000 camera rows took ~15 % less CPU as arguments (2.3–2.6 s → 2.0–2.2 s in
 * isolation). Fewer, larger statements: each one journals a copy of every database page it changes
 * (to undo itself half way if a constraint stops it), and cameras with random ids change leaves all
 * over their indexes; 500 a statement took ~2 s more of a first pull of 500,000 (docs/sync.md).
 */
const ROWS_PER_INSERT = 1000;

function pushTenant(t: SyncTenant, out: SqlValue[]): void {
  const row = tenantRecordOf(t);
  for (const column of TENANT_INSERT_COLUMNS) out.push(row[column]);
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
      customerIndexAside: db
        .prepare("SELECT EXISTS (SELECT 1 FROM deferred_indexes WHERE name = 'cameras_customer')")
        .pluck(),
      recountCameras: db.prepare(
        `UPDATE tenants SET camera_count = (SELECT COUNT(*) FROM cameras WHERE customer_id = tenants.id)
         WHERE id IN (SELECT value FROM json_each(?))`,
      ),
    };
  }

  /**
   * Applies a snapshot page (inside the caller's transaction), in the server's order: deletes,
   * tenants parents first, cameras, then roles and users. The page's cameras may come as rows
   * already (the pull worker packs them). Answers the touched tenant ids.
   */
  apply(changes: readonly RowChange[], rows: CameraRows | null = null): { applied: string[] } {
    const tenants: SyncTenant[] = [];
    const cameras: SqlValue[] = rows ? rows.values : [];
    const deletes: RowChange[] = [];
    const later: RowChange[] = [];
    for (const c of changes) {
      if (c.op === 'upsert') tenants.push(c.row);
      else if (c.op === 'record' && c.record.kind === 'camera') pushCameraRow(c.record, cameras);
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
  private cameras(page: SqlValue[]): string[] {
    const count = page.length / CAMERA_WIDTH;
    if (!count) return [];
    const tenantOf = (row: number) => page[row * CAMERA_WIDTH + CAMERA_TENANT] as string;
    const tenantIds = new Set<string>();
    for (let row = 0; row < count; row++) tenantIds.add(tenantOf(row));
    const disabled = new Map(
      (
        this.s.tenantStates.all(JSON.stringify([...tenantIds])) as {
          id: string;
          disabled_by: string | null;
        }[]
      ).map((t) => [t.id, t.disabled_by !== null]),
    );
    // As the row-by-row path: a camera whose tenant is not here is skipped; one of a disabled
    // tenant does not record.
    let candidates = page;
    if (disabled.size < tenantIds.size) {
      candidates = [];
      for (let row = 0; row < count; row++) {
        if (!disabled.has(tenantOf(row))) continue;
        const at = row * CAMERA_WIDTH;
        for (let k = at; k < at + CAMERA_WIDTH; k++) candidates.push(page[k] as SqlValue);
      }
    }
    for (let at = 0; at < candidates.length; at += CAMERA_WIDTH) {
      if (disabled.get(candidates[at + CAMERA_TENANT] as string))
        candidates[at + CAMERA_RECORDING] = 0;
      else candidates[at + CAMERA_RECORDING] = candidates[at + CAMERA_ENABLED] as number;
    }
    const inserted = this.insertCameras(candidates, disabled);
    // Every camera of the page inserted (a first pull): no id to look up row by row.
    if (inserted === 'all' && candidates === page) return [...tenantIds];
    // With 'all', the inserted rows are those whose tenant is here.
    const wasInserted = (row: number) =>
      inserted === 'all'
        ? disabled.has(tenantOf(row))
        : inserted.has(page[row * CAMERA_WIDTH + CAMERA_ID] as string);
    const applied = new Set<string>();
    for (let row = 0; row < count; row++) {
      if (wasInserted(row)) applied.add(tenantOf(row));
      else if (this.rows.records.apply(cameraRecordOfRow(page, row))) applied.add(tenantOf(row));
    }
    return [...applied];
  }

  /**
   * Inserts the cameras that collide with no row here on any unique value (id, endpoint, P&P id):
   * answers 'all' when every row was inserted, else the ids inserted (the others go row by row).
   * The owners' camera counts are recounted once (or at a first pull's end:
   * db/first-pull-indexes.ts).
   *
   * No savepoint, unlike insertTenants: a row that collides is left out by the INSERT itself, and
   * a savepoint journals a copy of every database page it changes that existed before it. With
   * ids as desktops make them (random), a page of 2,000 cameras changes most leaves of the id and
   * endpoint indexes, and those copies were ~6 s of a first pull of 500,000 cameras (docs/sync.md).
   */
  private insertCameras(
    rows: readonly SqlValue[],
    tenants: ReadonlyMap<string, boolean>,
  ): Set<string> | 'all' {
    const last = this.s.lastCameraRowid.get() as number;
    this.s.deferCounts.run();
    const total = rows.length / CAMERA_WIDTH;
    let count = 0;
    for (let row = 0; row < total; row += ROWS_PER_INSERT) {
      const end = Math.min(total, row + ROWS_PER_INSERT);
      count += this.insertStatement('cameras', CAMERA_COLUMNS, end - row, 'DO NOTHING').run(
        ...rows.slice(row * CAMERA_WIDTH, end * CAMERA_WIDTH),
      ).changes;
    }
    // With cameras_customer set aside (a first pull: db/first-pull-indexes.ts), counted at its end.
    if (this.s.customerIndexAside.get() !== 1)
      this.s.recountCameras.run(JSON.stringify([...tenants.keys()]));
    this.s.resumeCounts.run();
    if (count === total) return 'all';
    return new Set(this.s.camerasAfter.all(last) as string[]);
  }

  /** Runs `write` under a savepoint; null when it hit a unique constraint (then rolled back). */
  private inSavepoint<T = Set<string>>(write: () => T): T | null {
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
      count += this.insertStatement(table, columns, end - i).run(...params).changes;
    }
    return count;
  }

  /** The multi-row INSERT of `rows` rows into `table` (prepared once per size). */
  private insertStatement(
    table: string,
    columns: readonly string[],
    rows: number,
    onConflict = '(id) DO NOTHING',
  ): Statement {
    const key = `${table}:${rows}:${onConflict}`;
    let stmt = this.inserts.get(key);
    if (!stmt) {
      const row = `(${columns.map(() => '?').join(', ')})`;
      stmt = this.db.prepare(
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${Array(rows).fill(row).join(', ')}
         ON CONFLICT ${onConflict}`,
      );
      // Full chunks repeat; a page's last chunk is usually a size of its own.
      if (rows === ROWS_PER_INSERT) this.inserts.set(key, stmt);
    }
    return stmt;
  }
}
