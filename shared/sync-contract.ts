/** The app side of sync in the API contract (spread into shared/contract.ts). */
import { z } from 'zod';

const method = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O) => ({
  input,
  output,
});

export const syncPhaseSchema = z.enum([
  'standalone',
  'signed-out',
  'synced',
  'pending',
  'offline',
  'error',
]);
export type SyncPhaseName = z.infer<typeof syncPhaseSchema>;

export const syncStatusSchema = z.object({
  phase: syncPhaseSchema,
  pending: z.number().int(),
  serverUrl: z.string().nullable(),
  account: z.object({ email: z.string(), role: z.string(), tenantId: z.string() }).nullable(),
  lastSyncAt: z.string().nullable(),
  lastError: z.string().nullable(),
  /** A sync is running right now. */
  syncing: z.boolean(),
  /** When the background loop tries next (after a failure: exponential back-off). */
  nextAttemptAt: z.string().nullable(),
  /**
   * While a sync brings a snapshot (a first pull: the whole subtree): the rows written so far and
   * how many it brings (null when the server does not say). Null otherwise.
   */
  progress: z
    .object({
      rows: z.number().int().nonnegative(),
      total: z.number().int().nonnegative().nullable(),
    })
    .nullable(),
  /**
   * Grows each time the status changes: a view that reaches the renderer late (an API answer
   * overtaken by a pushed event) is older than the one shown and is ignored.
   */
  revision: z.number().int().nonnegative(),
});
export type SyncStatusView = z.infer<typeof syncStatusSchema>;

/** A server address: http(s) only, with a host; clear messages for what people type. */
export const serverUrlSchema = z
  .string()
  .trim()
  .min(1, { error: 'Enter the server address, e.g. https://sync.example.com.' })
  .max(2000, { error: 'That server address is too long.' })
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: 'That is not a server address. Use the form https://sync.example.com.',
      });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      ctx.addIssue({
        code: 'custom',
        message: `The server address must start with https:// (or http:// on a local network), not ${url.protocol}//.`,
      });
      return;
    }
    if (!url.hostname) ctx.addIssue({ code: 'custom', message: 'The address has no host name.' });
    if (url.username || url.password)
      ctx.addIssue({
        code: 'custom',
        message: 'Put the email and password in their own fields, not in the address.',
      });
  });

export const uploadPreviewSchema = z.object({
  count: z.number().int(),
  names: z.array(z.string()),
});

export const syncConnectSchema = z.object({
  serverUrl: serverUrlSchema,
  email: z
    .string()
    .trim()
    .min(1, { error: 'Enter the email address of your server account.' })
    .max(254),
  password: z.string().min(1, { error: 'Enter your password.' }).max(1000),
});

export const syncReportSchema = z.object({
  ok: z.boolean(),
  pushed: z.number().int(),
  rejected: z.number().int(),
  pulled: z.number().int(),
  error: z.string().optional(),
});

const jsonValue = z.unknown();

export const syncDetailsSchema = z.object({
  pending: z.array(
    z.object({
      mutationId: z.number().int(),
      command: z.string(),
      summary: z.string(),
      createdAt: z.string(),
    }),
  ),
  rejected: z.array(
    z.object({
      mutationId: z.number().int(),
      command: z.string(),
      summary: z.string(),
      code: z.string(),
      reason: z.string(),
      createdAt: z.string(),
      answeredAt: z.string().nullable(),
    }),
  ),
  overwritten: z.array(
    z.object({
      mutationId: z.number().int(),
      command: z.string(),
      tenantId: z.string().nullable(),
      tenantName: z.string().nullable(),
      field: z.string(),
      yourValue: jsonValue,
      theirValue: jsonValue,
      who: z.string(),
      when: z.string().nullable(),
      answeredAt: z.string().nullable(),
    }),
  ),
});
export type SyncDetails = z.infer<typeof syncDetailsSchema>;

export const syncMethods = {
  'sync.status': method(z.object({}), syncStatusSchema),
  'sync.connect': method(
    syncConnectSchema,
    z.object({ status: syncStatusSchema, upload: uploadPreviewSchema }),
  ),
  /** Log out (keeps the server and the pending changes), or `forget`: back to standalone. */
  'sync.disconnect': method(z.object({ forget: z.boolean().default(false) }), syncStatusSchema),
  'sync.uploadPreview': method(z.object({}), uploadPreviewSchema),
  'sync.uploadLocal': method(
    z.object({}),
    z.object({ queued: z.number().int(), status: syncStatusSchema }),
  ),
  'sync.now': method(
    z.object({}),
    z.object({ report: syncReportSchema, status: syncStatusSchema }),
  ),
  'sync.details': method(z.object({}), syncDetailsSchema),
  /** Removes the answered (rejected / overwritten) entries from the Sync screen. */
  'sync.clearAnswered': method(z.object({}), z.object({ ok: z.literal(true) })),
} as const;

export const syncEvents = {
  /** The sync indicator: pushed whenever the status changes. */
  'sync.status': syncStatusSchema,
} as const;
