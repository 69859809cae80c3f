import { createHash } from 'node:crypto';
import type { Db } from '../../electron/db/connection';

/** A digest of every row of every table: equal digests mean the database content is unchanged. */
export function databaseChecksum(db: Db): string {
  const hash = createHash('sha256');
  const tables = db
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .all() as { name: string }[];
  for (const { name } of tables) {
    hash.update(`\n#${name}\n`);
    // Rows sorted as text: works for WITHOUT ROWID tables too.
    const rows = (db.prepare(`SELECT * FROM "${name}"`).all() as unknown[])
      .map((r) => JSON.stringify(r))
      .sort();
    for (const row of rows) hash.update(row);
  }
  return hash.digest('hex');
}
