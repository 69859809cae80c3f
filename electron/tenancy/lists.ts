import type { Db } from '../db/connection';
import type { ListTenants, ListTenantsResult, TenantRow } from '../../shared/tenancy';
import { subtreeRange } from './repository';

const ORDER: Record<ListTenants['sort'], string> = {
  name: 't.name_key',
  kind: 't.kind',
  status: '(t.disabled_by IS NOT NULL)',
  created: 't.created_at',
  cameras: 't.camera_count',
  users: 't.user_count',
  parent: 't.parent_id',
};

/** LIKE pattern for a case-insensitive substring search, with the wildcards escaped. */
function likePattern(search: string): string {
  return `%${search.toLocaleLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** "North Region › Retail": the ancestors' names; the partner account itself only when it is the parent. */
function parentPath(path: string, names: Map<string, string>): string {
  const ids = path.split('/').filter(Boolean).slice(0, -1);
  const shown = ids.length > 1 ? ids.slice(1) : ids;
  return shown.map((id) => names.get(id) ?? '?').join(' › ');
}

/**
 * The Customers list: one page of the tenants below a scope, searched, filtered and sorted in SQL.
 * The parent path ("Partner › North › Retail") comes from an in-memory map of the non-customer
 * tenants (a few thousand at most), rebuilt after any change.
 */
export class TenantLists {
  private names: Map<string, string> | null = null;

  constructor(private readonly db: Db) {}

  invalidate(): void {
    this.names = null;
  }

  private containerNames(): Map<string, string> {
    if (!this.names) {
      const rows = this.db
        .prepare("SELECT id, name FROM tenants WHERE kind != 'customer'")
        .all() as { id: string; name: string }[];
      this.names = new Map(rows.map((r) => [r.id, r.name]));
    }
    return this.names;
  }

  list(scopePath: string, q: ListTenants): ListTenantsResult {
    const { lo, hi } = subtreeRange(scopePath);
    // `path > lo` leaves the scope itself out: the list shows what is below it.
    const where = ['t.path > @lo', 't.path < @hi'];
    const params: Record<string, string | number> = { lo, hi, limit: q.limit, offset: q.offset };
    if (q.kind !== 'all') {
      where.push('t.kind = @kind');
      params.kind = q.kind;
    }
    if (q.status === 'active') where.push('t.disabled_by IS NULL');
    if (q.status === 'disabled') where.push('t.disabled_by IS NOT NULL');
    if (q.search) {
      where.push("(t.name_key LIKE @pattern ESCAPE '\\' OR t.email LIKE @pattern ESCAPE '\\')");
      params.pattern = likePattern(q.search);
    }
    const whereSql = where.join(' AND ');
    const dir = q.direction === 'desc' ? 'DESC' : 'ASC';
    const total = (
      this.db.prepare(`SELECT COUNT(*) AS n FROM tenants t WHERE ${whereSql}`).get(params) as {
        n: number;
      }
    ).n;
    const rows = this.db
      .prepare(
        `SELECT t.id, t.kind, t.name, t.parent_id, t.path, t.disabled_by, t.camera_count, t.user_count, t.created_at
         FROM tenants t WHERE ${whereSql}
         ORDER BY ${ORDER[q.sort]} ${dir}, t.name_key ${dir}, t.id LIMIT @limit OFFSET @offset`,
      )
      .all(params) as {
      id: string;
      kind: 'integrator' | 'customer';
      name: string;
      parent_id: string;
      path: string;
      disabled_by: string | null;
      camera_count: number;
      user_count: number;
      created_at: string;
    }[];
    const names = this.containerNames();
    return {
      total,
      offset: q.offset,
      rows: rows.map((r): TenantRow => ({
        id: r.id,
        kind: r.kind,
        name: r.name,
        parentId: r.parent_id,
        parentPath: parentPath(r.path, names),
        status: r.disabled_by ? 'disabled' : 'active',
        cameraCount: r.camera_count,
        userCount: r.user_count,
        createdAt: r.created_at,
      })),
    };
  }
}
