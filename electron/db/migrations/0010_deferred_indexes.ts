/**
 * v10: indexes a first pull sets aside (electron/db/first-pull-indexes.ts). A desktop that pulls
 * its whole subtree onto an empty database drops some indexes of `cameras` and `tenants`
 * (first-pull-indexes.ts says which) while the snapshot goes in and builds them again at its end
 * (one sort each, instead of an insert at a random place of each index for every row). Each
 * dropped index's SQL is kept here, in the transaction that drops it, so a desktop killed half way
 * builds it again when it next opens.
 */
export const migration = {
  version: 10,
  name: 'deferred_indexes',
  sql: `
CREATE TABLE deferred_indexes (
  name TEXT PRIMARY KEY,
  sql TEXT NOT NULL
) WITHOUT ROWID;
`,
};
