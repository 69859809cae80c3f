/**
 * Pulls through a worker thread. A first pull brings half a gigabyte of JSON (100,000 customers
 * and 500,000 cameras in the benchmark); receiving it, decoding it and checking it against the
 * protocol's schemas is a third of the desktop's work, and on the main thread it competes with
 * writing the pages (and with the UI's requests). The worker (pull-worker.ts) fetches a page,
 * parses it, checks it with pullResponseSchema and hands back the checked answer: a snapshot
 * page's cameras as rows ready to insert (camera-rows.ts), the rest as JSON text parsed here
 * once more. While the main thread writes one page, the worker receives and checks the next.
 *
 * Errors come back as data and are thrown here as the transport's own errors, so the engine
 * treats them exactly as it does without the worker.
 */
import type { Worker } from 'node:worker_threads';
import type { ApiErrorBody } from '../../shared/errors';
import type { PullRequest, PullResponse } from '../../shared/sync/protocol';
import { newBundleWorker } from '../app/bundle-worker';
import { lazyCameraRows, type PackedCameraRows } from './camera-rows';
import { ServerError, ServerUnreachableError, type PulledPage } from './transport';

export interface PullWorkerRequest {
  id: number;
  url: string;
  body: PullRequest;
  token: string | null;
  timeoutMs: number;
}

export type PullWorkerError =
  | { type: 'unreachable'; message: string }
  | { type: 'server'; status: number; body: ApiErrorBody }
  | { type: 'failed'; message: string };

/** The checked answer: `json` without the camera records packed in `cameras` (if any). */
export interface PullWorkerPage {
  json: string;
  cameras: PackedCameraRows | null;
}

export type PullWorkerReply =
  ({ id: number } & PullWorkerPage) | { id: number; error: PullWorkerError };

const STOPPED = 'The sync worker was stopped.';

/**
 * The worker's young generation (V8's default for a thread is about half this). A snapshot page
 * parses into some megabytes of objects that live until the page is checked and packed: with the
 * default, scavenges run while a page is alive, copy it and move it to the old generation, whose
 * collections then cost a second time. With room for a few pages, a page dies young. Measured on
 * the benchmark's first pull (500,000 cameras): the desktop's CPU ~0.6 s less, the pull ~0.4 s
 * shorter, at ~50 MB more memory while pulling (bench/sync.bench.ts, docs/sync.md).
 */
const PULL_WORKER_YOUNG_GENERATION_MB = 96;

interface Pending {
  resolve: (page: PullWorkerPage) => void;
  reject: (err: Error) => void;
}

/** The worker's error as the transport's error. */
export function pullWorkerError(e: PullWorkerError): Error {
  switch (e.type) {
    case 'unreachable':
      return new ServerUnreachableError(e.message);
    case 'server':
      return new ServerError(e.status, e.body);
    case 'failed':
      return new Error(e.message);
  }
}

/**
 * One worker thread, started on the first pull (or earlier: warm); a crashed worker is replaced on
 * the next one.
 */
export class PullWorker {
  private worker: Worker | null = null;
  /** Whether the current worker's thread has started. */
  private online = false;
  /** Settles once the current worker's thread runs (or has stopped). */
  private started: Promise<void> = Promise.resolve();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  /** @param file the built worker script (out/host/pull-worker.cjs or out/main/pull-worker.cjs). */
  constructor(private readonly file: string) {}

  /** The checked answer of POST `url` with `body`. */
  async pull(
    url: string,
    body: PullRequest,
    token: string | null,
    timeoutMs: number,
  ): Promise<PulledPage> {
    const page = await this.request({ url, body, token, timeoutMs });
    // The worker checked this text's source with pullResponseSchema and wrote out what it produced.
    const res = JSON.parse(page.json) as PullResponse;
    return { ...res, cameraRows: page.cameras ? lazyCameraRows(page.cameras) : null };
  }

  /**
   * Starts the worker now (it warms up as it starts), so that the first pull does not wait for it;
   * resolves once its thread runs (or has stopped).
   */
  warm(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.start();
    return this.started;
  }

  /** Whether the worker's thread runs (started by a pull or a warm-up, and not stopped). */
  get running(): boolean {
    return this.worker !== null && this.online;
  }

  /** Stops the worker; pulls still waiting fail. */
  close(): void {
    this.closed = true;
    const worker = this.worker;
    this.worker = null;
    this.failAll(new ServerUnreachableError(STOPPED));
    void worker?.terminate();
  }

  private request(req: Omit<PullWorkerRequest, 'id'>): Promise<PullWorkerPage> {
    if (this.closed) return Promise.reject(new ServerUnreachableError(STOPPED));
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<PullWorkerPage>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Only a pull in flight keeps the process alive.
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ id, ...req } satisfies PullWorkerRequest);
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = newBundleWorker(this.file, {
      resourceLimits: { maxYoungGenerationSizeMb: PULL_WORKER_YOUNG_GENERATION_MB },
    });
    worker.unref();
    this.online = false;
    this.started = new Promise<void>((resolve) => {
      worker.once('online', () => {
        if (this.worker === worker) this.online = true;
        resolve();
      });
      worker.once('exit', () => resolve());
    });
    worker.on('message', (reply: PullWorkerReply) => this.settle(reply));
    const gone = (err: Error) => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.failAll(err);
    };
    worker.on('error', (err) => gone(new Error(`The sync worker failed: ${err.message}`)));
    worker.on('exit', (code) => gone(new Error(`The sync worker stopped (exit code ${code}).`)));
    this.worker = worker;
    return worker;
  }

  private settle(reply: PullWorkerReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker?.unref();
    if ('json' in reply) p.resolve(reply);
    else p.reject(pullWorkerError(reply.error));
  }

  private failAll(err: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(err);
  }
}
