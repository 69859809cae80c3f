// The pure rule matching and rendering of shared/alerts (the same code the central server runs).
import { describe, expect, it } from 'vitest';
import {
  inSchedule,
  localSlot,
  matchingRules,
  normalizeTopic,
  type AlertEvent,
} from '../../../shared/alerts/match';
import { renderAlertEmail } from '../../../shared/alerts/render';
import { ALWAYS, alertRuleSchema, type AlertRule } from '../../../shared/alerts/rules';

const rule = (extra: Partial<AlertRule> = {}): AlertRule =>
  alertRuleSchema.parse({
    id: 'r1',
    customerId: 'c1',
    kind: 'sensor',
    createdAt: '',
    updatedAt: '',
    name: 'Motion',
    trigger: {
      type: 'onvif',
      topic: 'tns1:VideoSource/MotionAlarm',
      filters: [{ item: 'State', value: 'true' }],
    },
    cameras: ['cam1'],
    recipientIds: ['u1'],
    channel: 'email',
    schedule: ALWAYS,
    digestMinutes: 0,
    minIntervalSeconds: 0,
    enabled: true,
    ...extra,
  });

const motion = (data: Record<string, string>, cameraId = 'cam1', at = new Date()): AlertEvent => ({
  kind: 'onvif',
  cameraId,
  at,
  topic: 'ns1:VideoSource/MotionAlarm',
  data,
});

describe('alert matching', () => {
  it('compares topics without namespace prefixes and booleans as xs:boolean', () => {
    expect(normalizeTopic('tns1:RuleEngine/ns2:Motion')).toBe('RuleEngine/Motion');
    expect(matchingRules([rule()], motion({ State: '1' }), 'UTC')).toHaveLength(1);
    expect(matchingRules([rule()], motion({ State: 'false' }), 'UTC')).toHaveLength(0);
    expect(matchingRules([rule()], motion({ State: 'true' }, 'cam2'), 'UTC')).toHaveLength(0);
    expect(
      matchingRules([rule({ cameras: 'all' })], motion({ State: 'true' }, 'cam2'), 'UTC'),
    ).toHaveLength(1);
    expect(
      matchingRules([rule({ enabled: false })], motion({ State: 'true' }), 'UTC'),
    ).toHaveLength(0);
  });

  it("reads the schedule in the customer's time zone", () => {
    // Monday 2026-01-05 23:30 UTC is Tuesday 00:30 in Berlin.
    const at = new Date('2026-01-05T23:30:00Z');
    expect(localSlot(at, 'UTC')).toEqual({ day: 0, hour: 23 });
    expect(localSlot(at, 'Europe/Berlin')).toEqual({ day: 1, hour: 0 });
    const tuesdayNight = [0, 1, 0, 0, 0, 0, 0];
    expect(inSchedule(tuesdayNight, at, 'Europe/Berlin')).toBe(true);
    expect(inSchedule(tuesdayNight, at, 'UTC')).toBe(false);
  });

  it('applies the offline threshold in (compressed) minutes', () => {
    const r = rule({ trigger: { type: 'camera_offline', afterMinutes: 5 }, kind: 'system' });
    const offline = (durationMs: number): AlertEvent => ({
      kind: 'system',
      type: 'camera_offline',
      cameraId: 'cam1',
      at: new Date(),
      durationMs,
    });
    expect(matchingRules([r], offline(4 * 60_000), 'UTC')).toHaveLength(0);
    expect(matchingRules([r], offline(5 * 60_000), 'UTC')).toHaveLength(1);
    expect(matchingRules([r], offline(500), 'UTC', 100)).toHaveLength(1);
  });

  it('renders one email per digest with times in the customer zone', () => {
    const email = renderAlertEmail({
      customerName: 'Acme',
      timeZone: 'Europe/Berlin',
      ruleName: 'Motion',
      events: [
        { cameraName: 'Gate', at: new Date('2026-01-05T23:30:00Z'), description: 'Motion' },
        { cameraName: 'Dock', at: new Date('2026-01-05T23:31:00Z'), description: 'Motion' },
      ],
    });
    expect(email.subject).toBe('Acme: Motion — 2 events on 2 cameras');
    expect(email.text).toContain('6 Jan 2026, 00:30:00  Gate: Motion');
  });
});
