import type { Db } from '../db/connection';
import type { ListTenants, ListTenantsResult, TenantRow } from '../../shared/tenancy';
import { subtreeRange } from './repository';
import { ROOT_TENANT_ID } from '../../shared/tenancy';

const ROOT_PATH = `/${ROOT_TENANT_ID}/`;

/** Sort columns; each has an index ending in id (migration 0005), so pages are index walks. */
const ORDER: Record<ListTenants['sort'], string[]> = {
  name: ['t.name_key'],
  kind: ['t.kind', 't.name_key'],
  status: ['(t.disabled_by IS NOT NULL)', 't.name_key'],
  created: ['t.created_at'],
  cameras: ['t.camera_count'],
  users: ['t.user_count'],
  parent: ['t.parent_id', 't.name_key'],
};

const COLUMNS =
  't.id, t.kind, t.name, t.parent_id, t.path, t.disabled_by, t.camera_count, t.user_count, t.created_at';

/** A row of the list as read, before the parent path is added. */
interface ListRow {
  id: string;
  kind: 'integrator' | 'customer';
  name: string;
  parent_id: string;
  path: string;
  disabled_by: string | null;
  camera_count: number;
  user_count: number;
  created_at: string;
}

/** An FTS5 trigram query for a literal substring: one quoted phrase, quotes doubled. */
function trigramQuery(search: string): string {
  return `"${search.replace(/"/g, '""')}"`;
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
    // `path > lo` leaves the scope itself out: the list shows what is below it. Below the root that
    // is every tenant but the root, which the partial sort indexes (kind != 'root') answer alone.
    const atRoot = scopePath === ROOT_PATH;
    const where = atRoot ? ["t.kind != 'root'"] : ['t.path > @lo', 't.path < @hi'];
    const params: Record<string, string | number> = { lo, hi, limit: q.limit, offset: q.offset };
    if (q.kind !== 'all') {
      where.push('t.kind = @kind');
      params.kind = q.kind;
    }
    if (q.status === 'active') where.push('t.disabled_by IS NULL');
    if (q.status === 'disabled') where.push('t.disabled_by IS NOT NULL');
    const dir = q.direction === 'desc' ? 'DESC' : 'ASC';
    const orderBy = [...ORDER[q.sort], 't.id'].map((c) => `${c} ${dir}`).join(', ');
    const count = () =>
      (
        this.db
          .prepare(`SELECT COUNT(*) AS n FROM tenants t WHERE ${where.join(' AND ')}`)
          .get(params) as { n: number }
      ).n;

    let rows: ListRow[];
    let total: number;
    if (q.search.length >= 3) {
      // Substring of the name or the email, through the trigram index. Each match costs a read of
      // its row, so the matches are read once: `hits` keeps their sort keys, the total counts
      // them, and only the page's rows are read in full. Below an integrator, the scope's own path
      // index (no row reads) narrows the matches first, so only matches inside the scope are read.
      params.match = trigramQuery(q.search);
      const matches = atRoot
        ? 'SELECT rowid FROM tenants_search WHERE tenants_search MATCH @match'
        : `SELECT rowid FROM tenants WHERE path > @lo AND path < @hi
             AND +rowid IN (SELECT rowid FROM tenants_search WHERE tenants_search MATCH @match)`;
      where.push(`t.rowid IN (${matches})`);
      const keys = [...ORDER[q.sort], 't.id'];
      const hitOrder = keys.map((_, i) => `k${i} ${dir}`).join(', ');
      const counted = this.db
        .prepare(
          `WITH hits AS MATERIALIZED (
             SELECT t.rowid AS hit, ${keys.map((k, i) => `${k} AS k${i}`).join(', ')}
             FROM tenants t WHERE ${where.join(' AND ')}
           ), page AS (SELECT * FROM hits ORDER BY ${hitOrder} LIMIT @limit OFFSET @offset)
           SELECT ${COLUMNS}, (SELECT COUNT(*) FROM hits) AS total
           FROM page JOIN tenants t ON t.rowid = page.hit ORDER BY ${hitOrder}`,
        )
        .all(params) as (ListRow & { total: number })[];
      rows = counted;
      // A page past the end has no row to carry the total.
      total = counted[0]?.total ?? (q.offset === 0 ? 0 : count());
    } else {
      if (q.search) {
        // One or two letters: names starting with them (too short for a substring index).
        where.push('t.name_key >= @prefix AND t.name_key < @prefixEnd');
        params.prefix = q.search.toLocaleLowerCase();
        params.prefixEnd = `${q.search.toLocaleLowerCase()}\uffff`;
      }
      total = count();
      rows = this.db
        .prepare(
          `SELECT ${COLUMNS} FROM tenants t WHERE ${where.join(' AND ')}
           ORDER BY ${orderBy} LIMIT @limit OFFSET @offset`,
        )
        .all(params) as ListRow[];
    }
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
