/**
 * Hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014). A timestamp is wall-clock
 * milliseconds, a counter for events within the same millisecond, and the node that made it, so two
 * timestamps never tie. The string form sorts like the clock: compare strings to order events.
 *
 * Drift guard: a remote timestamp more than `maxDriftMs` ahead of our wall clock is refused instead
 * of dragging every clock that hears of it into the future (a desktop with a wrong date must not win
 * every conflict for the next year).
 */
export interface Hlc {
  wallMs: number;
  counter: number;
  node: string;
}

export const DEFAULT_MAX_DRIFT_MS = 60_000;

const WALL_DIGITS = 15;
const COUNTER_DIGITS = 6;
const PATTERN = /^(\d{15})-(\d{6})-([A-Za-z0-9_.:-]{1,64})$/;

export class ClockDriftError extends Error {
  readonly code = 'CLOCK_DRIFT';
  constructor(
    readonly remote: string,
    readonly aheadMs: number,
  ) {
    super(
      `A timestamp is ${Math.round(aheadMs / 1000)} s ahead of this clock (more than allowed): check the date and time of the device that made it.`,
    );
  }
}

export function formatHlc(h: Hlc): string {
  return `${String(h.wallMs).padStart(WALL_DIGITS, '0')}-${String(h.counter).padStart(COUNTER_DIGITS, '0')}-${h.node}`;
}

export function parseHlc(s: string): Hlc | null {
  const m = PATTERN.exec(s);
  if (!m || m[1] === undefined || m[2] === undefined || m[3] === undefined) return null;
  return { wallMs: Number(m[1]), counter: Number(m[2]), node: m[3] };
}

export function isHlc(s: string): boolean {
  return parseHlc(s) !== null;
}

/** -1, 0 or 1; the string form orders exactly like the clock. */
export function compareHlc(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export const maxHlc = (a: string, b: string) => (compareHlc(a, b) >= 0 ? a : b);

/** The timestamp before every other: fields nobody has written yet carry it. */
export const ZERO_HLC = formatHlc({ wallMs: 0, counter: 0, node: '0' });

/** Milliseconds `ts` lies ahead of `wallMs` (0 or negative when it is not in the future). */
export function aheadOf(ts: string, wallMs: number): number {
  const h = parseHlc(ts);
  return h ? h.wallMs - wallMs : Number.POSITIVE_INFINITY;
}

/** A clock for one node. `now` is the wall clock, injectable for tests. */
export class HybridClock {
  private last: Hlc;

  constructor(
    readonly node: string,
    private readonly now: () => number = () => Date.now(),
    readonly maxDriftMs: number = DEFAULT_MAX_DRIFT_MS,
    last?: string,
  ) {
    this.last = (last ? parseHlc(last) : null) ?? { wallMs: 0, counter: 0, node };
  }

  /** The last timestamp issued or received. */
  current(): string {
    return formatHlc({ ...this.last, node: this.node });
  }

  /** A new timestamp for a local event: later than everything this clock has seen. */
  tick(): string {
    const wall = this.now();
    if (wall > this.last.wallMs) this.last = { wallMs: wall, counter: 0, node: this.node };
    else this.last = { wallMs: this.last.wallMs, counter: this.last.counter + 1, node: this.node };
    return formatHlc(this.last);
  }

  /** Takes a remote timestamp into account; throws ClockDriftError when it is too far ahead. */
  receive(remote: string): void {
    const r = parseHlc(remote);
    if (!r) return;
    const wall = this.now();
    if (r.wallMs - wall > this.maxDriftMs) throw new ClockDriftError(remote, r.wallMs - wall);
    const l = this.last;
    const top = Math.max(wall, l.wallMs, r.wallMs);
    let counter = 0;
    if (top === l.wallMs && top === r.wallMs) counter = Math.max(l.counter, r.counter) + 1;
    else if (top === l.wallMs) counter = l.counter + 1;
    else if (top === r.wallMs) counter = r.counter + 1;
    this.last = { wallMs: top, counter, node: this.node };
  }
}
