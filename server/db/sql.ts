/**
 * The server's SQL dialect layer: one small interface, one better-sqlite3 and one pg implementation.
 * Statements are written once, in the SQL both engines share, with `?` placeholders; the few places
 * that differ (row locks, binary text ordering) are properties of the dialect.
 */
export type SqlValue = string | number | null;

export interface SqlRunner {
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  /** Runs a statement; resolves with the number of rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface SqlDb extends SqlRunner {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Suffix that locks the selected rows until commit: `FOR UPDATE` on PostgreSQL; empty on SQLite,
   * where a write transaction (BEGIN IMMEDIATE) already holds the one database-wide write lock.
   */
  readonly forUpdate: string;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /** Runs several statements (DDL) at once. */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

/** `?` → `$1, $2, …` (our statements never contain a literal question mark). */
export function numberedPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** Whether an error is a unique or foreign-key constraint violation, on either engine. */
export function isConstraintError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' &&
    (code.startsWith('SQLITE_CONSTRAINT') || code === '23505' || code === '23503')
  );
}
