/**
 * Conflict rules, pure, used by the server when it re-runs a command and by the tests:
 * - per-field last-writer-wins by HLC: each field of a tenant remembers the timestamp of the write
 *   that set it; a write with an older timestamp loses that field (and is reported as overwritten);
 * - a delete beats a concurrent edit: once deleted, a tenant stays deleted (a tombstone), and a later
 *   edit of it is rejected permanently instead of bringing it back.
 */
import { compareHlc, ZERO_HLC } from './hlc';

/** Field name → timestamp of the write that set it. */
export type FieldClock = Record<string, string>;

/** The LWW field names of a tenant beyond its plain columns. */
export const PARENT_FIELD = 'parentId';
export const DISABLED_FIELD = 'disabled';
export const BUSINESS_FIELD = 'business';
export const moduleField = (moduleId: string) => `module:${moduleId}`;

export interface FieldMerge<T> {
  /** The fields this write wins, to apply. */
  apply: Partial<T>;
  /** The fields a newer write already set: this write lost them. */
  lost: { field: string; by: string }[];
  /** The clock after the write. */
  clock: FieldClock;
}

/**
 * Merges a write stamped `hlc` into a row whose fields carry `clock`. A field wins when its
 * timestamp is not older than the stored one (equal only for the same mutation re-run).
 */
export function mergeFields<T extends Record<string, unknown>>(
  clock: FieldClock,
  hlc: string,
  write: Partial<T>,
): FieldMerge<T> {
  const apply: Partial<T> = {};
  const lost: { field: string; by: string }[] = [];
  const next: FieldClock = { ...clock };
  for (const key of Object.keys(write) as (keyof T & string)[]) {
    const value = write[key];
    if (value === undefined) continue;
    const stored = clock[key] ?? ZERO_HLC;
    if (compareHlc(hlc, stored) >= 0) {
      apply[key] = value;
      next[key] = hlc;
    } else {
      lost.push({ field: key, by: stored });
    }
  }
  return { apply, lost, clock: next };
}

/** Whether a write stamped `hlc` wins one field whose last write was `stored`. */
export function winsField(clock: FieldClock, field: string, hlc: string): boolean {
  return compareHlc(hlc, clock[field] ?? ZERO_HLC) >= 0;
}

export type TargetState = 'live' | 'deleted' | 'absent';

/**
 * What happens to an edit whose target is in `state`: a deleted target beats the edit (rejected,
 * whatever the timestamps say: deletes are final), an absent one is rejected as unknown.
 */
export function editOutcome(state: TargetState): 'apply' | 'reject-deleted' | 'reject-absent' {
  return state === 'live' ? 'apply' : state === 'deleted' ? 'reject-deleted' : 'reject-absent';
}

export function parseFieldClock(json: string | null | undefined): FieldClock {
  if (!json) return {};
  const value = JSON.parse(json) as unknown;
  if (typeof value !== 'object' || value === null) return {};
  const out: FieldClock = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}
