import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SyncEngine, SyncPhase, SyncReport } from '../../../electron/sync/engine';
import { SyncScheduler } from '../../../electron/sync/scheduler';

/** Just what the scheduler uses of the engine; each sync answers from `outcomes`. */
function fakeEngine() {
  const fake = {
    outcomes: [] as boolean[],
    calls: [] as number[],
    phase: 'synced' as SyncPhase,
    pending: 0,
    syncOnce(): Promise<SyncReport> {
      fake.calls.push(Date.now());
      const ok = fake.outcomes.shift() ?? true;
      fake.phase = ok ? 'synced' : 'offline';
      return Promise.resolve({ ok, pushed: 0, rejected: 0, pulled: 0 });
    },
    status: () => ({ phase: fake.phase }),
    outbox: { pendingCount: () => fake.pending },
  };
  return fake;
}

describe('SyncScheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const make = () => {
    const engine = fakeEngine();
    const onStatus = vi.fn();
    const scheduler = new SyncScheduler(
      engine as unknown as SyncEngine,
      { onStatus },
      { intervalMs: 30_000, debounceMs: 400, backoffBaseMs: 1000, backoffMaxMs: 8000 },
    );
    return { engine, scheduler, onStatus };
  };

  it('syncs at start, then every interval, and soon after a change', async () => {
    const { engine, scheduler, onStatus } = make();
    scheduler.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(engine.calls).toEqual([0]);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(engine.calls).toEqual([0, 30_000]);
    scheduler.changed();
    await vi.advanceTimersByTimeAsync(400);
    expect(engine.calls).toEqual([0, 30_000, 30_400]);
    expect(onStatus).toHaveBeenCalled();
    scheduler.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('backs off exponentially while the server is unreachable, up to the cap, then recovers', async () => {
    const { engine, scheduler } = make();
    engine.outcomes = [false, false, false, false, false, false, true];
    scheduler.start();
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(1000 + 2000 + 4000 + 8000 + 8000 + 8000);
    const gaps = engine.calls.slice(1).map((t, i) => t - (engine.calls[i] ?? 0));
    expect(gaps).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
    // A change while backing off does not hammer the server.
    engine.outcomes = [false];
    await vi.advanceTimersByTimeAsync(30_000);
    const before = engine.calls.length;
    scheduler.changed();
    await vi.advanceTimersByTimeAsync(400);
    expect(engine.calls.length).toBe(before);
    // Sync now resets the back-off.
    engine.outcomes = [true];
    await scheduler.syncNow();
    expect(scheduler.nextAttemptAt()?.getTime()).toBe(Date.now() + 30_000);
    scheduler.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops by itself when the session ends, and leaves no timer after stop()', async () => {
    const { engine, scheduler } = make();
    engine.phase = 'signed-out';
    engine.syncOnce = () => Promise.resolve({ ok: false, pushed: 0, rejected: 0, pulled: 0 });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(scheduler.started).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });
});
