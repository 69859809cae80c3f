import path from 'node:path';
import { openPostgres } from './postgres';
import { openSqlite } from './sqlite';
import type { SqlDb } from './sql';

export interface DatabaseConfig {
  /** postgres://… for PostgreSQL; otherwise the embedded SQLite file in `dataDir`. */
  url?: string;
  dataDir: string;
  /** PostgreSQL schema (tests). */
  schema?: string;
}

export async function openServerDatabase(config: DatabaseConfig): Promise<SqlDb> {
  if (config.url && /^postgres(ql)?:\/\//.test(config.url)) {
    return openPostgres({ url: config.url, ...(config.schema ? { schema: config.schema } : {}) });
  }
  return openSqlite(path.join(config.dataDir, 'vms-server.sqlite'));
}
