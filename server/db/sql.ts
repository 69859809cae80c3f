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

/**
 * A transaction's runner, with the one savepoint a push chunk moves forward mutation by mutation:
 * a rejected mutation rolls back to it, and the transaction goes on with the next one.
 */
export interface SqlTransaction extends SqlRunner {
  /** Sets the savepoint here; the one before is released (its work stays in the transaction). */
  savepoint(): Promise<void>;
  /** Undoes everything since the savepoint (which stays set). */
  rollbackToSavepoint(): Promise<void>;
}

export interface SqlDb extends SqlRunner {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Suffix that locks the selected rows until commit: `FOR UPDATE` on PostgreSQL; empty on SQLite,
   * where a write transaction (BEGIN IMMEDIATE) already holds the one database-wide write lock.
   */
  readonly forUpdate: string;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T>;
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
