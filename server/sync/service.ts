/**
 * Push and pull. Push applies the mutations of a request in runs, one transaction per run,
 * idempotently (client id + mutation id), after the role, scope and clock checks; a rejected mutation is recorded with its
 * reason and never blocks the ones behind it. Pull returns the current rows of every tenant of the
 * account's subtree logged since the cursor (a snapshot when there is no usable cursor).
 */
import { AppError } from '../../shared/errors';
import { aheadOf, type HybridClock } from '../../shared/sync/hlc';
import type {
  Mutation,
  MutationResult,
  PullResponse,
  PushResponse,
  RowChange,
  SyncTenant,
} from '../../shared/sync/protocol';
import { inSubtree, roleAllows } from '../../shared/sync/roles';
import type { Command } from '../../shared/sync/commands';
import { isConstraintError, type SqlDb, type SqlValue } from '../db/sql';
import type { Principal } from '../auth/accounts';
import { runCommand } from './commands';
import { subtreeHi, toSyncTenant, type ServerTenant } from './store';

export interface SyncOptions {
  maxDriftMs: number;
  now?: () => Date;
}

interface ResultRow {
  mutation_id: number;
  status: 'applied' | 'rejected';
  code: string | null;
  message: string | null;
  overwritten: string | null;
}

const toResult = (r: ResultRow, duplicate: boolean): MutationResult => ({
  id: r.mutation_id,
  status: r.status,
  ...(r.code ? { code: r.code } : {}),
  ...(r.message ? { message: r.message } : {}),
  ...(r.overwritten
    ? { overwritten: JSON.parse(r.overwritten) as MutationResult['overwritten'] }
    : {}),
  ...(duplicate ? { duplicate: true } : {}),
});

type Cursor =
  | { kind: 'snapshot'; base: number; after: string }
  | { kind: 'log'; seq: number; tenant: string | null };

function parseCursor(s: string): Cursor | null {
  let m = /^c:(\d+)$/.exec(s);
  if (m) return { kind: 'log', seq: Number(m[1]), tenant: null };
  m = /^c:(\d+):(.+)$/.exec(s);
  if (m && m[2] !== undefined) return { kind: 'log', seq: Number(m[1]), tenant: m[2] };
  m = /^s:(\d+):(.*)$/.exec(s);
  if (m && m[2] !== undefined) return { kind: 'snapshot', base: Number(m[1]), after: m[2] };
  return null;
}

const IN_CHUNK = 500;
const MAX_REFRESH_ROWS = 50_000;

export class SyncService {
  private readonly now: () => Date;

  constructor(
    private readonly db: SqlDb,
    private readonly clock: HybridClock,
    private readonly options: SyncOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** Binds a client id to the account on first use; returns whether the server knew it. */
  private async claimClient(p: Principal, clientId: string): Promise<boolean> {
    const at = this.now().toISOString();
    const row = await this.db.get<{ account_id: string }>(
      'SELECT account_id FROM sync_clients WHERE client_id = ?',
      [clientId],
    );
    if (row && row.account_id !== p.account.id)
      throw new AppError(
        'CONFLICT',
        'This client id is used by another account. Log out and in again: the app then starts a fresh sync.',
      );
    if (row) {
      await this.db.run('UPDATE sync_clients SET last_seen_at = ? WHERE client_id = ?', [
        at,
        clientId,
      ]);
      return true;
    }
    await this.db.run(
      `INSERT INTO sync_clients (client_id, account_id, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (client_id) DO NOTHING`,
      [clientId, p.account.id, at, at],
    );
    return false;
  }

  async push(p: Principal, clientId: string, mutations: Mutation[]): Promise<PushResponse> {
    await this.claimClient(p, clientId);
    const results: MutationResult[] = [];
    // Runs of mutations go in one transaction each. A mutation that would be rejected (or that
    // repeats an id of the same request) ends the run before it: the run before it is committed
    // on its own, and that mutation takes the one-mutation path, which records its rejection.
    let start = 0;
    let end = mutations.length;
    for (let guard = 0; start < mutations.length && guard < 4 * mutations.length + 4; guard++) {
      const run = mutations.slice(start, end);
      const outcome = run.length > 1 ? await this.pushRun(p, clientId, run) : null;
      if (outcome && outcome.ok) {
        results.push(...outcome.results);
        start = end;
        end = mutations.length;
      } else if (!outcome || outcome.stoppedAt === 0) {
        const first = mutations[start];
        if (first) results.push(await this.pushOne(p, clientId, first));
        start++;
        end = mutations.length;
      } else {
        end = start + outcome.stoppedAt;
      }
    }
    return { results, serverHlc: this.clock.tick() };
  }

  /**
   * Applies a run of mutations in one transaction (one sequence-row update for the run). Answers
   * `stoppedAt` — and commits nothing — at the first mutation that the one-mutation path must
   * handle: a rejection of any kind, or an id repeated inside the run.
   */
  private async pushRun(
    p: Principal,
    clientId: string,
    run: Mutation[],
  ): Promise<{ ok: true; results: MutationResult[] } | { ok: false; stoppedAt: number }> {
    const nowMs = this.now().getTime();
    const ids = new Set<number>();
    for (const [i, m] of run.entries()) {
      const command = { command: m.command, args: m.args } as Command;
      if (
        ids.has(m.id) ||
        aheadOf(m.hlc, nowMs) > this.options.maxDriftMs ||
        !roleAllows(p.account.role, command)
      )
        return { ok: false, stoppedAt: i };
      ids.add(m.id);
    }
    class Stop extends Error {
      constructor(readonly at: number) {
        super('stop');
      }
    }
    try {
      const results = await this.db.transaction(async (tx) => {
        // The sequence row lock first (held until commit), so a concurrent retry waits here.
        await tx.get(`SELECT value FROM sync_seq WHERE id = 1${this.db.forUpdate}`);
        // Already answered (a retry): their stored results, taking no sequence number.
        const seen = new Map<number, ResultRow>();
        for (let i = 0; i < run.length; i += IN_CHUNK) {
          const chunk = run.slice(i, i + IN_CHUNK).map((m) => m.id);
          const rows = await tx.all<ResultRow>(
            `SELECT mutation_id, status, code, message, overwritten FROM mutation_results
             WHERE client_id = ? AND mutation_id IN (${chunk.map(() => '?').join(', ')})`,
            [clientId, ...chunk],
          );
          for (const r of rows) seen.set(Number(r.mutation_id), r);
        }
        const fresh = run.filter((m) => !seen.has(m.id)).length;
        // One update of the sequence row for the whole run.
        const seqRow = await tx.get<{ value: number }>(
          'UPDATE sync_seq SET value = value + ? WHERE id = 1 RETURNING value',
          [fresh],
        );
        if (!seqRow) throw new Error('sync_seq row is missing');
        let seq = Number(seqRow.value) - fresh;
        const now = this.now().toISOString();
        const out: MutationResult[] = [];
        const rows: SqlValue[][] = [];
        for (const [i, m] of run.entries()) {
          const stored = seen.get(m.id);
          if (stored) {
            out.push(toResult(stored, true));
            continue;
          }
          seq++;
          let lost: { field: string; by: string }[];
          try {
            lost = (
              await runCommand({ tx, scopePath: p.scopePath, seq, hlc: m.hlc, now }, {
                command: m.command,
                args: m.args,
              } as Command)
            ).lost;
          } catch (err) {
            if (err instanceof AppError || isConstraintError(err)) throw new Stop(i);
            throw err;
          }
          rows.push([
            clientId,
            m.id,
            p.account.id,
            m.command,
            seq,
            lost.length ? JSON.stringify(lost) : null,
            now,
          ]);
          out.push({ id: m.id, status: 'applied', ...(lost.length ? { overwritten: lost } : {}) });
        }
        for (let i = 0; i < rows.length; i += 100) {
          const chunk = rows.slice(i, i + 100);
          await tx.run(
            `INSERT INTO mutation_results (client_id, mutation_id, account_id, command, seq, status, code, message, overwritten, at)
             VALUES ${chunk.map(() => "(?, ?, ?, ?, ?, 'applied', NULL, NULL, ?, ?)").join(', ')}`,
            chunk.flat(),
          );
        }
        return out;
      });
      for (const [i, r] of results.entries()) {
        const m = run[i];
        if (!m || r.duplicate) continue;
        try {
          this.clock.receive(m.hlc);
        } catch {
          // Checked above against the drift allowance.
        }
      }
      return { ok: true, results };
    } catch (err) {
      if (err instanceof Stop) return { ok: false, stoppedAt: err.at };
      // A concurrent retry of the same mutations committed first: take the one-by-one path.
      if (isConstraintError(err)) return { ok: false, stoppedAt: 0 };
      throw err;
    }
  }

  private async recordRejection(
    p: Principal,
    clientId: string,
    m: Mutation,
    code: string,
    message: string,
  ): Promise<MutationResult> {
    await this.db.run(
      `INSERT INTO mutation_results (client_id, mutation_id, account_id, command, seq, status, code, message, overwritten, at)
       VALUES (?, ?, ?, ?, NULL, 'rejected', ?, ?, NULL, ?) ON CONFLICT (client_id, mutation_id) DO NOTHING`,
      [clientId, m.id, p.account.id, m.command, code, message, this.now().toISOString()],
    );
    return { id: m.id, status: 'rejected', code, message };
  }

  private async pushOne(p: Principal, clientId: string, m: Mutation): Promise<MutationResult> {
    const seen = await this.db.get<ResultRow>(
      'SELECT mutation_id, status, code, message, overwritten FROM mutation_results WHERE client_id = ? AND mutation_id = ?',
      [clientId, m.id],
    );
    if (seen) return toResult(seen, true);
    const ahead = aheadOf(m.hlc, this.now().getTime());
    if (ahead > this.options.maxDriftMs)
      return this.recordRejection(
        p,
        clientId,
        m,
        'CLOCK_DRIFT',
        `This change is stamped ${Math.round(ahead / 1000)} s in the future: check the date and time of the computer that made it.`,
      );
    const command = { command: m.command, args: m.args } as Command;
    if (!roleAllows(p.account.role, command))
      return this.recordRejection(
        p,
        clientId,
        m,
        'FORBIDDEN',
        `Your role (${p.account.role}) may not run ${m.command}.`,
      );
    try {
      const outcome = await this.db.transaction<
        { duplicate: ResultRow } | { lost: { field: string; by: string }[] }
      >(async (tx) => {
        // The sequence row lock serializes mutations and their change-log appends until commit.
        const seqRow = await tx.get<{ value: number }>(
          'UPDATE sync_seq SET value = value + 1 WHERE id = 1 RETURNING value',
        );
        if (!seqRow) throw new Error('sync_seq row is missing');
        const again = await tx.get<ResultRow>(
          'SELECT mutation_id, status, code, message, overwritten FROM mutation_results WHERE client_id = ? AND mutation_id = ?',
          [clientId, m.id],
        );
        if (again) return { duplicate: again };
        const now = this.now().toISOString();
        const result = await runCommand(
          { tx, scopePath: p.scopePath, seq: seqRow.value, hlc: m.hlc, now },
          command,
        );
        await tx.run(
          `INSERT INTO mutation_results (client_id, mutation_id, account_id, command, seq, status, code, message, overwritten, at)
           VALUES (?, ?, ?, ?, ?, 'applied', NULL, NULL, ?, ?)`,
          [
            clientId,
            m.id,
            p.account.id,
            m.command,
            seqRow.value,
            result.lost.length ? JSON.stringify(result.lost) : null,
            now,
          ],
        );
        return { lost: result.lost };
      });
      if ('duplicate' in outcome) return toResult(outcome.duplicate, true);
      try {
        this.clock.receive(m.hlc);
      } catch {
        // Checked above against the drift allowance; nothing else can make it throw.
      }
      return {
        id: m.id,
        status: 'applied',
        ...(outcome.lost.length ? { overwritten: outcome.lost } : {}),
      };
    } catch (err) {
      if (err instanceof AppError)
        return this.recordRejection(p, clientId, m, err.code, err.message);
      if (isConstraintError(err))
        return this.recordRejection(
          p,
          clientId,
          m,
          'CONFLICT',
          'This change conflicts with data changed meanwhile (a name already used?).',
        );
      throw err;
    }
  }

  private async rowsById(ids: string[]): Promise<Map<string, ServerTenant>> {
    const out = new Map<string, ServerTenant>();
    for (let i = 0; i < ids.length; i += IN_CHUNK) {
      const chunk = ids.slice(i, i + IN_CHUNK);
      const rows = await this.db.all<ServerTenant>(
        `SELECT * FROM tenants WHERE id IN (${chunk.map(() => '?').join(', ')})`,
        chunk,
      );
      for (const r of rows) out.set(r.id, r);
    }
    return out;
  }

  private async subtreeRows(path: string, limit: number): Promise<ServerTenant[]> {
    return this.db.all<ServerTenant>(
      'SELECT * FROM tenants WHERE path >= ? AND path < ? ORDER BY path LIMIT ?',
      [path, subtreeHi(path), limit],
    );
  }

  async pull(
    p: Principal,
    req: {
      clientId: string;
      cursor: string;
      refresh: { id: string; subtree: boolean }[];
      limit: number;
    },
  ): Promise<PullResponse> {
    const known = await this.claimClient(p, req.clientId);
    const scope = p.scopePath;
    const head =
      (await this.db.get<{ value: number }>('SELECT value FROM sync_seq WHERE id = 1'))?.value ?? 0;
    const chainIds = scope.split('/').filter(Boolean);
    const chainRows = await this.rowsById(chainIds);
    const chain = chainIds
      .map((id) => chainRows.get(id))
      .filter((r): r is ServerTenant => r !== undefined)
      .map(toSyncTenant);

    const changes = new Map<string, RowChange>();
    const put = (id: string, row: ServerTenant | undefined) => {
      changes.set(
        id,
        row && inSubtree(row.path, scope)
          ? { op: 'upsert', row: toSyncTenant(row) }
          : { op: 'delete', id },
      );
    };

    let cursor = parseCursor(req.cursor);
    // An unknown client, a cursor from another server (or before a restore): start over.
    const usable =
      known &&
      cursor !== null &&
      (cursor.kind === 'log' ? cursor.seq <= head : cursor.base <= head);
    if (!usable) cursor = { kind: 'snapshot', base: head, after: '' };
    let next: string;
    let more: boolean;
    let snapshotDone = false;
    const snapshot = cursor?.kind === 'snapshot';
    if (!cursor || cursor.kind === 'snapshot') {
      const base = cursor?.base ?? head;
      const after = cursor?.after ?? '';
      const rows = await this.db.all<ServerTenant>(
        'SELECT * FROM tenants WHERE path >= ? AND path > ? AND path < ? ORDER BY path LIMIT ?',
        [scope, after, subtreeHi(scope), req.limit],
      );
      for (const r of rows) put(r.id, r);
      const last = rows[rows.length - 1];
      if (rows.length === req.limit && last) {
        next = `s:${base}:${last.path}`;
        more = true;
      } else {
        next = `c:${base}`;
        more = base < head;
        snapshotDone = true;
      }
    } else {
      const range = [scope, subtreeHi(scope), scope, subtreeHi(scope)];
      const scopeFilter = '((path >= ? AND path < ?) OR (old_path >= ? AND old_path < ?))';
      const entries =
        cursor.tenant === null
          ? await this.db.all<{ seq: number; tenant_id: string }>(
              `SELECT seq, tenant_id FROM change_log WHERE seq > ? AND ${scopeFilter}
               ORDER BY seq, tenant_id LIMIT ?`,
              [cursor.seq, ...range, req.limit],
            )
          : await this.db.all<{ seq: number; tenant_id: string }>(
              `SELECT seq, tenant_id FROM change_log WHERE (seq, tenant_id) > (?, ?) AND ${scopeFilter}
               ORDER BY seq, tenant_id LIMIT ?`,
              [cursor.seq, cursor.tenant, ...range, req.limit],
            );
      const ids = [...new Set(entries.map((e) => e.tenant_id))];
      const rows = await this.rowsById(ids);
      for (const id of ids) put(id, rows.get(id));
      const last = entries[entries.length - 1];
      more = entries.length === req.limit;
      if (more && last) next = `c:${last.seq}:${last.tenant_id}`;
      else next = `c:${Math.max(head, last?.seq ?? 0, cursor.seq)}`;
    }

    for (const r of req.refresh) {
      const row = (await this.rowsById([r.id])).get(r.id);
      if (!row || !inSubtree(row.path, scope)) {
        changes.set(r.id, { op: 'delete', id: r.id });
        continue;
      }
      const rows = r.subtree ? await this.subtreeRows(row.path, MAX_REFRESH_ROWS) : [row];
      for (const x of rows) put(x.id, x);
    }

    const list = [...changes.values()];
    const deletes = list.filter((c) => c.op === 'delete');
    const upserts = list
      .filter((c): c is { op: 'upsert'; row: SyncTenant } => c.op === 'upsert')
      .sort((a, b) => a.row.depth - b.row.depth || (a.row.path < b.row.path ? -1 : 1));
    return {
      changes: [...deletes, ...upserts],
      cursor: next,
      more,
      snapshot,
      snapshotDone,
      chain,
      serverHlc: this.clock.tick(),
    };
  }
}
