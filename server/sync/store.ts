import { nameKey } from '../../shared/tenancy';
import type { ModuleOverrides } from '../../shared/modules';
import type { SyncTenant } from '../../shared/sync/protocol';
import type { SqlRunner } from '../db/sql';

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

/** SQL over the server's tenant tree; the command implementations call these. */
export class TenantStore {
  constructor(private readonly tx: SqlRunner) {}

  get(id: string): Promise<ServerTenant | undefined> {
    return this.tx.get<ServerTenant>('SELECT * FROM tenants WHERE id = ?', [id]);
  }

  tombstone(id: string): Promise<{ path: string } | undefined> {
    return this.tx.get<{ path: string }>('SELECT path FROM tombstones WHERE id = ?', [id]);
  }

  async siblingWithName(parentId: string, name: string): Promise<string | undefined> {
    const row = await this.tx.get<{ id: string }>(
      'SELECT id FROM tenants WHERE parent_id = ? AND name_key = ?',
      [parentId, nameKey(name)],
    );
    return row?.id;
  }

  async insert(t: ServerTenant): Promise<void> {
    const cols = Object.keys(t) as (keyof ServerTenant)[];
    await this.tx.run(
      `INSERT INTO tenants (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
      cols.map((c) => t[c]),
    );
  }

  async update(id: string, fields: Partial<ServerTenant>): Promise<void> {
    const keys = Object.keys(fields) as (keyof ServerTenant)[];
    if (keys.length === 0) return;
    await this.tx.run(`UPDATE tenants SET ${keys.map((k) => `${k} = ?`).join(', ')} WHERE id = ?`, [
      ...keys.map((k) => fields[k] ?? null),
      id,
    ]);
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
  }

  /** Hands the subtree tenants disabled by `id` back to `outer` (or active). */
  async enableSubtree(id: string, path: string, outer: string | null): Promise<void> {
    await this.tx.run(
      'UPDATE tenants SET disabled_by = ? WHERE path >= ? AND path < ? AND disabled_by = ?',
      [outer, path, subtreeHi(path), id],
    );
  }

  /** After a move: the subtree inherits its new parent's state instead of the old one's. */
  async inheritState(path: string, outer: string | null): Promise<void> {
    await this.tx.run(
      `UPDATE tenants SET disabled_by = ?
       WHERE path >= ? AND path < ?
         AND (disabled_by IS NULL OR disabled_by NOT IN (SELECT id FROM tenants WHERE path >= ? AND path < ?))`,
      [outer, path, subtreeHi(path), path, subtreeHi(path)],
    );
  }

  /** Re-roots a subtree: every path below `oldPath` now starts with `newPath`. */
  async movePaths(oldPath: string, newPath: string, depthDelta: number): Promise<void> {
    await this.tx.run(
      `UPDATE tenants SET path = CAST(? AS TEXT) || substr(path, ?), depth = depth + ?
       WHERE path >= ? AND path < ?`,
      [newPath, oldPath.length + 1, depthDelta, oldPath, subtreeHi(oldPath)],
    );
  }

  // The change log: which tenants a mutation touched, under which path(s).

  async logOne(seq: number, id: string, path: string): Promise<void> {
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
  }
}
