import type { SyncEngine, SyncReport } from './engine';

export interface SyncSchedulerOptions {
  /** Regular sync while connected (default 30 s). */
  intervalMs?: number;
  /** Wait after a local change before pushing it, so bursts go up together (default 400 ms). */
  debounceMs?: number;
  /** First retry after a failure; doubles each time (default 5 s). */
  backoffBaseMs?: number;
  /** Longest wait between retries (default 5 min). */
  backoffMaxMs?: number;
}

/**
 * Background sync in the main process: soon after each recorded change, every `intervalMs`, and,
 * while the server is unreachable or failing, with exponential back-off. One timer at most; stop()
 * leaves none behind, and a sync still in flight when stopped is not followed by another.
 */
export class SyncScheduler {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private nextAt: number | null = null;
  private failures = 0;
  private running = false;
  private active = false;
  private readonly intervalMs: number;
  private readonly debounceMs: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;

  constructor(
    private readonly engine: SyncEngine,
    private readonly hooks: {
      /** Something that shows in the status changed (a sync started or ended, a change recorded). */
      onStatus: () => void;
      log?: (err: unknown) => void;
    },
    options: SyncSchedulerOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 30_000;
    this.debounceMs = options.debounceMs ?? 400;
    this.backoffBaseMs = options.backoffBaseMs ?? 5_000;
    this.backoffMaxMs = options.backoffMaxMs ?? 300_000;
  }

  get started(): boolean {
    return this.active;
  }

  get syncing(): boolean {
    return this.running;
  }

  /** When the next background attempt is due, or null when stopped. */
  nextAttemptAt(): Date | null {
    return this.active && this.nextAt !== null ? new Date(this.nextAt) : null;
  }

  /** Starts the loop (idempotent): a first sync right away, or after an interval when `justSynced`. */
  start(justSynced = false): void {
    if (this.active) return;
    this.active = true;
    this.failures = 0;
    this.schedule(justSynced ? this.intervalMs : 0);
  }

  stop(): void {
    this.active = false;
    this.clear();
  }

  /** A local change was recorded: sync soon (unless backing off from a failure). */
  changed(): void {
    if (!this.active || this.failures > 0) return;
    const due = Date.now() + this.debounceMs;
    if (this.running || (this.nextAt !== null && this.nextAt <= due)) return;
    this.schedule(this.debounceMs);
  }

  /** Syncs now (the Sync now button), resetting the back-off. */
  async syncNow(): Promise<SyncReport> {
    this.failures = 0;
    return this.run();
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.nextAt = null;
  }

  private schedule(delayMs: number): void {
    this.clear();
    if (!this.active) return;
    this.nextAt = Date.now() + delayMs;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.nextAt = null;
      void this.run();
    }, delayMs);
    this.timer.unref?.();
  }

  private async run(): Promise<SyncReport> {
    this.clear();
    this.running = true;
    this.hooks.onStatus();
    let report: SyncReport;
    try {
      report = await this.engine.syncOnce();
    } catch (err) {
      this.hooks.log?.(err);
      report = { ok: false, pushed: 0, rejected: 0, pulled: 0, error: String(err) };
    } finally {
      this.running = false;
    }
    if (!this.active) return report;
    const phase = this.engine.status().phase;
    if (phase === 'standalone' || phase === 'signed-out') {
      // The session ended (logged out, or the server refused the token): wait for a login.
      this.stop();
    } else if (report.ok) {
      this.failures = 0;
      // Changes recorded while this sync ran go up soon; otherwise the regular interval.
      this.schedule(this.engine.outbox.pendingCount() > 0 ? this.debounceMs : this.intervalMs);
    } else {
      this.failures++;
      this.schedule(
        Math.min(this.backoffBaseMs * 2 ** Math.min(this.failures - 1, 20), this.backoffMaxMs),
      );
    }
    this.hooks.onStatus();
    return report;
  }
}
