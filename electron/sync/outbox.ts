import type { Db } from '../db/connection';
import type { CommandArgs, CommandName } from '../../shared/sync/commands';
import type { Mutation, MutationResult } from '../../shared/sync/protocol';
import { parseCommand } from '../../shared/sync/commands';

export interface OutboxEntry {
  mutationId: number;
  command: string;
  args: unknown;
  hlc: string;
  createdAt: string;
  status: 'pending' | 'applied' | 'rejected';
  code: string | null;
  message: string | null;
  overwritten: { field: string; by: string }[] | null;
}

interface OutboxRow {
  mutation_id: number;
  command: string;
  args: string;
  hlc: string;
  created_at: string;
  status: OutboxEntry['status'];
  code: string | null;
  message: string | null;
  overwritten: string | null;
}

const toEntry = (r: OutboxRow): OutboxEntry => ({
  mutationId: r.mutation_id,
  command: r.command,
  args: JSON.parse(r.args) as unknown,
  hlc: r.hlc,
  createdAt: r.created_at,
  status: r.status,
  code: r.code,
  message: r.message,
  overwritten: r.overwritten ? (JSON.parse(r.overwritten) as OutboxEntry['overwritten']) : null,
});

/**
 * The outbox: every local mutation waiting for the server, in order. Answered entries leave it,
 * except rejected ones and ones that lost fields to a newer edit: the Sync screen shows those.
 */
export class Outbox {
  constructor(private readonly db: Db) {}

  append<C extends CommandName>(command: C, args: CommandArgs<C>, hlc: string, now: string): void {
    this.db
      .prepare('INSERT INTO sync_outbox (command, args, hlc, created_at) VALUES (?, ?, ?, ?)')
      .run(command, JSON.stringify(args), hlc, now);
  }

  pending(limit = 1_000_000): OutboxEntry[] {
    return (
      this.db
        .prepare("SELECT * FROM sync_outbox WHERE status = 'pending' ORDER BY mutation_id LIMIT ?")
        .all(limit) as OutboxRow[]
    ).map(toEntry);
  }

  pendingCount(): number {
    return (
      this.db.prepare("SELECT COUNT(*) AS n FROM sync_outbox WHERE status = 'pending'").get() as {
        n: number;
      }
    ).n;
  }

  /** Entries as pushed; an entry whose arguments no longer parse is rejected locally. */
  toMutations(entries: OutboxEntry[], now: string): Mutation[] {
    const out: Mutation[] = [];
    for (const e of entries) {
      const c = parseCommand(e.command, e.args);
      if (!c) {
        this.answer(
          {
            id: e.mutationId,
            status: 'rejected',
            code: 'VALIDATION',
            message: `The recorded change ${e.command} is not valid any more.`,
          },
          now,
        );
        continue;
      }
      out.push({ id: e.mutationId, hlc: e.hlc, ...c } as Mutation);
    }
    return out;
  }

  answer(r: MutationResult, now: string): void {
    if (r.status === 'applied' && !r.overwritten?.length) {
      this.db.prepare('DELETE FROM sync_outbox WHERE mutation_id = ?').run(r.id);
      return;
    }
    this.db
      .prepare(
        'UPDATE sync_outbox SET status = ?, code = ?, message = ?, overwritten = ?, answered_at = ? WHERE mutation_id = ?',
      )
      .run(
        r.status,
        r.code ?? null,
        r.message ?? null,
        r.overwritten?.length ? JSON.stringify(r.overwritten) : null,
        now,
        r.id,
      );
  }

  /** Rejected and partly overwritten mutations, newest first, for the Sync screen. */
  answered(limit = 200): OutboxEntry[] {
    return (
      this.db
        .prepare(
          "SELECT * FROM sync_outbox WHERE status != 'pending' ORDER BY mutation_id DESC LIMIT ?",
        )
        .all(limit) as OutboxRow[]
    ).map(toEntry);
  }

  clear(): void {
    this.db.prepare('DELETE FROM sync_outbox').run();
  }
}
