/**
 * Fault injection with real processes, on SQLite and PostgreSQL: the desktop killed (SIGKILL) in
 * the middle of a push, the server killed in the middle of a commit, and a TCP proxy that drops
 * connections and delays data at random. Afterwards the server holds every mutation exactly once
 * and the desktop's data equals the server's.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openServerDatabase } from '../../../server/db/open';
import { dropSchema } from '../../../server/db/postgres';
import type { SqlDb } from '../../../server/db/sql';
import { openTestCore, type TestCore } from '../../support/core';
import {
  initFaultServer,
  TSX_ARGS,
  killProcess,
  newFaultServerConfig,
  startFaultServer,
  type FaultServer,
  type FaultServerConfig,
} from '../../support/sync-fault-server';
import { ADMIN, backends, postgresUrl, startTestServer, type Backend } from './support';

const DESKTOP = path.resolve('test/support/sync-fault-desktop.ts');
const list = await backends();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A small seeded PRNG (mulberry32): a failing run can be replayed with its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Desktop {
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>;
  kill(): Promise<void>;
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpExecArray | null>;
  output(): string;
}

/** The desktop side in a child process (test/support/sync-fault-desktop.ts). */
function runDesktop(dataDir: string, serverUrl: string, args: string[]): Desktop {
  const child = spawn(
    process.execPath,
    [...TSX_ARGS, DESKTOP, dataDir, serverUrl, ADMIN.email, ADMIN.password, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>(
    (resolve) => child.once('exit', (code, signal) => resolve({ code, signal, out })),
  );
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  return {
    done,
    kill: () => killProcess(child, 'SIGKILL'),
    output: () => out,
    async waitFor(re, timeoutMs) {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        const m = re.exec(out);
        if (m) return m;
        if (exited()) return re.exec(out);
        await sleep(5);
      }
      return null;
    },
  };
}

async function finishDesktop(d: Desktop, timeoutMs: number) {
  const timer = sleep(timeoutMs).then(() => null);
  const r = await Promise.race([d.done, timer]);
  if (!r) {
    await d.kill();
    throw new Error(`desktop did not finish in ${timeoutMs} ms:\n${d.output()}`);
  }
  return r;
}

interface TenantRow {
  id: string;
  kind: string;
  parent_id: string | null;
  name: string;
  email: string;
  own_disabled: number;
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

async function openConfigDb(config: FaultServerConfig): Promise<SqlDb> {
  return openServerDatabase({
    dataDir: config.dataDir,
    ...(config.pg ? { url: config.pg.url, schema: config.pg.schema } : {}),
  });
}

/** What the server holds: the tenants, and per applied mutation how often it was applied. */
async function serverState(db: SqlDb) {
  const tenants = (
    await db.all<TenantRow>(
      "SELECT id, kind, parent_id, name, email, own_disabled FROM tenants WHERE kind != 'root'",
    )
  ).sort(byId);
  const applied = await db.get<{ n: number; seqs: number }>(
    "SELECT COUNT(*) AS n, COUNT(DISTINCT seq) AS seqs FROM mutation_results WHERE status = 'applied'",
  );
  const rejected = await db.get<{ n: number }>(
    "SELECT COUNT(*) AS n FROM mutation_results WHERE status != 'applied'",
  );
  const logged = await db.all<{ tenant_id: string; n: number }>(
    'SELECT tenant_id, COUNT(*) AS n FROM change_log GROUP BY tenant_id HAVING COUNT(*) > 1',
  );
  const changes = await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM change_log');
  const head = await db.get<{ value: number }>('SELECT value FROM sync_seq WHERE id = 1');
  return {
    tenants,
    applied: Number(applied?.n ?? 0),
    distinctSeqs: Number(applied?.seqs ?? 0),
    rejected: Number(rejected?.n ?? 0),
    /** Tenants logged more than once (each create-only workload logs a tenant once). */
    loggedTwice: logged.length,
    changeLog: Number(changes?.n ?? 0),
    head: Number(head?.value ?? 0),
  };
}

async function withFaultServer(
  backend: Backend,
  fn: (config: FaultServerConfig, first: FaultServer) => Promise<void>,
): Promise<void> {
  const config = newFaultServerConfig(backend === 'postgres' ? await postgresUrl() : null);
  const servers: FaultServer[] = [];
  try {
    initFaultServer(config, ADMIN);
    const first = await startFaultServer(config);
    servers.push(first);
    await fn(config, first);
  } finally {
    for (const s of servers) await killProcess(s.child, 'SIGTERM');
    if (config.pg) await dropSchema(config.pg.url, config.pg.schema).catch(() => undefined);
    fs.rmSync(config.dataDir, { recursive: true, force: true });
  }
}

const desktopDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'vms-fault-desktop-'));

const parseTenants = (out: string): TenantRow[] => {
  const m = /^TENANTS (.*)$/m.exec(out);
  if (!m?.[1]) throw new Error(`no TENANTS line:\n${out}`);
  return (JSON.parse(m[1]) as TenantRow[]).sort(byId);
};

describe.each(list)('sync faults with real processes on %s', (backend) => {
  it('survives kill -9 of the desktop in the middle of a push', { timeout: 180_000 }, async () => {
    await withFaultServer(backend, async (config, server) => {
      const dir = desktopDir();
      const N = 1500;
      try {
        const first = runDesktop(dir, server.url, ['create', String(N), 'Kill']);
        const seen = await first.waitFor(/^PUSH 2 /m, 120_000);
        expect(seen, first.output()).not.toBeNull();
        await sleep(Math.floor(Math.random() * 40));
        await first.kill();
        const killed = await first.done;
        expect(killed.signal, killed.out).toBe('SIGKILL');

        const db = await openConfigDb(config);
        try {
          const before = await serverState(db);
          // Batch 1 is in; the kill came while later ones were on their way or being applied.
          expect(before.applied).toBeGreaterThanOrEqual(500);
          expect(before.applied).toBeLessThan(N);

          const again = runDesktop(dir, server.url, ['sync']);
          const r = await finishDesktop(again, 120_000);
          expect(r.code, r.out).toBe(0);
          expect(r.out).toMatch(/^PENDING 0 /m);
          const after = await serverState(db);
          expect(after.applied).toBe(N);
          expect(after.distinctSeqs).toBe(N);
          expect(after.rejected).toBe(0);
          expect(after.loggedTwice).toBe(0);
          // A re-push racing the killed desktop's request may use up sequence numbers: gaps only.
          expect(after.head).toBeGreaterThanOrEqual(N);
          expect(after.tenants.filter((t) => t.name.startsWith('Kill '))).toHaveLength(N);
          expect(parseTenants(r.out)).toEqual(after.tenants);
        } finally {
          await db.close();
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it('survives kill -9 of the server in the middle of a commit', { timeout: 180_000 }, async () => {
    await withFaultServer(backend, async (config, server) => {
      const dir = desktopDir();
      const N = 3000;
      let restarted: FaultServer | undefined;
      try {
        const desktop = runDesktop(dir, server.url, ['create', String(N), 'Crash']);
        const seen = await desktop.waitFor(/^PUSH 2 /m, 120_000);
        expect(seen, desktop.output()).not.toBeNull();
        // Kill while a later batch is being applied (progress polled straight in the database).
        const watch = await openConfigDb(config);
        try {
          const until = Date.now() + 30_000;
          for (;;) {
            const row = await watch.get<{ n: number }>(
              "SELECT COUNT(*) AS n FROM mutation_results WHERE status = 'applied'",
            );
            if (Number(row?.n ?? 0) >= 1000 || Date.now() > until) break;
          }
          // Batches 1 and 2 are committed; the next one is on its way or inside its transaction.
          await sleep(Math.floor(Math.random() * 20));
          server.child.kill('SIGKILL');
          await killProcess(server.child, 'SIGKILL');
        } finally {
          await watch.close();
        }
        const failed = await finishDesktop(desktop, 60_000);
        expect(failed.code, failed.out).toBe(0);
        expect(failed.out).toMatch(/^SYNCED \{"ok":false/m);

        restarted = await startFaultServer(config, server.port);
        const db = await openConfigDb(config);
        try {
          const before = await serverState(db);
          expect(before.applied).toBeGreaterThanOrEqual(1000);
          expect(before.applied).toBeLessThan(N);
          expect(before.distinctSeqs).toBe(before.applied);
          expect(before.loggedTwice).toBe(0);

          const again = runDesktop(dir, restarted.url, ['sync']);
          const r = await finishDesktop(again, 120_000);
          expect(r.code, r.out).toBe(0);
          expect(r.out).toMatch(/^PENDING 0 /m);
          const after = await serverState(db);
          expect(after.applied).toBe(N);
          expect(after.distinctSeqs).toBe(N);
          expect(after.rejected).toBe(0);
          expect(after.loggedTwice).toBe(0);
          expect(after.tenants.filter((t) => t.name.startsWith('Crash '))).toHaveLength(N);
          expect(parseTenants(r.out)).toEqual(after.tenants);
        } finally {
          await db.close();
        }
      } finally {
        if (restarted) await killProcess(restarted.child, 'SIGTERM');
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it(
    'keeps syncing through a proxy that drops connections and delays data',
    { timeout: 180_000 },
    async () => {
      const seed = Number(process.env.SYNC_FAULT_SEED ?? Date.now() % 1_000_000);
      const rng = prng(seed);
      await withFaultServer(backend, async (config, server) => {
        const proxy = new FaultProxy(server.port, rng);
        const clean = await startTestServer(backend);
        const cores: TestCore[] = [];
        try {
          const proxyUrl = `http://127.0.0.1:${await proxy.listen()}`;
          // The same workload twice: through the faulty proxy, and straight to a clean server.
          const faulty = openTestCore();
          cores.push(faulty);
          await faulty.sync.connect(proxyUrl, ADMIN.email, ADMIN.password);
          proxy.faulty = true;
          await workload(faulty, async () => {
            await faulty.sync.syncOnce();
          });
          const deadline = Date.now() + 90_000;
          let report = await faulty.sync.syncOnce();
          while ((!report.ok || faulty.sync.outbox.pendingCount() > 0) && Date.now() < deadline) {
            report = await faulty.sync.syncOnce();
          }
          expect(report.ok, `seed ${seed}: ${report.error ?? ''}`).toBe(true);
          expect(faulty.sync.outbox.pendingCount()).toBe(0);
          expect(proxy.drops, `seed ${seed}`).toBeGreaterThan(0);

          const reference = openTestCore();
          cores.push(reference);
          await reference.sync.connect(clean.url, ADMIN.email, ADMIN.password);
          await workload(reference, async () => {
            expect((await reference.sync.syncOnce()).ok).toBe(true);
          });
          expect((await reference.sync.syncOnce()).ok).toBe(true);

          const db = await openConfigDb(config);
          try {
            const got = await serverState(db);
            const want = await serverState(clean.db);
            expect(got.rejected, `seed ${seed}`).toBe(want.rejected);
            expect(got.applied, `seed ${seed}`).toBe(want.applied);
            expect(got.changeLog, `seed ${seed}`).toBe(want.changeLog);
            expect(await normalized(db), `seed ${seed}`).toEqual(await normalized(clean.db));
            expect(desktopRows(faulty)).toEqual(await fullRows(db));
          } finally {
            await db.close();
          }
        } finally {
          for (const c of cores) c.close();
          await proxy.close();
          await clean.close();
        }
      });
    },
  );
});

/**
 * Creates, edits, disables, switches a module off and deletes, in four rounds with a sync after
 * each (names are deterministic; ids are not, so states are compared by name).
 */
async function workload(core: TestCore, sync: () => Promise<void>): Promise<void> {
  for (let round = 0; round < 4; round++) {
    const region = await core.call('tenants.create', {
      kind: 'integrator',
      name: `Proxy Region ${round}`,
      email: 'region@example.com',
    });
    const ids: { id: string; name: string }[] = [];
    for (let i = 0; i < 40; i++) {
      const name = `Proxy Home ${round}-${String(i).padStart(2, '0')}`;
      const c = await core.call('tenants.create', {
        kind: 'customer',
        name,
        email: 'home@example.com',
        timeZone: 'Europe/Berlin',
        parentId: region.id,
      });
      ids.push({ id: c.id, name });
    }
    await sync();
    for (let i = 0; i < 10; i++) {
      const t = ids[i];
      if (t) await core.call('tenants.update', { id: t.id, phone: `+1 555 01${round}${i}` });
    }
    const off = ids[12];
    if (off) await core.call('tenants.disable', { id: off.id });
    const mod = ids[13];
    if (mod)
      await core.call('modules.set', { tenantId: mod.id, moduleId: 'archive', enabled: false });
    for (const t of ids.slice(20, 23))
      await core.call('tenants.delete', { id: t.id, confirmName: t.name });
    await sync();
  }
}

async function normalized(db: SqlDb) {
  const rows = await db.all<{
    id: string;
    kind: string;
    parent_id: string | null;
    name: string;
    phone: string;
    own_disabled: number;
    module_overrides: string;
  }>('SELECT id, kind, parent_id, name, phone, own_disabled, module_overrides FROM tenants');
  const names = new Map(rows.map((r) => [r.id, r.name]));
  return rows
    .map((r) => ({
      kind: r.kind,
      parent: r.parent_id ? (names.get(r.parent_id) ?? '?') : null,
      name: r.name,
      phone: r.phone,
      disabled: Number(r.own_disabled),
      modules: JSON.parse(r.module_overrides) as unknown,
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const FULL =
  "SELECT id, kind, parent_id, name, email, phone, own_disabled, module_overrides FROM tenants WHERE kind != 'root'";

async function fullRows(db: SqlDb) {
  return (await db.all<Record<string, unknown> & { id: string }>(FULL))
    .map((r) => ({
      ...r,
      own_disabled: Number(r.own_disabled),
      module_overrides: JSON.parse(String(r.module_overrides)) as unknown,
    }))
    .sort(byId);
}

function desktopRows(core: TestCore) {
  return (core.db.prepare(FULL).all() as (Record<string, unknown> & { id: string })[])
    .map((r) => ({
      ...r,
      own_disabled: Number(r.own_disabled),
      module_overrides: JSON.parse(String(r.module_overrides)) as unknown,
    }))
    .sort(byId);
}

/**
 * A TCP proxy between the desktop and the server: while `faulty`, each connection is cut at a
 * random moment (0–120 ms) with probability 0.3 per chunk the desktop sends, and every chunk is held back 0–15 ms (order kept).
 */
class FaultProxy {
  faulty = false;
  drops = 0;
  private readonly sockets = new Set<net.Socket>();
  private readonly server: net.Server;

  constructor(
    private readonly targetPort: number,
    private readonly rng: () => number,
  ) {
    this.server = net.createServer((client) => this.accept(client));
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : 0);
      });
    });
  }

  private accept(client: net.Socket): void {
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    this.sockets.add(client);
    this.sockets.add(upstream);
    const cut = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('error', cut);
    upstream.on('error', cut);
    client.on('close', cut);
    upstream.on('close', cut);
    let timer: ReturnType<typeof setTimeout> | undefined;
    client.once('close', () => clearTimeout(timer));
    // Each request (a chunk from the desktop) may doom its connection, kept alive or new.
    client.on('data', () => {
      if (!this.faulty || timer || this.rng() >= 0.3) return;
      timer = setTimeout(
        () => {
          if (!client.destroyed) this.drops++;
          cut();
        },
        Math.floor(this.rng() * 120),
      );
    });
    this.pipe(client, upstream);
    this.pipe(upstream, client);
  }

  private pipe(from: net.Socket, to: net.Socket): void {
    let chain = Promise.resolve();
    from.on('data', (chunk: Buffer) => {
      const delay = this.faulty ? Math.floor(this.rng() * 16) : 0;
      chain = chain
        .then(() => (delay ? sleep(delay) : undefined))
        .then(() => {
          if (!to.destroyed) to.write(chunk);
        });
    });
    from.on('end', () => {
      chain = chain.then(() => {
        if (!to.destroyed) to.end();
      });
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
