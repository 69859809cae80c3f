/**
 * The WAL checkpointer's thread (checkpointer.ts): a connection of its own to the database, which
 * runs a PASSIVE checkpoint each time it is asked and answers what the checkpoint did. Built on its
 * own (scripts/build.mjs) next to the host and the Electron main process; better-sqlite3 stays
 * external (the Electron app hands over the binding built for its ABI).
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { CheckpointReply, CheckpointWorkerData } from './checkpointer';

const { file, nativeBinding } = workerData as CheckpointWorkerData;
const db = new Database(file, { fileMustExist: true, ...(nativeBinding ? { nativeBinding } : {}) });
// As the app's own connection: the WAL is synced before a checkpoint, the database after it.
db.pragma('synchronous = NORMAL');
// A checkpoint that finds the database busy does what it can and is asked again after the next
// commit: it never waits.
db.pragma('busy_timeout = 0');

parentPort?.on('message', () => {
  let reply: CheckpointReply;
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)') as {
      busy: number;
      log: number;
      checkpointed: number;
    }[];
    reply = { busy: r?.busy === 1, log: r?.log ?? 0, checkpointed: r?.checkpointed ?? 0 };
  } catch (err) {
    reply = { error: err instanceof Error ? err.message : String(err) };
  }
  parentPort?.postMessage(reply);
});
