/**
 * kill -9 of the browser host in the middle of a stream of tenant mutations, while a central
 * server is configured (so every mutation is also appended to `sync_outbox` in its transaction).
 * After each kill: integrity_check passes, every acknowledged mutation has both its change and its
 * outbox row, no change exists without its row and no row without its change, and mutation ids and
 * clock stamps only go up. At the end the outbox reaches a real central server, nothing lost.
 */
import Database from 'better-sqlite3';
import { describe, expect, it, onTestFinished } from 'vitest';
import { databaseFile } from '../../../electron/app/paths';
import { customer } from '../../support/core';
import {
  callHost,
  killHard,
  startHostProcess,
  tempDataDir,
  type HostProcess,
} from '../../support/host-process';
import { prng, testSeed } from '../../support/prng';
import { serverTenants, startSyncServer } from '../../support/sync-server-process';
import { TcpGate } from '../../support/tcp-gate';

const ROUNDS = 4;
const WORKERS = 3;
/** Upper bound per worker and round; the kill comes long before (about 200 on a busy machine). */
const MAX_OPS = 5000;

interface LocalTenant {
  id: string;
  name: string;
  contactPerson: string;
  disabled: boolean;
  worker: number;
}

interface OutboxRow {
  mutation_id: number;
  command: string;
  args: string;
  hlc: string;
  status: string;
}

interface RoundLog {
  /** Acknowledged mutations in the order each worker got its answer. */
  acked: { key: string; worker: number }[];
  /** Per worker, the mutation whose answer never came (it may or may not be committed). */
  lost: Map<number, string>;
}

interface StreamArgs {
  id?: string;
  name?: string;
  contactPerson?: string;
}

/** One mutation, the same whether read from the stream or from its outbox row. */
function mutationKey(command: string, args: StreamArgs): string {
  if (command === 'tenants.create') return `create ${args.name ?? ''}`;
  if (command === 'tenants.update') return `update ${args.id ?? ''} ${args.name ?? ''}`;
  if (command === 'tenants.disable') return `disable ${args.id ?? ''}`;
  return `${command} ${JSON.stringify(args)}`;
}

const workerOf = (name: string) => Number(/ W(\d+) /.exec(name)?.[1] ?? -1);

/** The tenants that replaying the outbox from the start produces (what the server will hold). */
function replay(rows: OutboxRow[]): Map<string, Omit<LocalTenant, 'worker'>> {
  const out = new Map<string, Omit<LocalTenant, 'worker'>>();
  for (const r of rows) {
    const args = JSON.parse(r.args) as StreamArgs;
    const id = args.id ?? '';
    const t = out.get(id);
    if (r.command === 'tenants.create')
      out.set(id, {
        id,
        name: args.name ?? '',
        contactPerson: args.contactPerson ?? '',
        disabled: false,
      });
    else if (r.command === 'tenants.update' && t)
      out.set(id, {
        ...t,
        ...(args.name !== undefined ? { name: args.name } : {}),
        ...(args.contactPerson !== undefined ? { contactPerson: args.contactPerson } : {}),
      });
    else if (r.command === 'tenants.disable' && t) out.set(id, { ...t, disabled: true });
    else throw new Error(`unexpected outbox row ${r.command} ${r.args}`);
  }
  return out;
}

/** One worker's stream: creates, updates and disables of its own customers until the kill. */
async function stream(
  host: HostProcess,
  worker: number,
  round: number,
  tenants: LocalTenant[],
  random: () => number,
  log: RoundLog,
): Promise<void> {
  for (let n = 0; n < MAX_OPS; n++) {
    const mine = tenants.filter((t) => t.worker === worker);
    const live = mine.filter((t) => !t.disabled);
    const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)] as T;
    const r = random();
    const name = `R${round} W${worker} N${n}`;
    let method: string;
    let input: StreamArgs & Record<string, unknown>;
    if (mine.length < 2 || r < 0.35) {
      method = 'tenants.create';
      input = customer(name, { contactPerson: `Contact ${name}` });
    } else if (r < 0.85 || live.length === 0) {
      method = 'tenants.update';
      input = { id: pick(mine).id, name, contactPerson: `Contact ${name}` };
    } else {
      method = 'tenants.disable';
      input = { id: pick(live).id };
    }
    const key = mutationKey(method, input);
    log.lost.set(worker, key);
    const answer = await callHost(host, method, input);
    if (answer === 'lost') return;
    const body = answer.body as { ok: boolean; result?: { id: string } };
    if (answer.status !== 200 || !body.ok)
      throw new Error(`${method} failed: ${answer.status} ${JSON.stringify(answer.body)}`);
    log.lost.delete(worker);
    log.acked.push({ key, worker });
    if (method === 'tenants.create')
      tenants.push({
        id: body.result?.id ?? '',
        name,
        contactPerson: `Contact ${name}`,
        disabled: false,
        worker,
      });
    else {
      const t = tenants.find((x) => x.id === input.id);
      if (t && method === 'tenants.update')
        Object.assign(t, { name, contactPerson: `Contact ${name}` });
      if (t && method === 'tenants.disable') t.disabled = true;
    }
  }
}

describe('durability of the sync outbox under kill -9', () => {
  it('every acknowledged mutation has its change and its outbox row, and the outbox still reaches the server', async () => {
    const seed = testSeed();
    const random = prng(seed);
    const context = `seed ${seed} (replay with VMS_TEST_SEED=${seed})`;
    // Cleanup that runs even when the test fails or times out: no process outlives it.
    const server = await startSyncServer();
    onTestFinished(() => server.stop());
    const gate = new TcpGate(Number(new URL(server.url).port));
    onTestFinished(() => gate.close());
    const gateUrl = `http://127.0.0.1:${await gate.listen()}`;
    const dataDir = tempDataDir();
    const db = () => new Database(databaseFile(dataDir));
    const start = async () => {
      const started = await startHostProcess({ dataDir });
      onTestFinished(async () => void (await started.stop()));
      return started;
    };
    let host = await start();
    const connected = await callHost(host, 'sync.connect', {
      serverUrl: gateUrl,
      email: server.email,
      password: server.password,
    });
    expect(connected !== 'lost' && connected.status, context).toBe(200);
    // The first pull is done: from here on, with the gate shut, mutations only queue up.
    const firstSync = Date.now() + 15_000;
    for (;;) {
      const s = await callHost(host, 'sync.status', {});
      if (s !== 'lost' && (s.body as { result?: { phase?: string } }).result?.phase === 'synced')
        break;
      if (Date.now() > firstSync) throw new Error('the first sync did not finish');
      await new Promise((r) => setTimeout(r, 50));
    }
    gate.setOpen(false);
    const before = db();
    const baseline = new Set(
      (before.prepare('SELECT id FROM tenants').all() as { id: string }[]).map((r) => r.id),
    );
    before.close();

    let tenants: LocalTenant[] = [];
    let previous: OutboxRow[] = [];
    const kills: string[] = [];
    let ackedTotal = 0;
    for (let round = 0; round < ROUNDS; round++) {
      if (round > 0) host = await start();
      const log: RoundLog = { acked: [], lost: new Map() };
      const delay = Math.round(150 + random() * 1200);
      const workers = Array.from({ length: WORKERS }, (_, w) =>
        stream(host, w, round, tenants, random, log),
      );
      await new Promise((r) => setTimeout(r, delay));
      await killHard(host);
      await Promise.all(workers);
      ackedTotal += log.acked.length;

      const file = db();
      try {
        expect(file.pragma('integrity_check', { simple: true }), context).toBe('ok');
        expect(file.pragma('foreign_key_check'), context).toEqual([]);
        const rows = file
          .prepare(
            'SELECT mutation_id, command, args, hlc, status FROM sync_outbox ORDER BY mutation_id',
          )
          .all() as OutboxRow[];
        // Rows of earlier rounds are untouched (nothing was pushed: the gate is shut).
        expect(rows.slice(0, previous.length), context).toEqual(previous);
        expect(new Set(rows.map((r) => r.status)), context).toEqual(
          new Set(rows.length ? ['pending'] : []),
        );
        // Ids and clock stamps strictly increasing, ids never reused, no mutation twice.
        for (let i = 1; i < rows.length; i++) {
          const [a, b] = [rows[i - 1], rows[i]] as [OutboxRow, OutboxRow];
          expect(b.mutation_id, context).toBeGreaterThan(a.mutation_id);
          expect(b.hlc > a.hlc, `${context}: hlc ${a.hlc} then ${b.hlc}`).toBe(true);
        }
        const keys = rows.map((r) => mutationKey(r.command, JSON.parse(r.args) as StreamArgs));
        expect(new Set(keys).size, context).toBe(keys.length);
        const sequence = file
          .prepare("SELECT seq FROM sqlite_sequence WHERE name = 'sync_outbox'")
          .get() as { seq: number } | undefined;
        expect(sequence?.seq ?? 0, context).toBe(rows.at(-1)?.mutation_id ?? 0);

        // This round's rows are exactly the acknowledged mutations, plus at most the one each
        // worker had in flight when the kill came; each worker's rows keep its order.
        const fresh = keys.slice(previous.length);
        const position = new Map(fresh.map((k, i) => [k, i]));
        for (const a of log.acked)
          expect(position.has(a.key), `${context}: acknowledged ${a.key} has no outbox row`).toBe(
            true,
          );
        const acked = new Set(log.acked.map((a) => a.key));
        const inFlight = new Set(log.lost.values());
        for (const k of fresh)
          expect(
            acked.has(k) || inFlight.has(k),
            `${context}: outbox row ${k} was never sent`,
          ).toBe(true);
        for (let w = 0; w < WORKERS; w++) {
          const order = log.acked
            .filter((a) => a.worker === w)
            .map((a) => position.get(a.key) ?? -1);
          expect(order, context).toEqual([...order].sort((x, y) => x - y));
        }

        // The tenants table is exactly what the outbox says: no change without its row, no
        // row without its change.
        const expected = replay(rows);
        const actual = new Map(
          (
            file.prepare('SELECT id, name, contact_person, own_disabled FROM tenants').all() as {
              id: string;
              name: string;
              contact_person: string;
              own_disabled: number;
            }[]
          )
            .filter((t) => !baseline.has(t.id))
            .map((t) => [
              t.id,
              {
                id: t.id,
                name: t.name,
                contactPerson: t.contact_person,
                disabled: t.own_disabled === 1,
              },
            ]),
        );
        const mismatches = [...new Set([...actual.keys(), ...expected.keys()])]
          .filter((id) => JSON.stringify(actual.get(id)) !== JSON.stringify(expected.get(id)))
          .map(
            (id) =>
              `${id}: table ${JSON.stringify(actual.get(id))}, outbox ${JSON.stringify(expected.get(id))}`,
          );
        expect(mismatches, `${context}: round ${round}`).toEqual([]);
        const committedUnanswered = [...inFlight].filter((k) => position.has(k)).length;
        kills.push(
          `round ${round}: kill after ${delay} ms, ${log.acked.length} acknowledged, ${committedUnanswered} of ${inFlight.size} unanswered committed`,
        );
        previous = rows;
        tenants = [...expected.values()].map((t) => ({ ...t, worker: workerOf(t.name) }));
      } finally {
        file.close();
      }
    }
    // The kills must have landed mid-stream, with real work acknowledged before them.
    expect(ackedTotal, kills.join('; ')).toBeGreaterThanOrEqual(ROUNDS * 5);

    // Restart with the gate open: the whole outbox goes up, in order, and nothing is lost.
    host = await start();
    gate.setOpen(true);
    const drained = Date.now() + 30_000;
    for (;;) {
      const now = await callHost(host, 'sync.now', {});
      const status = await callHost(host, 'sync.status', {});
      const result =
        status === 'lost'
          ? undefined
          : (status.body as { result?: { phase: string; pending: number } }).result;
      if (now !== 'lost' && result?.phase === 'synced' && result.pending === 0) break;
      if (Date.now() > drained)
        throw new Error(`the outbox did not drain: ${JSON.stringify(result)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const details = await callHost(host, 'sync.details', {});
    expect(
      details !== 'lost' && (details.body as { result: { rejected: unknown[] } }).result.rejected,
      context,
    ).toEqual([]);
    const onServer = new Map((await serverTenants(server)).map((t) => [t.id, t]));
    for (const t of tenants)
      expect(onServer.get(t.id), context).toEqual({
        id: t.id,
        name: t.name,
        ownDisabled: t.disabled,
      });
    const file = db();
    try {
      expect((file.prepare('SELECT COUNT(*) AS n FROM sync_outbox').get() as { n: number }).n).toBe(
        0,
      );
    } finally {
      file.close();
    }
    console.info(`sync outbox durability, ${context}: ${kills.join('; ')}`);
  }, 180_000);
});
