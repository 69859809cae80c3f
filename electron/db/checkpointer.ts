/**
 * Checkpoints of the WAL on a thread of their own, while the main thread writes in bulk (a first
 * pull: half a gigabyte through the WAL). A checkpoint copies committed pages from the WAL into the
 * database file; run by the writing connection itself (SQLite's automatic checkpoint, at commit),
 * it took a fifth of the main thread's time during the benchmark's first pull, and the main thread
 * is also where pages are written and the UI's requests are answered. Here a second connection
 * (checkpoint-worker.ts) runs PASSIVE checkpoints, which never block the writer, each time a
 * commit asks for one; the writer keeps its own automatic checkpoint, with a large threshold, in
 * case this thread falls behind or stops. Durability is unchanged: a committed transaction is in
 * the WAL, checkpointed or not.
 */
import type { Worker } from 'node:worker_threads';
import { newBundleWorker } from '../app/bundle-worker';

export interface CheckpointWorkerData {
  file: string;
  nativeBinding?: string;
}

/** What one checkpoint did (SQLite's wal_checkpoint answer), or why it failed. */
export type CheckpointReply =
  { busy: boolean; log: number; checkpointed: number } | { error: string };

export interface WalCheckpointerOptions {
  /** The built worker (out/host/checkpoint-worker.cjs, out/main/checkpoint-worker.cjs). */
  workerFile: string;
  /** The database file. */
  file: string;
  /** better_sqlite3.node for the running ABI (the Electron app's). */
  nativeBinding?: string;
  log?: (err: unknown) => void;
}

export class WalCheckpointer {
  private worker: Worker | null = null;
  /** A checkpoint runs; a request meanwhile is folded into one more after it. */
  private running = false;
  private again = false;
  private failed = false;
  private closed = false;
  private idle: (() => void)[] = [];
  /** The last checkpoint's answer (tests, diagnostics). */
  last: CheckpointReply | null = null;
  /** Checkpoints run so far. */
  count = 0;

  constructor(private readonly options: WalCheckpointerOptions) {}

  /** Whether checkpoints run here (false once the thread failed or was closed). */
  get available(): boolean {
    return !this.failed && !this.closed;
  }

  /** Asks for a checkpoint of what is committed now. Cheap: at most one waits behind a running one. */
  request(): void {
    if (!this.available) return;
    if (this.running) {
      this.again = true;
      return;
    }
    let worker: Worker;
    try {
      worker = this.start();
    } catch (err) {
      this.failed = true;
      this.options.log?.(err);
      return;
    }
    this.running = true;
    this.again = false;
    // A checkpoint under way keeps the process alive; an idle thread does not.
    worker.ref();
    worker.postMessage('checkpoint');
  }

  /** Resolves once no checkpoint runs or waits (at once when none does). */
  settled(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  close(): void {
    this.closed = true;
    const worker = this.worker;
    this.worker = null;
    this.finish();
    void worker?.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const data: CheckpointWorkerData = {
      file: this.options.file,
      ...(this.options.nativeBinding ? { nativeBinding: this.options.nativeBinding } : {}),
    };
    const worker = newBundleWorker(this.options.workerFile, { workerData: data });
    worker.on('message', (reply: CheckpointReply) => this.answered(worker, reply));
    const gone = (err: Error) => {
      if (this.worker !== worker) return;
      // The writer's own automatic checkpoint carries on alone.
      this.worker = null;
      this.failed = true;
      this.options.log?.(err);
      this.finish();
    };
    worker.on('error', (err) => gone(new Error(`The checkpoint thread failed: ${err.message}`)));
    worker.on('exit', (code) =>
      gone(new Error(`The checkpoint thread stopped (exit code ${code}).`)),
    );
    this.worker = worker;
    return worker;
  }

  private answered(worker: Worker, reply: CheckpointReply): void {
    if (this.worker !== worker) return;
    this.last = reply;
    this.count++;
    if ('error' in reply) this.options.log?.(new Error(`WAL checkpoint: ${reply.error}`));
    if (this.again) {
      this.again = false;
      worker.postMessage('checkpoint');
      return;
    }
    worker.unref();
    this.finish();
  }

  private finish(): void {
    this.running = false;
    this.again = false;
    const idle = this.idle;
    this.idle = [];
    for (const resolve of idle) resolve();
  }
}
