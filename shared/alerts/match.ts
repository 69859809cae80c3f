/**
 * Matching an event to rules: pure functions, the same on the desktop and the central server.
 * The state that makes matching time-dependent (intervals, digests) is held by the caller.
 */
import type { AlertRule, Trigger } from './rules';

/** A camera event (ONVIF notification) or a system observation about a camera. */
export type AlertEvent =
  | {
      kind: 'onvif';
      cameraId: string;
      at: Date;
      topic: string;
      data: Record<string, string>;
    }
  | {
      kind: 'system';
      cameraId: string;
      at: Date;
      type: Exclude<Trigger['type'], 'onvif' | 'analytics'>;
      /** camera_offline: how long the camera has not answered; clock_skew: |skew|. */
      durationMs?: number;
    };

const WEEKDAYS: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Weekday (0 = Monday) and hour of `at` in `timeZone`. */
export function localSlot(at: Date, timeZone: string): { day: number; hour: number } {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: 'numeric',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  let day = 0;
  let hour = 0;
  for (const part of f.formatToParts(at)) {
    if (part.type === 'weekday') day = WEEKDAYS[part.value] ?? 0;
    if (part.type === 'hour') hour = Number(part.value) % 24;
  }
  return { day, hour };
}

export function inSchedule(schedule: readonly number[], at: Date, timeZone: string): boolean {
  const { day, hour } = localSlot(at, timeZone);
  return ((schedule[day] ?? 0) & (1 << hour)) !== 0;
}

/** ONVIF topics are compared without the namespace prefix (cameras use tns1:, ns1:, …). */
export function normalizeTopic(topic: string): string {
  return topic
    .split('/')
    .map((s) => s.replace(/^[^:]*:/, ''))
    .join('/');
}

function valuesEqual(actual: string | undefined, expected: string): boolean {
  if (actual === undefined) return false;
  const a = actual.trim().toLowerCase();
  const e = expected.trim().toLowerCase();
  // xs:boolean allows 1/0 besides true/false (XML Schema 3.3.2).
  const bool = (v: string) => (v === '1' ? 'true' : v === '0' ? 'false' : v);
  return bool(a) === bool(e);
}

export function triggerMatches(trigger: Trigger, event: AlertEvent, minuteMs = 60_000): boolean {
  if (event.kind === 'onvif') {
    if (trigger.type !== 'onvif') return false;
    if (normalizeTopic(trigger.topic) !== normalizeTopic(event.topic)) return false;
    return trigger.filters.every((f) => valuesEqual(event.data[f.item], f.value));
  }
  if (trigger.type !== event.type) return false;
  if (trigger.type === 'camera_offline')
    return (event.durationMs ?? 0) >= trigger.afterMinutes * minuteMs;
  if (trigger.type === 'clock_skew') return (event.durationMs ?? 0) > trigger.overSeconds * 1000;
  return true;
}

export function ruleCoversCamera(rule: Pick<AlertRule, 'cameras'>, cameraId: string): boolean {
  return rule.cameras === 'all' || rule.cameras.includes(cameraId);
}

/** Rules that fire for this event, before interval and digest handling. */
export function matchingRules<R extends AlertRule>(
  rules: readonly R[],
  event: AlertEvent,
  timeZone: string,
  minuteMs = 60_000,
): R[] {
  return rules.filter(
    (r) =>
      r.enabled &&
      ruleCoversCamera(r, event.cameraId) &&
      triggerMatches(r.trigger, event, minuteMs) &&
      inSchedule(r.schedule, event.at, timeZone),
  );
}

/** A person's words for an event: "Motion (IsMotion = true)", "Camera offline for 5 min". */
export function describeEvent(event: AlertEvent): string {
  if (event.kind === 'onvif') {
    const name = normalizeTopic(event.topic);
    const items = Object.entries(event.data)
      .map(([k, v]) => `${k} = ${v}`)
      .join(', ');
    return items ? `${name} (${items})` : name;
  }
  const minutes = Math.round((event.durationMs ?? 0) / 60_000);
  switch (event.type) {
    case 'camera_offline':
      return `Camera offline (no answer for ${minutes < 1 ? 'under a minute' : `${minutes} min`})`;
    case 'camera_online':
      return 'Camera back online';
    case 'recording_stopped':
      return 'Recording stopped (camera or customer disabled)';
    case 'auth_failing':
      return 'Camera refuses the stored login';
    case 'clock_skew':
      return `Camera clock off by ${Math.round((event.durationMs ?? 0) / 1000)} s`;
  }
}
