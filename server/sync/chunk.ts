/**
 * One transaction for a run of pushed mutations (SyncService.push), cheap in round trips to the
 * database: the tenant rows its commands will read are fetched up front in a few statements,
 * creates and change-log rows are written in a few multi-row statements, and a mutation that does
 * send a write (or must flush one of its own) first moves the transaction's savepoint to itself,
 * so that its rejection rolls back that mutation alone and the chunk goes on with the next.
 */
import type { Command } from '../../shared/sync/commands';
import { isConstraintError, type SqlRunner, type SqlTransaction, type SqlValue } from '../db/sql';
import { TenantCache, TenantStore, writePendingLog, writePendingTenants } from './store';

/**
 * Deferred creates collided with a row when written (a unique path or name this chunk's cache
 * could not see coming). The transaction is lost; the chunk runs again writing each create at
 * once, under its mutation's savepoint, which pins the collision on the mutation that made it.
 */
export class DeferredWriteConflict extends Error {
  constructor(cause: unknown) {
    super('A deferred create collided with an existing row', { cause });
  }
}

const isRead = (sql: string) => /^\s*select\b/i.test(sql);

interface Reads {
  ids: string[];
  names: { parentId: string; name: string }[];
}
const none: Reads = { ids: [], names: [] };

/** Tenant ids a command reads first, and the (parent, name) pairs whose uniqueness it checks. */
function firstReads(c: Command): Reads {
  switch (c.command) {
    case 'tenants.create':
      return {
        ids: [c.args.id, c.args.parentId],
        names: [{ parentId: c.args.parentId, name: c.args.name }],
      };
    case 'tenants.move':
      return { ids: [c.args.id, c.args.newParentId], names: [] };
    case 'tenants.update':
    case 'tenants.delete':
    case 'tenants.disable':
    case 'tenants.enable':
      return { ids: [c.args.id], names: [] };
    case 'modules.set':
    case 'business.set':
      return { ids: [c.args.tenantId], names: [] };
    default:
      return none;
  }
}

/** What a command reads once its targets are known: their parents, and the names it checks. */
function secondReads(c: Command, cache: TenantCache): Reads {
  const parentOf = (id: string) => cache.tenant(id)?.parent_id ?? null;
  switch (c.command) {
    case 'tenants.update': {
      const parent = parentOf(c.args.id);
      if (parent === null || c.args.name === undefined) return none;
      return { ids: [parent], names: [{ parentId: parent, name: c.args.name }] };
    }
    case 'tenants.move': {
      const t = cache.tenant(c.args.id);
      return t ? { ids: [], names: [{ parentId: c.args.newParentId, name: t.name }] } : none;
    }
    case 'tenants.enable': {
      const parent = parentOf(c.args.id);
      return parent === null ? none : { ids: [parent], names: [] };
    }
    default:
      return none;
  }
}

export class PushChunk {
  readonly cache: TenantCache;
  /** The commands' tenant SQL: reads from the cache, writes keep it in step. */
  readonly store: TenantStore;
  /** The commands' other SQL: a write there may touch anything, so it clears the cache. */
  readonly tx: SqlRunner;
  private savepointSet = false;

  /** `defersInserts`: creates wait for the end of the chunk (else each is written at once). */
  constructor(
    private readonly raw: SqlTransaction,
    defersInserts: boolean,
  ) {
    this.cache = new TenantCache(defersInserts);
    this.store = new TenantStore(this.runner(false), this.cache);
    this.tx = this.runner(true);
  }

  /** Reads what the commands will read (tenant rows, tombstones, sibling names) in a few queries. */
  async prefetch(commands: Command[]): Promise<void> {
    const first = commands.map(firstReads);
    await this.store.prefetch(
      first.flatMap((r) => r.ids),
      first.flatMap((r) => r.names),
    );
    const second = commands.map((c) => secondReads(c, this.cache));
    await this.store.prefetch(
      second.flatMap((r) => r.ids),
      second.flatMap((r) => r.names),
    );
  }

  /** Mutation `index` of the chunk starts. */
  begin(index: number): void {
    this.cache.current = index;
    this.savepointSet = false;
  }

  /** Undoes the running mutation: what it sent (back to its savepoint) and what it deferred. */
  async undo(): Promise<void> {
    const sent = this.savepointSet;
    if (sent) await this.raw.rollbackToSavepoint();
    const deferred = this.cache.dropPendingOf(this.cache.current);
    // The cache may hold rows as that mutation left them.
    if (sent || deferred) this.cache.forget();
  }

  /** Sends every deferred write: call before writing the results and committing. */
  async finish(): Promise<void> {
    this.cache.current = -1;
    await this.flush();
    await writePendingLog(this.raw, this.cache);
  }

  /** Sends the deferred creates (of the mutations before `before`; all when absent). */
  private async flush(before?: number): Promise<void> {
    try {
      await writePendingTenants(this.raw, this.cache, before);
    } catch (err) {
      if (isConstraintError(err)) throw new DeferredWriteConflict(err);
      throw err;
    }
  }

  /**
   * Before a statement of the running mutation: the deferred creates go first (the statement may
   * read them), the earlier mutations' ones outside this mutation's savepoint; the savepoint is set
   * once the mutation writes or must send a create of its own.
   */
  private async before(sql: string, forgets: boolean): Promise<void> {
    const writes = !isRead(sql);
    const current = this.cache.current;
    if (current >= 0 && !this.savepointSet && (writes || this.cache.hasPendingTenantsOf(current))) {
      await this.flush(current);
      await this.raw.savepoint();
      this.savepointSet = true;
    }
    await this.flush();
    if (writes && forgets) this.cache.forget();
  }

  private runner(forgets: boolean): SqlRunner {
    return {
      all: async <T>(sql: string, params?: readonly SqlValue[]) => {
        await this.before(sql, forgets);
        return this.raw.all<T>(sql, params);
      },
      get: async <T>(sql: string, params?: readonly SqlValue[]) => {
        await this.before(sql, forgets);
        return this.raw.get<T>(sql, params);
      },
      run: async (sql: string, params?: readonly SqlValue[]) => {
        await this.before(sql, forgets);
        return this.raw.run(sql, params);
      },
    };
  }
}
