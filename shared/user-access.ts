/**
 * Effective access of one user: can user U do action A (on camera C), and if not, every reason
 * why. One pure function used by the UI, the desktop services and the central server.
 *
 * A camera right is granted when all of these hold (each failing one is a reason):
 * - the user's own switch is on, and neither the customer nor any integrator above it is disabled;
 * - the camera belongs to the user's customer, and is switched on (Update/Delete excepted);
 * - the right's module is switched on at the customer and at every tenant above it;
 * - one of the user's roles grants the right on the camera, through a portal its role type opens
 *   (Admin: Admin + Video portal; Guard: Video portal + mobile app) that is switched on.
 */
import { z } from 'zod';
import type { ChainLink } from './access';
import { MODULE_IDS, moduleInfo, ownModuleState, type ModuleId } from './modules';
import {
  CAMERA_RIGHTS,
  PORTAL_ACTIONS,
  ROLE_TYPES,
  accessActionSchema,
  cameraRight,
  cameraRightSchema,
  isCameraRight,
  roleTypeInfo,
  roleTypeSchema,
  tenantRefSchema,
  type AccessAction,
  type CameraRight,
  type PortalAction,
  type RoleType,
  type TenantRef,
} from './people';

const moduleIdSchema = z.enum(MODULE_IDS as [ModuleId, ...ModuleId[]]);

export const accessReasonSchema = z.discriminatedUnion('code', [
  z.object({ code: z.literal('user_disabled'), user: z.string() }),
  z.object({ code: z.literal('tenant_disabled'), at: tenantRefSchema, customer: z.string() }),
  z.object({ code: z.literal('camera_other_customer'), camera: z.string() }),
  z.object({ code: z.literal('camera_disabled'), camera: z.string() }),
  /** The module is switched off at each tenant in `at` (customer first, then upwards). */
  z.object({ code: z.literal('module_off'), module: moduleIdSchema, at: z.array(tenantRefSchema) }),
  z.object({
    code: z.literal('no_grant'),
    right: cameraRightSchema,
    camera: z.string(),
    user: z.string(),
  }),
  /** Roles grant the right, but their type opens none of the portals the right is used in. */
  z.object({
    code: z.literal('role_type'),
    action: accessActionSchema,
    roles: z.array(z.object({ name: z.string(), type: roleTypeSchema })),
    portals: z.array(moduleIdSchema),
  }),
  /** Roles grant the right, but every portal their types open is switched off. */
  z.object({
    code: z.literal('portal_off'),
    right: cameraRightSchema,
    portals: z.array(z.object({ module: moduleIdSchema, at: z.array(tenantRefSchema) })),
  }),
  z.object({ code: z.literal('no_role'), user: z.string() }),
]);
export type AccessReason = z.infer<typeof accessReasonSchema>;

export const accessDecisionSchema = z.object({
  action: accessActionSchema,
  cameraId: z.string().nullable(),
  allowed: z.boolean(),
  reasons: z.array(accessReasonSchema),
  /** When allowed: the roles that grant it, and the portals it can be used in. */
  grantedBy: z.array(z.object({ id: z.string(), name: z.string(), type: roleTypeSchema })),
  portals: z.array(moduleIdSchema),
});
export type AccessDecision = z.infer<typeof accessDecisionSchema>;

/** The customer as access sees it, prepared once and reused for every check. */
export interface AccessCustomer {
  id: string;
  name: string;
  /** The nearest disabled tenant at or above the customer, if any. */
  disabledAt: TenantRef | null;
  /** Tenants that switch each module off, customer first, then upwards; absent when in effect. */
  moduleOffAt: ReadonlyMap<ModuleId, readonly TenantRef[]>;
  /** The same as a bit set over MODULE_IDS, for the hot path. */
  offBits: number;
}

const MODULE_BIT = new Map<ModuleId, number>(MODULE_IDS.map((id, i) => [id, 1 << i]));

/** The portals a bit set opens, computed once per distinct set (every granted check asks). */
const portalsOfBits = new Map<number, ModuleId[]>();
function portalsOf(bits: number): ModuleId[] {
  let list = portalsOfBits.get(bits);
  if (!list) {
    list = MODULE_IDS.filter((p) => (bits & (MODULE_BIT.get(p) ?? 0)) !== 0);
    portalsOfBits.set(bits, list);
  }
  // Shared between decisions: decisions are values to read, never to change.
  return list;
}
const bitsOf = (ids: readonly ModuleId[]) =>
  ids.reduce((m, id) => m | (MODULE_BIT.get(id) ?? 0), 0);
const RIGHT_PORTAL_BITS = new Map<string, number>(
  CAMERA_RIGHTS.map((r) => [r.id, bitsOf(r.portals)]),
);
const TYPE_PORTAL_BITS = new Map<string, number>(ROLE_TYPES.map((t) => [t.id, bitsOf(t.portals)]));

export interface AccessUser {
  id: string;
  name: string;
  active: boolean;
  customerId: string;
}

export interface AccessRole {
  id: string;
  name: string;
  type: RoleType;
  /** Camera id → rights bit mask (see CAMERA_RIGHTS[].bit). */
  grants: ReadonlyMap<string, number>;
}

export interface AccessCamera {
  id: string;
  name: string;
  customerId: string;
  enabled: boolean;
}

/** Builds the customer's access view from its chain (root → customer) and its disabled state. */
export function prepareCustomer(
  chain: readonly ChainLink[],
  disabledAtId: string | null,
): AccessCustomer {
  const self = chain[chain.length - 1];
  if (!self) throw new Error('prepareCustomer: empty chain');
  const moduleOffAt = new Map<ModuleId, TenantRef[]>();
  for (const id of MODULE_IDS) {
    const at: TenantRef[] = [];
    for (let i = chain.length - 1; i >= 0; i--) {
      const link = chain[i];
      if (link && !ownModuleState(link.kind, link.overrides, id))
        at.push({ id: link.id, name: link.name, kind: link.kind });
    }
    if (at.length) moduleOffAt.set(id, at);
  }
  const by = disabledAtId ? chain.find((l) => l.id === disabledAtId) : undefined;
  return {
    id: self.id,
    name: self.name,
    disabledAt: disabledAtId
      ? { id: disabledAtId, name: by?.name ?? disabledAtId, kind: by?.kind ?? 'integrator' }
      : null,
    moduleOffAt,
    offBits: bitsOf([...moduleOffAt.keys()]),
  };
}

export interface AccessQuery {
  customer: AccessCustomer;
  user: AccessUser;
  /** The roles the user is in. */
  roles: readonly AccessRole[];
  action: AccessAction;
  /** Required for camera rights; ignored for portal actions. */
  camera?: AccessCamera | undefined;
}

// Shared empty lists (frozen, so a mistaken push fails loudly): most decisions' lists are empty,
// and the point check runs on every portal request.
const NO_TENANTS: readonly TenantRef[] = [];
const NO_GRANTS = Object.freeze([]) as unknown as AccessDecision['grantedBy'];
const NO_PORTALS = Object.freeze([]) as unknown as ModuleId[];

/** Can the user do the action (on the camera)? Yes or no, with every reason that stands in the way. */
export function explainAccess(q: AccessQuery): AccessDecision {
  const { customer, user } = q;
  const reasons: AccessReason[] = [];
  if (!user.active) reasons.push({ code: 'user_disabled', user: user.name });
  if (customer.disabledAt)
    reasons.push({ code: 'tenant_disabled', at: customer.disabledAt, customer: customer.name });
  return isCameraRight(q.action)
    ? cameraDecision(q, q.action, reasons)
    : portalDecision(q, q.action, reasons);
}

function moduleOff(customer: AccessCustomer, id: ModuleId): readonly TenantRef[] {
  return customer.moduleOffAt.get(id) ?? NO_TENANTS;
}

function cameraDecision(q: AccessQuery, right: CameraRight, reasons: AccessReason[]) {
  const { customer, user, camera } = q;
  const info = cameraRight(right);
  if (!camera) throw new Error(`explainAccess: ${right} needs a camera`);
  const own = camera.customerId === user.customerId;
  if (!own) reasons.push({ code: 'camera_other_customer', camera: camera.name });
  if (!camera.enabled && !info.onDisabledCamera)
    reasons.push({ code: 'camera_disabled', camera: camera.name });
  const off = moduleOff(customer, info.module);
  if (off.length) reasons.push({ code: 'module_off', module: info.module, at: [...off] });

  let grantedBy: AccessDecision['grantedBy'] | null = null;
  let granting: AccessRole[] | null = null;
  let candidates = 0;
  if (own) {
    const rightPortals = RIGHT_PORTAL_BITS.get(right) ?? 0;
    for (const role of q.roles) {
      if (((role.grants.get(camera.id) ?? 0) & info.bit) === 0) continue;
      (granting ??= []).push(role);
      (grantedBy ??= []).push({ id: role.id, name: role.name, type: role.type });
      candidates |= (TYPE_PORTAL_BITS.get(role.type) ?? 0) & rightPortals;
    }
  }
  const open = candidates & ~customer.offBits;
  if (!granting) {
    reasons.push({ code: 'no_grant', right, camera: camera.name, user: user.name });
  } else if (candidates === 0) {
    reasons.push({
      code: 'role_type',
      action: right,
      roles: granting.map((r) => ({ name: r.name, type: r.type })),
      portals: [...info.portals],
    });
  } else if (open === 0) {
    // A closed portal that is the right's own module is already reported as module_off.
    const closed = MODULE_IDS.filter(
      (p) => (candidates & (MODULE_BIT.get(p) ?? 0)) !== 0 && p !== info.module,
    ).map((p) => ({ module: p, at: [...moduleOff(customer, p)] }));
    if (closed.length) reasons.push({ code: 'portal_off', right, portals: closed });
  }
  const allowed = reasons.length === 0;
  return {
    action: right,
    cameraId: camera.id,
    allowed,
    reasons,
    grantedBy: allowed && grantedBy ? grantedBy : NO_GRANTS,
    portals: allowed ? portalsOf(open) : NO_PORTALS,
  };
}

function portalDecision(q: AccessQuery, action: PortalAction, reasons: AccessReason[]) {
  const { customer, user } = q;
  const info = PORTAL_ACTIONS.find((a) => a.id === action);
  if (!info) throw new Error(`explainAccess: unknown action ${action}`);
  const off = moduleOff(customer, info.module);
  if (off.length) reasons.push({ code: 'module_off', module: info.module, at: [...off] });
  const opening = q.roles.filter((r) =>
    (roleTypeInfo(r.type).portals as readonly ModuleId[]).includes(info.module),
  );
  if (q.roles.length === 0) reasons.push({ code: 'no_role', user: user.name });
  else if (opening.length === 0)
    reasons.push({
      code: 'role_type',
      action,
      roles: q.roles.map((r) => ({ name: r.name, type: r.type })),
      portals: [info.module],
    });
  const allowed = reasons.length === 0;
  return {
    action,
    cameraId: null,
    allowed,
    reasons,
    grantedBy: allowed ? opening.map((r) => ({ id: r.id, name: r.name, type: r.type })) : [],
    portals: allowed ? [info.module] : [],
  };
}

// ---- Words -------------------------------------------------------------------------------

const KIND_WORD: Record<TenantRef['kind'], string> = {
  root: 'the partner account',
  integrator: 'integrator',
  customer: 'customer',
};

export function tenantWords(t: TenantRef): string {
  return t.kind === 'root' ? KIND_WORD.root : `${KIND_WORD[t.kind]} ${t.name}`;
}

const orList = (items: string[]) =>
  items.length <= 1
    ? (items[0] ?? '')
    : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1] ?? ''}`;
const andList = (items: string[]) =>
  items.length <= 1
    ? (items[0] ?? '')
    : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`;

export function actionLabel(action: AccessAction): string {
  if (isCameraRight(action)) return cameraRight(action).label;
  return PORTAL_ACTIONS.find((a) => a.id === action)?.label ?? action;
}

/** One reason as a sentence a person can act on. */
export function describeReason(r: AccessReason): string {
  switch (r.code) {
    case 'user_disabled':
      return `${r.user}'s account is disabled.`;
    case 'tenant_disabled':
      return r.at.kind === 'customer'
        ? `Customer ${r.customer} is disabled.`
        : `Customer ${r.customer} is disabled through ${tenantWords(r.at)}.`;
    case 'camera_other_customer':
      return `Camera ${r.camera} belongs to another customer.`;
    case 'camera_disabled':
      return `Camera ${r.camera} is switched off.`;
    case 'module_off':
      return `${moduleInfo(r.module).label} is switched off at ${andList(r.at.map(tenantWords))}.`;
    case 'no_grant':
      return `${r.user} has no role that grants ${cameraRight(r.right).label} on ${r.camera}.`;
    case 'role_type': {
      const types = [...new Set(r.roles.map((x) => roleTypeInfo(x.type).label))];
      return `${actionLabel(r.action)} needs the ${orList(r.portals.map((p) => moduleInfo(p).label))}, which ${types.join(' and ')} roles (${r.roles.map((x) => x.name).join(', ')}) do not open.`;
    }
    case 'portal_off':
      return `${cameraRight(r.right).label} is used in the ${orList(r.portals.map((p) => moduleInfo(p.module).label))}: ${r.portals
        .map(
          (p) =>
            `${moduleInfo(p.module).label} is switched off at ${andList(p.at.map(tenantWords))}`,
        )
        .join('; ')}.`;
    case 'no_role':
      return `${r.user} is in no role yet.`;
  }
}

/** The one-line answer, e.g. "Share is off because Camera sharing is switched off at integrator North Region." */
export function explainSentence(d: AccessDecision): string {
  const label = actionLabel(d.action);
  if (d.allowed) {
    const roles = d.grantedBy.map((r) => r.name).join(', ');
    const where = d.portals.map((p) => moduleInfo(p).label).join(' and ');
    return `${label} is on: granted by ${roles} in the ${where}.`;
  }
  const first = d.reasons[0];
  if (!first) return `${label} is off.`;
  return `${label} is off because ${describeReason(first)}`;
}

// ---- Matrices ----------------------------------------------------------------------------

/**
 * A matrix cell carries the decision only; its explanation is explainAccess for that one cell,
 * asked for when a person opens it. `no_grant`: the one thing missing is a role granting the
 * right (fixed in a role); `blocked`: a switch (user, tenant, camera, module, portal) or the role
 * type stands in the way.
 */
export const ACCESS_CELLS = ['granted', 'no_grant', 'blocked'] as const;
export type AccessCell = (typeof ACCESS_CELLS)[number];
export const accessCellSchema = z.enum(ACCESS_CELLS);

/** The cell a full decision shows: the definition the matrix's fast path must agree with. */
export function cellOf(d: AccessDecision): AccessCell {
  if (d.allowed) return 'granted';
  return d.reasons.every((r) => r.code === 'no_grant') ? 'no_grant' : 'blocked';
}

const GRANTED = 0;
const NO_GRANT = 1;
const BLOCKED = 2;

/** What cameraDecision reads of each right, as bits, in CAMERA_RIGHTS order. */
const RIGHT_FACTS = CAMERA_RIGHTS.map((r) => ({
  bit: r.bit,
  moduleBit: MODULE_BIT.get(r.module) ?? 0,
  portalBits: RIGHT_PORTAL_BITS.get(r.id) ?? 0,
  onDisabledCamera: r.onDisabledCamera,
}));
const RIGHT_COUNT = RIGHT_FACTS.length;

/**
 * One user's cells for every camera, written into `out` from `offset` (cameras in list order,
 * rights in CAMERA_RIGHTS order, each an index into ACCESS_CELLS). The same rules as
 * cameraDecision, without building reasons: the property test in test/unit/people holds it to
 * cellOf(explainAccess(...)) cell by cell.
 */
function fillUserCells(
  customer: AccessCustomer,
  user: AccessUser,
  roles: readonly AccessRole[],
  cameras: readonly AccessCamera[],
  out: Uint8Array,
  offset: number,
): void {
  // user_disabled or tenant_disabled: every cell of the user is blocked.
  const blocked = !user.active || customer.disabledAt !== null;
  const typeBits = roles.map((r) => TYPE_PORTAL_BITS.get(r.type) ?? 0);
  const grants = new Int32Array(roles.length);
  cameras.forEach((camera, c) => {
    const base = offset + c * RIGHT_COUNT;
    // camera_other_customer blocks every right on the camera.
    if (blocked || camera.customerId !== user.customerId) {
      out.fill(BLOCKED, base, base + RIGHT_COUNT);
      return;
    }
    let any = 0;
    roles.forEach((role, k) => {
      grants[k] = role.grants.get(camera.id) ?? 0;
      any |= grants[k] ?? 0;
    });
    RIGHT_FACTS.forEach((f, i) => {
      out[base + i] = rightCell(f, camera.enabled, customer.offBits, any, grants, typeBits);
    });
  });
}

/** One right on one camera of the user's own customer, for a user and tenant not disabled. */
function rightCell(
  f: (typeof RIGHT_FACTS)[number],
  cameraOn: boolean,
  offBits: number,
  /** The rights any role grants on the camera, and each role's grant and portal bits. */
  any: number,
  grants: Int32Array,
  typeBits: readonly number[],
): number {
  if ((offBits & f.moduleBit) !== 0) return BLOCKED; // module_off
  if (!cameraOn && !f.onDisabledCamera) return BLOCKED; // camera_disabled
  if ((any & f.bit) === 0) return NO_GRANT; // no_grant, and nothing else
  let candidates = 0;
  for (let k = 0; k < grants.length; k++)
    if (((grants[k] ?? 0) & f.bit) !== 0) candidates |= typeBits[k] ?? 0;
  // No candidate portal: role_type; every candidate switched off: portal_off.
  return (candidates & f.portalBits & ~offBits) !== 0 ? GRANTED : BLOCKED;
}

/** One user's cells on the cameras: one row per camera, one cell per right in CAMERA_RIGHTS order. */
export function userAccessCells(
  customer: AccessCustomer,
  user: AccessUser,
  roles: readonly AccessRole[],
  cameras: readonly AccessCamera[],
): AccessCell[][] {
  const codes = new Uint8Array(cameras.length * RIGHT_COUNT);
  fillUserCells(customer, user, roles, cameras, codes, 0);
  return cameras.map((_, c) =>
    Array.from(
      codes.subarray(c * RIGHT_COUNT, (c + 1) * RIGHT_COUNT),
      (k) => ACCESS_CELLS[k] ?? 'blocked',
    ),
  );
}

/** Every right on every camera for every user of one customer, one code per cell. */
export interface AccessMatrix {
  userIds: string[];
  cameraIds: string[];
  /** Users outermost, then cameras, then rights in CAMERA_RIGHTS order; indexes into ACCESS_CELLS. */
  codes: Uint8Array;
}

export function accessMatrix(
  customer: AccessCustomer,
  users: readonly { user: AccessUser; roles: readonly AccessRole[] }[],
  cameras: readonly AccessCamera[],
): AccessMatrix {
  const codes = new Uint8Array(users.length * cameras.length * RIGHT_COUNT);
  users.forEach(({ user, roles }, u) =>
    fillUserCells(customer, user, roles, cameras, codes, u * cameras.length * RIGHT_COUNT),
  );
  return { userIds: users.map((x) => x.user.id), cameraIds: cameras.map((c) => c.id), codes };
}

/** The cell of user `u`, camera `c`, right `r` (indexes into userIds, cameraIds, CAMERA_RIGHTS). */
export function matrixCell(m: AccessMatrix, u: number, c: number, r: number): AccessCell {
  return (
    ACCESS_CELLS[m.codes[(u * m.cameraIds.length + c) * RIGHT_COUNT + r] ?? BLOCKED] ?? 'blocked'
  );
}

export const userAccessMatrixSchema = z.object({
  userId: z.string(),
  userName: z.string(),
  customerId: z.string(),
  customerName: z.string(),
  /** Use the Admin portal, the Video portal, the mobile app. */
  portals: z.array(accessDecisionSchema),
  /** Cameras in list order; `cells` one per right in CAMERA_RIGHTS order (access.explain says why). */
  cameras: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      enabled: z.boolean(),
      cells: z.array(accessCellSchema).length(CAMERA_RIGHTS.length),
    }),
  ),
});
export type UserAccessMatrix = z.infer<typeof userAccessMatrixSchema>;
