/**
 * Alert rules: what a customer's Alerts tab edits and what the engine evaluates. Pure data and
 * zod schemas, usable by the desktop app and the central server alike.
 */
import { z } from 'zod';
import { idField, nameField } from '../validation';

/** ONVIF event data items compared as text; booleans arrive as `true`/`false` from cameras. */
export const eventFilterSchema = z.object({
  item: z.string().trim().min(1, { error: 'Choose the event item to filter on.' }).max(120),
  value: z.string().trim().max(120),
});
export type EventFilter = z.infer<typeof eventFilterSchema>;

export const SYSTEM_TRIGGERS = [
  { type: 'camera_offline', label: 'Camera offline' },
  { type: 'camera_online', label: 'Camera back online' },
  { type: 'recording_stopped', label: 'Recording stopped' },
  { type: 'auth_failing', label: 'Authentication failing' },
  { type: 'clock_skew', label: 'Clock skew' },
] as const;

export const triggerSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('onvif'),
    /** e.g. `tns1:RuleEngine/CellMotionDetector/Motion`. */
    topic: z.string().trim().min(1, { error: 'Choose an event topic.' }).max(300),
    filters: z.array(eventFilterSchema).max(10).default([]),
  }),
  z.object({
    type: z.literal('analytics'),
    analytic: z.enum(['object_detection', 'face_recognition', 'smart_alarms']),
  }),
  z.object({
    type: z.literal('camera_offline'),
    afterMinutes: z.number().int().min(1).max(1440).default(5),
  }),
  z.object({ type: z.literal('camera_online') }),
  z.object({ type: z.literal('recording_stopped') }),
  z.object({ type: z.literal('auth_failing') }),
  z.object({
    type: z.literal('clock_skew'),
    overSeconds: z.number().int().min(1).max(86_400).default(60),
  }),
]);
export type Trigger = z.output<typeof triggerSchema>;
export type TriggerType = Trigger['type'];

export const ruleKindOf = (t: Trigger): 'sensor' | 'system' =>
  t.type === 'onvif' || t.type === 'analytics' ? 'sensor' : 'system';

/** Push is for server-side analytics only (the product's rule); the reason is shown in the UI. */
export function pushNotAllowedReason(t: Trigger): string | null {
  return t.type === 'analytics'
    ? null
    : 'Push notifications are only sent for server-side analytics triggers; use email for camera and system events.';
}

/** Week grid: 7 days (Monday first) × 24 hours, each day a 24-bit mask of active hours. */
export const scheduleSchema = z
  .array(z.number().int().min(0).max(0xffffff))
  .length(7, { error: 'A schedule has one entry per weekday.' })
  .refine((days) => days.some((d) => d !== 0), {
    error: 'Select at least one hour in the schedule: an empty schedule never notifies anyone.',
  });
export const ALWAYS: number[] = Array.from({ length: 7 }, () => 0xffffff);

export const ruleFieldsSchema = z.object({
  name: nameField('Rule name'),
  trigger: triggerSchema,
  /** `all`: every camera of the customer, including ones added later. */
  cameras: z.union([
    z.literal('all'),
    z.array(idField).min(1, { error: 'Choose at least one camera (or all cameras).' }).max(10_000),
  ]),
  recipientIds: z.array(idField).min(1, { error: 'Choose at least one recipient.' }).max(10_000),
  channel: z.enum(['email', 'push']).default('email'),
  schedule: scheduleSchema.default(ALWAYS),
  /** 0: one email per event; N: collect events for N minutes into one email. */
  digestMinutes: z.number().int().min(0).max(1440).default(0),
  /** Minimum time between two notifications of this rule for one camera. */
  minIntervalSeconds: z.number().int().min(0).max(86_400).default(60),
  enabled: z.boolean().default(true),
});
export type RuleFields = z.output<typeof ruleFieldsSchema>;

export const createRuleSchema = ruleFieldsSchema.extend({ customerId: idField });
export type CreateRuleInput = z.input<typeof createRuleSchema>;
export type CreateRule = z.output<typeof createRuleSchema>;
export const updateRuleSchema = ruleFieldsSchema.extend({ id: idField });
export type UpdateRule = z.output<typeof updateRuleSchema>;

export const alertRuleSchema = ruleFieldsSchema.extend({
  id: z.string(),
  customerId: z.string(),
  kind: z.enum(['sensor', 'system']),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type AlertRule = z.infer<typeof alertRuleSchema>;

export const deliveryStatusSchema = z.enum(['digest', 'pending', 'sent', 'failed']);
export const alertHistoryEntrySchema = z.object({
  id: z.number(),
  at: z.string(),
  ruleId: z.string().nullable(),
  ruleName: z.string(),
  cameraName: z.string(),
  event: z.string(),
  recipients: z.array(z.string()),
  status: deliveryStatusSchema,
  attempts: z.number(),
  error: z.string().nullable(),
  sentAt: z.string().nullable(),
});
export type AlertHistoryEntry = z.infer<typeof alertHistoryEntrySchema>;

/** What the rule editor needs: who offers which topic, and whether rules can be created. */
export const alertSetupSchema = z.object({
  emailAllowed: z.boolean(),
  pushAllowed: z.boolean(),
  /** Why rules cannot be created (module off), or null. */
  blockedReason: z.string().nullable(),
  smtpConfigured: z.boolean(),
  topics: z.array(
    z.object({
      topic: z.string(),
      dataItems: z.array(z.object({ name: z.string(), type: z.string() })),
      cameraIds: z.array(z.string()),
    }),
  ),
  cameras: z.array(z.object({ id: z.string(), name: z.string(), topicsRead: z.boolean() })),
  users: z.array(z.object({ id: z.string(), name: z.string(), login: z.string() })),
});
export type AlertSetup = z.infer<typeof alertSetupSchema>;

export const smtpSettingsSchema = z.object({
  host: z
    .string()
    .trim()
    .min(1, { error: 'SMTP host is required.' })
    .max(253)
    .refine((v) => /^[A-Za-z0-9.-]+$|^\[?[0-9a-fA-F:]+\]?$/.test(v), {
      error: 'Enter a host name or IP address like smtp.example.com.',
    }),
  port: z
    .number({ error: 'SMTP port is required.' })
    .int()
    .min(1, { error: 'SMTP port must be 1 to 65535.' })
    .max(65535, { error: 'SMTP port must be 1 to 65535.' }),
  /** `tls`: implicit TLS (465); `starttls`: upgrade required; `none`: plain (LAN relays only). */
  security: z.enum(['none', 'starttls', 'tls']),
  user: z.string().trim().max(254).default(''),
  /** Write-only: omitted keeps the stored one; '' clears it. */
  password: z.string().max(256).optional(),
  from: z.email({ error: 'Enter the sender address like alerts@example.com.' }),
});
export type SmtpSettingsInput = z.input<typeof smtpSettingsSchema>;
export type SmtpSettings = z.output<typeof smtpSettingsSchema>;
export const smtpSettingsViewSchema = smtpSettingsSchema
  .omit({ password: true })
  .extend({ hasPassword: z.boolean() });
export type SmtpSettingsView = z.infer<typeof smtpSettingsViewSchema>;
