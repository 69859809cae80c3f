import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { buildServer, type ServerOptions } from '../../../server/http/app';
import { openServerDatabase } from '../../../server/db/open';
import { dropSchema } from '../../../server/db/postgres';
import { migrateServer } from '../../../server/db/schema';
import { AccountService } from '../../../server/auth/accounts';
import type { SqlDb } from '../../../server/db/sql';
import { formatHlc } from '../../../shared/sync/hlc';
import { FRAMED_CONTENT_TYPE, splitFramed } from '../../../shared/sync/frames';
import type { TestCore } from '../../support/core';

export type Backend = 'sqlite' | 'postgres';

const PG_CANDIDATES = process.env.PG_TEST_URL
  ? [process.env.PG_TEST_URL]
  : ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'];

let pgUrl: string | null | undefined;

/** The PostgreSQL URL that answers, or null (then the PostgreSQL runs are skipped, with a reason). */
export async function postgresUrl(): Promise<string | null> {
  if (pgUrl !== undefined) return pgUrl;
  pgUrl = null;
  const reasons: string[] = [];
  for (const url of PG_CANDIDATES) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      pgUrl = url;
      break;
    } catch (err) {
      reasons.push(`${url}: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  if (!pgUrl) console.warn(`Skipping the PostgreSQL runs: ${reasons.join('; ')}`);
  return pgUrl;
}

/** SQLite always; PostgreSQL when 127.0.0.1:5432 answers. */
export async function backends(): Promise<Backend[]> {
  return (await postgresUrl()) ? ['sqlite', 'postgres'] : ['sqlite'];
}

export const ADMIN = { email: 'admin@example.com', password: 'correct horse battery' };

export interface TestServer {
  backend: Backend;
  url: string;
  db: SqlDb;
  close(): Promise<void>;
}

/** A real server on 127.0.0.1 (random port) over a fresh database, with the root administrator. */
export async function startTestServer(
  backend: Backend,
  options: Partial<ServerOptions> = {},
): Promise<TestServer> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vms-server-'));
  const url = backend === 'postgres' ? await postgresUrl() : null;
  const db = await openServerDatabase({
    dataDir,
    ...(url ? { url, schema } : {}),
  });
  await migrateServer(db, new Date().toISOString());
  await new AccountService(db, { sessionTtlMs: 0 }).createFirstAdmin(ADMIN.email, ADMIN.password);
  const app = buildServer({ db, logLevel: 'silent', ...options });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    backend,
    url: address,
    db,
    async close() {
      await app.close();
      await db.close();
      if (url) await dropSchema(url, schema);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Reply<T = unknown> {
  status: number;
  body: T;
  /** A framed answer's frames (shared/sync/frames.ts), after its JSON (`body`); else absent. */
  frames?: Uint8Array;
}

/**
 * One HTTP call to the server, answering status and parsed body (never throws on 4xx). A framed
 * answer (a pull that lists CAMERA_FRAMES_FORMAT) is split: its JSON is the body, and its frames'
 * bytes come as they are.
 */
export async function call<T = Record<string, unknown>>(
  base: string,
  method: 'GET' | 'POST',
  route: string,
  body?: unknown,
  token?: string,
  rawBody?: string,
): Promise<Reply<T>> {
  const res = await fetch(new URL(route, base), {
    method,
    headers: {
      ...(body !== undefined || rawBody !== undefined
        ? { 'content-type': 'application/json' }
        : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(rawBody !== undefined
      ? { body: rawBody }
      : body !== undefined
        ? { body: JSON.stringify(body) }
        : {}),
    signal: AbortSignal.timeout(20_000),
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (res.headers.get('content-type') === FRAMED_CONTENT_TYPE) {
    const { json, frames } = splitFramed(bytes);
    return {
      status: res.status,
      body: JSON.parse(Buffer.from(json).toString('utf8')) as T,
      frames,
    };
  }
  const text = Buffer.from(bytes).toString('utf8');
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

export async function loginToken(base: string, email: string, password: string): Promise<string> {
  const r = await call<{ token: string }>(base, 'POST', '/v1/auth/login', { email, password });
  if (r.status !== 200) throw new Error(`login ${email} failed: ${JSON.stringify(r.body)}`);
  return r.body.token;
}

/** A test-side client that pushes hand-written mutations with increasing ids and HLCs. */
export class RawClient {
  private nextId = 1;
  private tick = 0;
  constructor(
    readonly base: string,
    readonly token: string,
    readonly clientId = `raw-${randomBytes(6).toString('hex')}`,
    private readonly wallMs: () => number = () => Date.now(),
  ) {}

  hlc(offsetMs = 0): string {
    return formatHlc({
      wallMs: this.wallMs() + offsetMs,
      counter: this.tick++,
      node: this.clientId,
    });
  }

  mutation(command: string, args: unknown, hlc = this.hlc()) {
    return { id: this.nextId++, command, args, hlc };
  }

  push(mutations: unknown[]) {
    return call<{
      results: {
        id: number;
        status: string;
        code?: string;
        message?: string;
        overwritten?: unknown[];
        duplicate?: boolean;
      }[];
    }>(this.base, 'POST', '/v1/sync/push', { clientId: this.clientId, mutations }, this.token);
  }

  async run(command: string, args: unknown, hlc?: string) {
    const r = await this.push([this.mutation(command, args, hlc)]);
    if (r.status !== 200) throw new Error(`push failed: ${JSON.stringify(r.body)}`);
    const result = r.body.results[0];
    if (!result) throw new Error('no result');
    return result;
  }

  pull(cursor = '', refresh: unknown[] = [], limit?: number, formats?: string[]) {
    return call<{
      changes: (
        | { op: 'upsert'; row: Record<string, unknown> & { id: string; name: string } }
        | { op: 'delete'; id: string }
      )[];
      cursor: string;
      more: boolean;
      snapshot: boolean;
      snapshotDone: boolean;
      snapshotRows?: number;
      chain: { id: string }[];
    }>(
      this.base,
      'POST',
      '/v1/sync/pull',
      {
        clientId: this.clientId,
        cursor,
        refresh,
        ...(limit === undefined ? {} : { limit }),
        ...(formats === undefined ? {} : { formats }),
      },
      this.token,
    );
  }

  /** Pulls from `cursor` until up to date; answers every upserted / deleted id and the cursor. */
  async pullAll(cursor = '') {
    const upserts = new Map<string, Record<string, unknown> & { id: string; name: string }>();
    const deletes = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const r = await this.pull(cursor);
      if (r.status !== 200) throw new Error(`pull failed: ${JSON.stringify(r.body)}`);
      for (const c of r.body.changes) {
        if (c.op === 'upsert') {
          upserts.set(c.row.id, c.row);
          deletes.delete(c.row.id);
        } else {
          deletes.add(c.id);
          upserts.delete(c.id);
        }
      }
      cursor = r.body.cursor;
      if (!r.body.more) break;
    }
    return { upserts, deletes, cursor };
  }
}

export const customerArgs = (id: string, name: string, parentId = 'root') => ({
  id,
  kind: 'customer',
  parentId,
  name,
  email: 'c@example.com',
  timeZone: 'Europe/Berlin',
});
export const integratorArgs = (id: string, name: string, parentId = 'root') => ({
  id,
  kind: 'integrator',
  parentId,
  name,
  email: 'i@example.com',
});

/** The synced view of a desktop's tenants: what must equal the server's. */
export function snapshotOf(core: TestCore) {
  return core.db
    .prepare(
      `SELECT id, kind, parent_id, path, name, email, phone, address, notes, own_disabled, disabled_by, module_overrides
       FROM tenants ORDER BY id`,
    )
    .all()
    .map((r) => {
      const row = r as Record<string, unknown>;
      return { ...row, module_overrides: JSON.parse(String(row.module_overrides)) as unknown };
    });
}
