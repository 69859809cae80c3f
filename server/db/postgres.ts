import pg from 'pg';
import {
  numberedPlaceholders,
  type SqlDb,
  type SqlRunner,
  type SqlTransaction,
  type SqlValue,
} from './sql';

/** 64-bit integers and numerics come back as JS numbers (our counters stay far below 2^53). */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === 20 || oid === 1700) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  }) as typeof pg.types.getTypeParser,
};

export interface PostgresOptions {
  url: string;
  /** A schema to work in (created when missing): the tests give each file its own. */
  schema?: string;
  max?: number;
}

export async function openPostgres(options: PostgresOptions): Promise<SqlDb> {
  const { schema } = options;
  if (schema && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new Error(`Invalid schema name ${schema}`);
  if (schema) {
    const admin = new pg.Client({ connectionString: options.url });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      await admin.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    // Pushes take turns on the sync_seq row lock, so more connections only add waiters: 20
    // concurrent pushing clients were no faster with 20 than with 10.
    max: options.max ?? 10,
    types,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client that loses its connection must not crash the server; the next query reconnects.
  pool.on('error', () => undefined);
  // Named (prepared) statements: each connection parses and plans a statement once, not per call.
  const names = new Map<string, { name: string; text: string }>();
  const statement = (sql: string, params: readonly SqlValue[]): pg.QueryConfig => {
    let s = names.get(sql);
    if (!s) {
      // Past a bound (statements built with variable IN lists), new ones go unnamed.
      if (names.size >= 5000) return { text: numberedPlaceholders(sql), values: [...params] };
      s = { name: `s${names.size + 1}`, text: numberedPlaceholders(sql) };
      names.set(sql, s);
    }
    return { name: s.name, text: s.text, values: [...params] };
  };
  const over = (q: pg.Pool | pg.PoolClient): SqlRunner => ({
    all: async <T>(sql: string, params: readonly SqlValue[] = []) =>
      (await q.query(statement(sql, params))).rows as T[],
    get: async <T>(sql: string, params: readonly SqlValue[] = []) =>
      (await q.query(statement(sql, params))).rows[0] as T | undefined,
    run: async (sql: string, params: readonly SqlValue[] = []) =>
      (await q.query(statement(sql, params))).rowCount ?? 0,
  });
  const direct = over(pool);
  return {
    dialect: 'postgres',
    forUpdate: ' FOR UPDATE',
    ...direct,
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        let savepointSet = false;
        const tx: SqlTransaction = {
          ...over(client),
          // One round trip: release and set again in one simple-protocol query.
          async savepoint() {
            await client.query(
              savepointSet
                ? 'RELEASE SAVEPOINT mutation; SAVEPOINT mutation'
                : 'SAVEPOINT mutation',
            );
            savepointSet = true;
          },
          async rollbackToSavepoint() {
            await client.query('ROLLBACK TO SAVEPOINT mutation');
          },
        };
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async exec(sql) {
      await pool.query(sql);
    },
    async close() {
      await pool.end();
    },
  };
}

/** Drops a schema made by a test. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await admin.end();
  }
}
