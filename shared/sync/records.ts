/**
 * Records: the rows that hang off a customer (users, roles, cameras) and sync the same way,
 * generically. A record is (kind, id, tenantId, fields); each kind lists its synced fields here
 * with a zod schema, which the desktop checks before it records a change and the server checks
 * before it stores one. Fields merge one by one (last writer wins per field, shared/sync/merge.ts).
 *
 * What stays on the device: camera logins (sealed with the device's own key, electron/secrets),
 * snapshots and the state a device check observes (status, last error, clock skew), users' last
 * login and password-reset queue. docs/sync.md says why.
 */
import { z } from 'zod';
import { cameraProfileSchema, deviceInfoSchema } from '../cameras';
import { roleTypeSchema, userTypeSchema } from '../people';

export const RECORD_KINDS = ['camera', 'role', 'user'] as const;
export const recordKindSchema = z.enum(RECORD_KINDS);
export type RecordKind = z.infer<typeof recordKindSchema>;

/** Record ids are chosen by the desktop (shared/ids.ts; older ones by randomUUID); letters, digits, dashes and underscores. */
export const recordIdField = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'A record id is 1 to 64 letters, digits, - or _.' });

const text = (max: number) => z.string().max(max);

export const userFieldsSchema = z.strictObject({
  name: text(200).min(1),
  /** The sign-in email, lower case; unique across the installation. */
  login: text(254).min(1),
  phone: text(40),
  type: userTypeSchema,
  active: z.boolean(),
  isOwner: z.boolean(),
  forcePasswordChange: z.boolean(),
  /** scrypt$N$r$p$salt$key (electron/people/password.ts); null while no password is set. */
  passwordHash: text(300).nullable(),
  /** Role membership lives on the user (one source): ids of roles of the same customer. */
  roleIds: z.array(recordIdField).max(200),
});

export const roleFieldsSchema = z.strictObject({
  name: text(200).min(1),
  description: text(500),
  type: roleTypeSchema,
  /** Camera id → rights bit mask (shared/people.ts CAMERA_RIGHTS). */
  grants: z.record(recordIdField, z.number().int().min(1).max(31)),
});

export const cameraFieldsSchema = z.strictObject({
  name: text(200).min(1),
  kind: z.enum(['onvif', 'rtsp', 'pnp']),
  address: text(1000),
  model: text(200),
  enabled: z.boolean(),
  xaddr: text(1000).nullable(),
  endpointRef: text(300).nullable(),
  deviceInfo: deviceInfoSchema.nullable(),
  mac: text(64).nullable(),
  profiles: z.array(cameraProfileSchema).max(256),
  streamUri: text(1000).nullable(),
  recordingProfile: text(64).nullable(),
  /** The login's user name only: the password is sealed with this device's key and stays here. */
  username: text(64),
  pnpCloudId: text(64).nullable(),
});

export const recordFieldSchemas = {
  user: userFieldsSchema,
  role: roleFieldsSchema,
  camera: cameraFieldsSchema,
} as const;

export type RecordFields<K extends RecordKind = RecordKind> = z.output<
  (typeof recordFieldSchemas)[K]
>;
export type RecordFieldName<K extends RecordKind = RecordKind> = keyof RecordFields<K> & string;
export type UserFields = RecordFields<'user'>;
export type RoleFields = RecordFields<'role'>;
export type CameraFields = RecordFields<'camera'>;

const putOf = <K extends RecordKind>(kind: K) =>
  z.object({
    kind: z.literal(kind),
    id: recordIdField,
    tenantId: z.string().trim().min(1).max(64),
    /** Only the fields that changed; every field when the record is new. */
    fields: recordFieldSchemas[kind].partial(),
  });

/** `records.put`: creates the record, or writes the given fields of it. */
export const recordPutSchema = z.discriminatedUnion('kind', [
  putOf('user'),
  putOf('role'),
  putOf('camera'),
]);
export type RecordPut = z.output<typeof recordPutSchema>;

/** `records.delete`: a delete beats concurrent edits; the id never comes back. */
export const recordDeleteSchema = z.object({ kind: recordKindSchema, id: recordIdField });
export type RecordDelete = z.output<typeof recordDeleteSchema>;

/** A record as the server sends it in a pull. */
const syncRecordOf = <K extends RecordKind>(kind: K) =>
  z.object({
    kind: z.literal(kind),
    id: z.string(),
    tenantId: z.string(),
    data: recordFieldSchemas[kind],
    createdAt: z.string(),
    updatedAt: z.string(),
  });
export const syncRecordSchema = z.discriminatedUnion('kind', [
  syncRecordOf('user'),
  syncRecordOf('role'),
  syncRecordOf('camera'),
]);
export type SyncRecord = z.output<typeof syncRecordSchema>;

/** Parses a complete record's fields (a new record, or stored fields merged with a write). */
export function parseRecordFields(kind: RecordKind, data: unknown): RecordFields | null {
  const parsed = recordFieldSchemas[kind].safeParse(data);
  return parsed.success ? parsed.data : null;
}

/** Which tenant kinds a record may belong to: everything belongs to customers, except integrator
 * managers (users of an integrator, shared/people.ts MANAGER_TYPES). */
export function allowedTenantKind(
  kind: RecordKind,
  tenantKind: string,
  data: RecordFields,
): boolean {
  if (tenantKind === 'customer')
    return kind !== 'user' || (data as UserFields).type === 'customer_user';
  return (
    tenantKind === 'integrator' && kind === 'user' && (data as UserFields).type !== 'customer_user'
  );
}

/**
 * The value that must be unique among live records of a kind (null: none): a user's login across
 * the installation, a role's name within its customer, a camera's ONVIF endpoint or P&P cloud id.
 * The desktop has the same unique indexes; the server refuses the second holder.
 */
export function uniqueKey(kind: RecordKind, tenantId: string, data: RecordFields): string | null {
  switch (kind) {
    case 'user':
      return (data as UserFields).login.toLowerCase();
    case 'role':
      return `${tenantId}/${(data as RoleFields).name.toLowerCase()}`;
    case 'camera': {
      const c = data as CameraFields;
      return c.endpointRef !== null
        ? `ep:${c.endpointRef}`
        : c.pnpCloudId !== null
          ? `pnp:${c.pnpCloudId}`
          : null;
    }
  }
}

/**
 * What a desktop service reports inside its transaction: a record written (the fields it changed,
 * or all of them for a new one) or deleted. The sync engine reads the values from the row.
 */
export type RecordChange =
  | { kind: RecordKind; id: string; fields: 'all' }
  | {
      [K in RecordKind]: { kind: K; id: string; fields: readonly RecordFieldName<K>[] };
    }[RecordKind]
  | { kind: RecordKind; id: string; deleted: true };

export const RECORD_LABEL: Record<RecordKind, string> = {
  user: 'user',
  role: 'role',
  camera: 'camera',
};
