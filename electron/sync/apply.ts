import type { Db } from '../db/connection';
import type { RowChange, SyncTenant } from '../../shared/sync/protocol';
import { nameKey, subtreeRange, type NewTenantRecord } from '../tenancy/repository';
import { LocalRecords } from './records';

interface LocalRow {
  path: string;
  depth: number;
}

/** A server tenant as the row the local tenants table holds (counters left to the triggers). */
export function tenantRecordOf(row: SyncTenant): NewTenantRecord {
  return {
    id: row.id,
    kind: row.kind,
    parent_id: row.parentId,
    path: row.path,
    depth: row.depth,
    name: row.name,
    name_key: nameKey(row.name),
    contact_person: row.contactPerson,
    email: row.email,
    phone: row.phone,
    address: row.address,
    time_zone: row.timeZone,
    notes: row.notes,
    own_disabled: row.ownDisabled ? 1 : 0,
    disabled_by: row.disabledBy,
    module_overrides: JSON.stringify(row.moduleOverrides),
    business: row.business === null ? null : JSON.stringify(row.business),
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

const isUniqueError = (err: unknown) =>
  (err as { code?: unknown } | null)?.code === 'SQLITE_CONSTRAINT_UNIQUE';

/**
 * Writes server rows into the local tenants table (inside the caller's transaction). The server's
 * row wins every column it has; local-only columns (camera and user counts) stay. A row whose
 * parent is not here yet is skipped: a later change of the log brings it again.
 */
export class ServerRowWriter {
  private readonly stmts;
  readonly records: LocalRecords;

  constructor(private readonly db: Db) {
    this.records = new LocalRecords(db);
    this.stmts = {
      local: db.prepare('SELECT path, depth FROM tenants WHERE id = ?'),
      exists: db.prepare('SELECT 1 AS one FROM tenants WHERE id = ?'),
      upsert: db.prepare(
        `INSERT INTO tenants (id, kind, parent_id, path, depth, name, name_key, contact_person, email, phone,
           address, time_zone, notes, own_disabled, disabled_by, module_overrides, business, created_at, updated_at)
         VALUES (@id, @kind, @parent_id, @path, @depth, @name, @name_key, @contact_person, @email, @phone,
           @address, @time_zone, @notes, @own_disabled, @disabled_by, @module_overrides, @business, @created_at, @updated_at)
         ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, parent_id = excluded.parent_id, path = excluded.path,
           depth = excluded.depth, name = excluded.name, name_key = excluded.name_key,
           contact_person = excluded.contact_person, email = excluded.email, phone = excluded.phone,
           address = excluded.address, time_zone = excluded.time_zone, notes = excluded.notes,
           own_disabled = excluded.own_disabled, disabled_by = excluded.disabled_by,
           module_overrides = excluded.module_overrides, business = excluded.business,
           created_at = excluded.created_at, updated_at = excluded.updated_at`,
      ),
      // A local row not (yet) on the server holds the name: it steps aside until its own create is answered.
      stepAside: db.prepare(
        "UPDATE tenants SET name_key = name_key || ' #' || id WHERE parent_id = ? AND name_key = ? AND id != ?",
      ),
      reroot: db.prepare(
        `UPDATE tenants SET path = @newPath || substr(path, length(@oldPath) + 1), depth = depth + @delta
         WHERE path > @lo AND path < @hi`,
      ),
      delete: db.prepare("DELETE FROM tenants WHERE id = ? AND kind != 'root'"),
    };
  }

  /**
   * Applies changes in the order given (deletes, then upserts parents first, then records in
   * reference order); returns the touched tenant ids (a record's change touches its tenant).
   */
  apply(changes: readonly RowChange[]): { applied: string[]; skipped: string[] } {
    const applied: string[] = [];
    const skipped: string[] = [];
    for (const c of changes) {
      switch (c.op) {
        case 'delete':
          if (this.stmts.delete.run(c.id).changes) applied.push(c.id);
          break;
        case 'upsert':
          if (this.upsert(c.row)) applied.push(c.row.id);
          else skipped.push(c.row.id);
          break;
        case 'record':
          if (this.records.apply(c.record)) applied.push(c.record.tenantId);
          else skipped.push(`${c.record.kind}:${c.record.id}`);
          break;
        case 'recordDelete': {
          const tenantId = this.records.delete(c.kind, c.id);
          if (tenantId !== null) applied.push(tenantId);
          break;
        }
      }
    }
    return { applied, skipped };
  }

  upsert(row: SyncTenant): boolean {
    if (row.parentId && !this.stmts.exists.get(row.parentId)) return false;
    const before = this.stmts.local.get(row.id) as LocalRow | undefined;
    // Local descendants (created here, not yet on the server) follow a moved tenant.
    if (before && before.path !== row.path) {
      this.stmts.reroot.run({
        newPath: row.path,
        oldPath: before.path,
        delta: row.depth - before.depth,
        ...subtreeRange(before.path),
        lo: before.path,
      });
    }
    const record = tenantRecordOf(row);
    try {
      this.stmts.upsert.run(record);
    } catch (err) {
      if (!isUniqueError(err) || !row.parentId) throw err;
      this.stmts.stepAside.run(row.parentId, record.name_key, row.id);
      this.stmts.upsert.run(record);
    }
    return true;
  }
}
