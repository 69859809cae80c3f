/**
 * Users, roles and camera rights: the catalog (as data) and the API schemas. The rules that turn
 * these into "can this user do that, and why not" live in ./user-access.ts.
 */
import { z } from 'zod';
import type { ModuleId } from './modules';
import { emailField, idField, nameField, optionalText, phoneField } from './validation';

/**
 * Per-camera rights a role grants. `module` is the feature module the right needs; `portals` are
 * the apps it is exercised in (a role's type decides which of those its users may open).
 * Update/Delete is an administration task: it needs the Admin portal and still applies to a camera
 * that is switched off (an admin must be able to switch it back on or remove it).
 */
export const CAMERA_RIGHTS = [
  {
    id: 'view',
    label: 'View',
    bit: 1,
    module: 'live_video',
    portals: ['video_portal', 'mobile_app'],
    onDisabledCamera: false,
  },
  {
    id: 'share',
    label: 'Share',
    bit: 2,
    module: 'camera_sharing',
    portals: ['video_portal', 'mobile_app'],
    onDisabledCamera: false,
  },
  {
    id: 'ptz',
    label: 'PTZ',
    bit: 4,
    module: 'live_video',
    portals: ['video_portal', 'mobile_app'],
    onDisabledCamera: false,
  },
  {
    id: 'update_delete',
    label: 'Update/Delete',
    bit: 8,
    module: 'admin_portal',
    portals: ['admin_portal'],
    onDisabledCamera: true,
  },
  {
    id: 'save_clip',
    label: 'Save clip',
    bit: 16,
    module: 'clips',
    portals: ['video_portal', 'mobile_app'],
    onDisabledCamera: false,
  },
] as const satisfies readonly {
  id: string;
  label: string;
  bit: number;
  module: ModuleId;
  portals: readonly ModuleId[];
  onDisabledCamera: boolean;
}[];

export type CameraRight = (typeof CAMERA_RIGHTS)[number]['id'];
export type CameraRightInfo = (typeof CAMERA_RIGHTS)[number];
export const CAMERA_RIGHT_IDS = CAMERA_RIGHTS.map((r) => r.id) as [CameraRight, ...CameraRight[]];
export const ALL_RIGHTS_MASK = CAMERA_RIGHTS.reduce((m, r) => m | r.bit, 0);

/** Role types: which portals and apps a role's users may open. */
export const ROLE_TYPES = [
  {
    id: 'admin',
    label: 'Admin',
    portals: ['admin_portal', 'video_portal'],
    description: 'Admin portal and video portal.',
  },
  {
    id: 'guard',
    label: 'Guard',
    portals: ['video_portal', 'mobile_app'],
    description: 'Video portal and mobile app only.',
  },
] as const satisfies readonly {
  id: string;
  label: string;
  portals: readonly ModuleId[];
  description: string;
}[];
export type RoleType = (typeof ROLE_TYPES)[number]['id'];
export const ROLE_TYPE_IDS = ROLE_TYPES.map((t) => t.id) as [RoleType, ...RoleType[]];

/** Actions that need no camera: opening a portal or the app. */
export const PORTAL_ACTIONS = [
  { id: 'use_admin_portal', label: 'Use the Admin portal', module: 'admin_portal' },
  { id: 'use_video_portal', label: 'Use the Video portal', module: 'video_portal' },
  { id: 'use_mobile_app', label: 'Use the mobile app', module: 'mobile_app' },
] as const satisfies readonly { id: string; label: string; module: ModuleId }[];
export type PortalAction = (typeof PORTAL_ACTIONS)[number]['id'];

export type AccessAction = CameraRight | PortalAction;
export const ACCESS_ACTION_IDS = [...CAMERA_RIGHT_IDS, ...PORTAL_ACTIONS.map((a) => a.id)] as [
  AccessAction,
  ...AccessAction[],
];

const rightById = new Map<string, CameraRightInfo>(CAMERA_RIGHTS.map((r) => [r.id, r]));
export function cameraRight(id: CameraRight): CameraRightInfo {
  const info = rightById.get(id);
  if (!info) throw new Error(`Unknown camera right ${id}`);
  return info;
}
export function isCameraRight(id: string): id is CameraRight {
  return rightById.has(id);
}
export function roleTypeInfo(id: RoleType) {
  const info = ROLE_TYPES.find((t) => t.id === id);
  if (!info) throw new Error(`Unknown role type ${id}`);
  return info;
}
export function rightsToMask(rights: readonly CameraRight[]): number {
  return rights.reduce((m, r) => m | cameraRight(r).bit, 0);
}
export function maskToRights(mask: number): CameraRight[] {
  return CAMERA_RIGHTS.filter((r) => (mask & r.bit) !== 0).map((r) => r.id);
}

/** Integrator managers: the people who run an integrator's account. */
export const MANAGER_TYPES = [
  { id: 'program_admin', label: 'Program administrator' },
  { id: 'billing_admin', label: 'Billing administrator' },
] as const;
export type UserType = 'customer_user' | (typeof MANAGER_TYPES)[number]['id'];
export const userTypeSchema = z.enum(['customer_user', 'program_admin', 'billing_admin']);

export const cameraRightSchema = z.enum(CAMERA_RIGHT_IDS);
export const roleTypeSchema = z.enum(ROLE_TYPE_IDS);
export const accessActionSchema = z.enum(ACCESS_ACTION_IDS);

export const PASSWORD_MIN = 10;
export const passwordField = z
  .string({ error: 'Password is required.' })
  .min(PASSWORD_MIN, { error: `Password must be at least ${PASSWORD_MIN} characters.` })
  .max(200, { error: 'Password must be at most 200 characters.' })
  .refine((v) => v.trim().length === v.length, {
    error: 'Password cannot start or end with a space.',
  });

const loginField = emailField;

export const tenantRefSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['root', 'integrator', 'customer']),
});
export type TenantRef = z.infer<typeof tenantRefSchema>;

export const userSchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  name: z.string(),
  login: z.string(),
  phone: z.string(),
  type: userTypeSchema,
  roles: z.array(z.object({ id: z.string(), name: z.string(), type: roleTypeSchema })),
  /** The user's own switch. */
  active: z.boolean(),
  isOwner: z.boolean(),
  forcePasswordChange: z.boolean(),
  hasPassword: z.boolean(),
  /** Own switch on and no tenant above disabled. */
  available: z.boolean(),
  /** Why the user is blocked although their own switch may be on: the disabled tenant. */
  blockedBy: tenantRefSchema.nullable(),
  pendingResets: z.number(),
  lastLoginAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type User = z.infer<typeof userSchema>;

export const userStatusFilterSchema = z.enum(['all', 'active', 'disabled', 'blocked']);
export const listUsersSchema = z.object({
  tenantId: idField,
  search: z.string().trim().max(120).default(''),
  status: userStatusFilterSchema.default('all'),
  roleId: idField.optional(),
});
export type ListUsers = z.output<typeof listUsersSchema>;

export const createUserSchema = z.object({
  tenantId: idField,
  name: nameField('Name'),
  login: loginField,
  phone: phoneField,
  /** Integrator managers only; customer users get `customer_user`. */
  type: userTypeSchema.optional(),
  roleIds: z.array(idField).max(200).default([]),
  password: passwordField.optional(),
  forcePasswordChange: z.boolean().default(true),
});
export type CreateUserInput = z.input<typeof createUserSchema>;
export type CreateUser = z.output<typeof createUserSchema>;

export const updateUserSchema = z.object({
  id: idField,
  name: nameField('Name').optional(),
  login: loginField.optional(),
  phone: phoneField.optional(),
  type: userTypeSchema.optional(),
  roleIds: z.array(idField).max(200).optional(),
  forcePasswordChange: z.boolean().optional(),
});
export type UpdateUser = z.output<typeof updateUserSchema>;

export const setPasswordSchema = z.object({
  id: idField,
  password: passwordField,
  forcePasswordChange: z.boolean().default(false),
});

export const passwordResetSchema = z.object({
  id: z.number(),
  userId: z.string(),
  email: z.string(),
  status: z.enum(['queued', 'sent', 'failed']),
  requestedAt: z.string(),
  expiresAt: z.string(),
});
export type PasswordReset = z.infer<typeof passwordResetSchema>;

export const roleCameraSchema = z.object({
  cameraId: idField,
  rights: z.array(cameraRightSchema).max(CAMERA_RIGHTS.length),
});

export const roleSchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  name: z.string(),
  description: z.string(),
  type: roleTypeSchema,
  users: z.array(z.object({ id: z.string(), name: z.string(), login: z.string() })),
  cameras: z.array(
    z.object({ cameraId: z.string(), name: z.string(), rights: z.array(cameraRightSchema) }),
  ),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Role = z.infer<typeof roleSchema>;

export const createRoleSchema = z.object({
  tenantId: idField,
  name: nameField('Role name'),
  description: optionalText('Description', 500),
  type: roleTypeSchema,
  userIds: z.array(idField).max(5000).default([]),
  cameras: z.array(roleCameraSchema).max(20_000).default([]),
});
export type CreateRoleInput = z.input<typeof createRoleSchema>;
export type CreateRole = z.output<typeof createRoleSchema>;

export const updateRoleSchema = z.object({
  id: idField,
  name: nameField('Role name').optional(),
  description: optionalText('Description', 500).optional(),
  type: roleTypeSchema.optional(),
  userIds: z.array(idField).max(5000).optional(),
  cameras: z.array(roleCameraSchema).max(20_000).optional(),
});
export type UpdateRole = z.output<typeof updateRoleSchema>;

export const deleteRoleSchema = z.object({
  id: idField,
  /** Confirmed by the person: take the role away from its users, then delete it. */
  detachUsers: z.boolean().default(false),
});

export const setupStepSchema = z.object({
  id: z.enum(['details', 'users', 'roles', 'cameras']),
  done: z.boolean(),
  count: z.number(),
});
export const setupStatusSchema = z.object({
  customerId: z.string(),
  steps: z.array(setupStepSchema),
  /** The first step not done yet, where the wizard resumes; null when every step is done. */
  next: z.enum(['details', 'users', 'roles', 'cameras']).nullable(),
  cameraCount: z.number(),
});
export type SetupStatus = z.infer<typeof setupStatusSchema>;
