/**
 * The sync protocol between a desktop and the central server (docs/sync.md has the picture):
 * POST /v1/auth/login, then POST /v1/sync/push (batches of outbox mutations) and
 * POST /v1/sync/pull (row changes since a cursor, limited to the account's subtree).
 * The server validates every body with these schemas; the desktop parses every answer with them.
 */
import { z } from 'zod';
import { commandSchemas, type CommandName } from './commands';
import { accountRoleSchema } from './roles';
import { isHlc } from './hlc';
import { idField } from '../validation';
import { tenantStatusSchema } from '../tenancy';
import { cameraFieldsSchema, recordKindSchema, syncRecordSchema, type SyncRecord } from './records';

export const MAX_PUSH_BATCH = 1000;
export const MAX_PULL_LIMIT = 10_000;
export const MAX_REFRESH = 1000;

export const clientIdField = z
  .string()
  .regex(/^[A-Za-z0-9-]{8,64}$/, { error: 'A client id is 8 to 64 letters, digits or dashes.' });
export const hlcField = z
  .string()
  .refine(isHlc, { error: 'Not a hybrid logical clock timestamp.' });

const mutationOf = <C extends CommandName>(command: C) =>
  z.object({
    id: z.number().int().positive(),
    command: z.literal(command),
    args: commandSchemas[command],
    hlc: hlcField,
  });

/** One outbox entry as pushed: the server checks the name and the arguments before anything. */
export const mutationSchema = z.discriminatedUnion('command', [
  mutationOf('tenants.create'),
  mutationOf('tenants.update'),
  mutationOf('tenants.move'),
  mutationOf('tenants.delete'),
  mutationOf('tenants.disable'),
  mutationOf('tenants.enable'),
  mutationOf('modules.set'),
  mutationOf('business.set'),
  mutationOf('records.put'),
  mutationOf('records.delete'),
]);
export type Mutation = z.output<typeof mutationSchema>;

export const pushRequestSchema = z.object({
  clientId: clientIdField,
  mutations: z.array(mutationSchema).max(MAX_PUSH_BATCH),
});
export type PushRequest = z.input<typeof pushRequestSchema>;

export const overwrittenSchema = z.object({ field: z.string(), by: z.string() });

export const mutationResultSchema = z.object({
  id: z.number(),
  status: z.enum(['applied', 'rejected']),
  /** For a rejection: the error code and a message a person can act on. */
  code: z.string().optional(),
  message: z.string().optional(),
  /** Fields this mutation lost to a newer edit made elsewhere. */
  overwritten: z.array(overwrittenSchema).optional(),
  /** True when the server had already applied this mutation (a retried push). */
  duplicate: z.boolean().optional(),
});
export type MutationResult = z.infer<typeof mutationResultSchema>;

export const pushResponseSchema = z.object({
  results: z.array(mutationResultSchema),
  serverHlc: z.string(),
});
export type PushResponse = z.infer<typeof pushResponseSchema>;

export const pullRequestSchema = z.object({
  clientId: clientIdField,
  /** '' for a first (or reset) pull: the server answers with a snapshot of the subtree. */
  cursor: z.string().max(1000).default(''),
  /** Tenants (or, with `kind`, records) to re-read whatever the cursor says (after a rejected or
   * partly lost mutation). */
  refresh: z
    .array(
      z.object({
        id: idField,
        subtree: z.boolean().default(false),
        kind: recordKindSchema.optional(),
      }),
    )
    .max(MAX_REFRESH)
    .default([]),
  limit: z.number().int().min(1).max(MAX_PULL_LIMIT).default(5000),
  /** Forms of changes the desktop reads besides the object forms (CAMERA_ROWS_FORMAT); a server
   * sends only what is listed, and ignores names it does not know (a newer desktop's). */
  formats: z.array(z.string().max(40)).max(16).default([]),
});
export type PullRequest = z.input<typeof pullRequestSchema>;

/** A tenant as the server stores it: what the desktop writes into its own table. */
export const syncTenantSchema = z.object({
  id: z.string(),
  kind: z.enum(['root', 'integrator', 'customer']),
  parentId: z.string().nullable(),
  path: z.string(),
  depth: z.number(),
  name: z.string(),
  contactPerson: z.string(),
  email: z.string(),
  phone: z.string(),
  address: z.string(),
  timeZone: z.string(),
  notes: z.string(),
  ownDisabled: z.boolean(),
  disabledBy: z.string().nullable(),
  moduleOverrides: z.record(z.string(), z.boolean()),
  business: z.unknown().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type SyncTenant = z.infer<typeof syncTenantSchema>;

export const rowChangeSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('upsert'), row: syncTenantSchema }),
  /** Deleted, or no longer in the account's subtree (moved away): the desktop drops it. */
  z.object({ op: z.literal('delete'), id: z.string() }),
  /** A user, role or camera (shared/sync/records.ts), current state. */
  z.object({ op: z.literal('record'), record: syncRecordSchema }),
  /** A record deleted, or no longer in the account's subtree. */
  z.object({ op: z.literal('recordDelete'), kind: recordKindSchema, id: z.string() }),
]);
export type RowChange = z.infer<typeof rowChangeSchema>;

/**
 * A pull that lists this format may receive a snapshot page's cameras as one change,
 * `{op: 'cameraRows', rows}`: each camera as an array of its values (CAMERA_ROW_FIELDS) rather
 * than an object with its keys. A first pull brings half a million cameras; as rows they are a
 * quarter fewer bytes for the server to read and send, and V8 parses a page of 2,000 in about
 * half the time (no key and no object per camera). The server keeps each camera's row ready in
 * its database (server/db/schema.ts).
 */
export const CAMERA_ROWS_FORMAT = 'cameraRows';

const cameraField = cameraFieldsSchema.shape;
/** A camera record as a row: its values in this order (the server builds rows in this order). */
export const CAMERA_ROW_FIELDS = [
  'id',
  'tenantId',
  'createdAt',
  'updatedAt',
  ...(Object.keys(cameraField) as (keyof typeof cameraField)[]),
] as const;
export const cameraRowSchema = z.tuple([
  z.string(),
  z.string(),
  z.string(),
  z.string(),
  cameraField.name,
  cameraField.kind,
  cameraField.address,
  cameraField.model,
  cameraField.enabled,
  cameraField.xaddr,
  cameraField.endpointRef,
  cameraField.deviceInfo,
  cameraField.mac,
  cameraField.profiles,
  cameraField.streamUri,
  cameraField.recordingProfile,
  cameraField.username,
  cameraField.pnpCloudId,
]);
export type CameraRow = z.output<typeof cameraRowSchema>;
type CameraSyncRecord = Extract<SyncRecord, { kind: 'camera' }>;

/** The camera record a row stands for. */
export function cameraRowRecord(row: CameraRow): CameraSyncRecord {
  return {
    kind: 'camera',
    id: row[0],
    tenantId: row[1],
    data: {
      name: row[4],
      kind: row[5],
      address: row[6],
      model: row[7],
      enabled: row[8],
      xaddr: row[9],
      endpointRef: row[10],
      deviceInfo: row[11],
      mac: row[12],
      profiles: row[13],
      streamUri: row[14],
      recordingProfile: row[15],
      username: row[16],
      pnpCloudId: row[17],
    },
    createdAt: row[2],
    updatedAt: row[3],
  };
}

/** A camera record as a row (CAMERA_ROW_FIELDS). */
export function cameraRecordRow(r: CameraSyncRecord): CameraRow {
  const d = r.data;
  return [
    r.id,
    r.tenantId,
    r.createdAt,
    r.updatedAt,
    d.name,
    d.kind,
    d.address,
    d.model,
    d.enabled,
    d.xaddr,
    d.endpointRef,
    d.deviceInfo,
    d.mac,
    d.profiles,
    d.streamUri,
    d.recordingProfile,
    d.username,
    d.pnpCloudId,
  ];
}

export const cameraRowsChangeSchema = z.object({
  op: z.literal(CAMERA_ROWS_FORMAT),
  rows: z.array(cameraRowSchema).max(MAX_PULL_LIMIT),
});

export const pullResponseSchema = z.object({
  changes: z.array(rowChangeSchema),
  cursor: z.string(),
  /** More changes wait: pull again with the new cursor. */
  more: z.boolean(),
  /** This answer starts a snapshot (first pull, unknown cursor or reset client): rows absent from
   * the snapshot once it completes are no longer the desktop's. */
  snapshot: z.boolean(),
  /** The last page of a snapshot. */
  snapshotDone: z.boolean(),
  /**
   * A snapshot's first page: how many rows the whole snapshot brings (the subtree's tenants and
   * records as it starts), for the desktop's progress. Absent elsewhere, and from older servers.
   */
  snapshotRows: z.number().int().nonnegative().optional(),
  /** The account's node and its ancestors, root first: the desktop keeps them as context. */
  chain: z.array(syncTenantSchema),
  serverHlc: z.string(),
});
export type PullResponse = z.infer<typeof pullResponseSchema>;

/**
 * A pull's answer as a server sends it to a pull that lists CAMERA_ROWS_FORMAT: a PullResponse
 * whose changes may hold `cameraRows` (pullResponseOfWire makes it one).
 */
export const pullWireResponseSchema = pullResponseSchema.extend({
  changes: z.array(
    z.discriminatedUnion('op', [...rowChangeSchema.options, cameraRowsChangeSchema]),
  ),
});
export type PullWireResponse = z.infer<typeof pullWireResponseSchema>;

/** The PullResponse a wire answer stands for: each camera row as its record's change, in place. */
export function pullResponseOfWire(wire: PullWireResponse): PullResponse {
  const changes: RowChange[] = [];
  for (const c of wire.changes) {
    if (c.op !== CAMERA_ROWS_FORMAT) changes.push(c);
    else for (const row of c.rows) changes.push({ op: 'record', record: cameraRowRecord(row) });
  }
  return { ...wire, changes };
}

/**
 * A header of a pull's answer that says, ahead of its body, where the next page starts: the
 * answer's `cursor`, URI-encoded, sent only when `more` is true. A desktop reading ahead asks for
 * the next page as soon as the headers arrive, so the server reads that page while the desktop
 * takes in this one (otherwise the two wait for each other at every page). The body stays what
 * counts: a desktop asks for the page after the body's cursor, and a page read ahead from another
 * cursor is never used.
 */
export const PULL_NEXT_HEADER = 'x-sync-next';

export const loginRequestSchema = z.object({
  email: z.string().trim().toLowerCase().min(3).max(254),
  password: z.string().min(1).max(200),
});

export const accountSchema = z.object({
  id: z.string(),
  email: z.string(),
  tenantId: z.string(),
  role: accountRoleSchema,
  disabled: z.boolean(),
  createdAt: z.string(),
});
export type Account = z.infer<typeof accountSchema>;

export const loginResponseSchema = z.object({
  token: z.string(),
  expiresAt: z.string(),
  account: accountSchema,
});
export type LoginResponse = z.infer<typeof loginResponseSchema>;

export const PASSWORD_MIN = 10;
export const createAccountSchema = z.object({
  email: z
    .string()
    .trim()
    .toLowerCase()
    .max(254)
    .pipe(z.email({ error: 'Enter an email address like name@example.com.' })),
  password: z
    .string()
    .min(PASSWORD_MIN, { error: `A password has at least ${PASSWORD_MIN} characters.` })
    .max(200),
  tenantId: idField,
  role: accountRoleSchema,
});
export type CreateAccount = z.output<typeof createAccountSchema>;

export const accountListSchema = z.array(accountSchema);

export const statusResponseSchema = z.object({ ok: z.literal(true) });

export { tenantStatusSchema };
