/**
 * The API contract: every method the renderer may call, with its input and output schema, and
 * every event the main side may push. The Electron IPC handler, the browser host, the renderer's
 * client and the tests are all typed from this one object; no method name is spelled elsewhere.
 */
import { z } from 'zod';
import {
  auditEntrySchema,
  businessSettingsSchema,
  createTenantSchema,
  deleteTenantSchema,
  enableModeSchema,
  impactSchema,
  listAuditSchema,
  listTenantsResultSchema,
  listTenantsSchema,
  moduleStateSchema,
  moveTenantSchema,
  setModuleSchema,
  statisticsSchema,
  tenantSchema,
  updateTenantSchema,
} from './tenancy';
import {
  addPnpCameraSchema,
  attachOnvifSchema,
  attachResultSchema,
  cameraSchema,
  createManualCameraSchema,
  discoveredDeviceSchema,
  discoveryProgressSchema,
  discoveryStateSchema,
  setCameraEnabledSchema,
  startDiscoverySchema,
  updateCameraSchema,
} from './cameras';
import { idField } from './validation';
import { importResultSchema, importTenantsSchema } from './tenant-import';
import {
  accessActionSchema,
  createRoleSchema,
  createUserSchema,
  deleteRoleSchema,
  listUsersSchema,
  passwordResetSchema,
  roleSchema,
  setPasswordSchema,
  setupStatusSchema,
  updateRoleSchema,
  updateUserSchema,
  userSchema,
} from './people';
import { accessDecisionSchema, userAccessMatrixSchema } from './user-access';
import { alertMethods } from './alerts/contract';
import { syncEvents, syncMethods } from './sync-contract';
import { backupMethods } from './backup';

const method = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O) => ({
  input,
  output,
});
const byId = z.object({ id: idField });
const ok = z.object({ ok: z.literal(true) });

export const scopeNodeSchema = z.object({
  id: z.string(),
  name: z.string(),
  parentId: z.string().nullable(),
  kind: z.enum(['root', 'integrator']),
  status: z.enum(['active', 'disabled']),
});
export type ScopeNode = z.infer<typeof scopeNodeSchema>;

export const appInfoSchema = z.object({
  version: z.string(),
  host: z.enum(['electron', 'browser']),
  dataDir: z.string(),
  actor: z.string(),
  timeZone: z.string(),
});
export type AppInfo = z.infer<typeof appInfoSchema>;

export const apiContract = {
  'app.info': method(z.object({}), appInfoSchema),

  'tenants.list': method(listTenantsSchema, listTenantsResultSchema),
  'tenants.get': method(byId, tenantSchema),
  'tenants.scopes': method(z.object({}), z.array(scopeNodeSchema)),
  'tenants.create': method(createTenantSchema, tenantSchema),
  'tenants.update': method(updateTenantSchema, tenantSchema),
  'tenants.move': method(moveTenantSchema, tenantSchema),
  'tenants.impact': method(byId, impactSchema),
  'tenants.delete': method(deleteTenantSchema, ok),
  'tenants.disable': method(byId, tenantSchema),
  'tenants.enable': method(z.object({ id: idField, mode: enableModeSchema }), tenantSchema),
  'tenants.import': method(importTenantsSchema, importResultSchema),

  'modules.get': method(z.object({ tenantId: idField }), z.array(moduleStateSchema)),
  'modules.set': method(setModuleSchema, z.array(moduleStateSchema)),

  'business.get': method(z.object({ tenantId: idField }), businessSettingsSchema),
  'business.set': method(
    z.object({ tenantId: idField, settings: businessSettingsSchema }),
    businessSettingsSchema,
  ),
  'stats.get': method(z.object({ tenantId: idField }), statisticsSchema),

  'audit.list': method(listAuditSchema, z.array(auditEntrySchema)),

  'cameras.list': method(z.object({ customerId: idField }), z.array(cameraSchema)),
  'cameras.addManual': method(createManualCameraSchema, cameraSchema),
  'cameras.setEnabled': method(setCameraEnabledSchema, cameraSchema),
  'cameras.remove': method(byId, ok),
  'cameras.get': method(byId, cameraSchema),
  'cameras.attachOnvif': method(
    attachOnvifSchema,
    z.object({ results: z.array(attachResultSchema) }),
  ),
  'cameras.addPnp': method(addPnpCameraSchema, cameraSchema),
  'cameras.update': method(updateCameraSchema, cameraSchema),
  'cameras.recheck': method(byId, cameraSchema),
  'cameras.snapshot': method(byId, z.object({ dataUrl: z.string().nullable() })),

  'discovery.start': method(startDiscoverySchema, discoveryStateSchema),
  'discovery.stop': method(z.object({}), ok),
  'discovery.state': method(z.object({}), discoveryStateSchema),
  /** Hello/Bye listening while the Site scan screen is open. */
  'discovery.listen': method(z.object({ on: z.boolean() }), ok),

  'users.list': method(listUsersSchema, z.array(userSchema)),
  'users.get': method(byId, userSchema),
  'users.create': method(createUserSchema, userSchema),
  'users.update': method(updateUserSchema, userSchema),
  'users.setActive': method(z.object({ id: idField, active: z.boolean() }), userSchema),
  'users.setOwner': method(byId, userSchema),
  'users.delete': method(byId, ok),
  'users.setPassword': method(setPasswordSchema, userSchema),
  'users.sendPasswordReset': method(byId, passwordResetSchema),
  'users.passwordResets': method(byId, z.array(passwordResetSchema)),
  'roles.list': method(z.object({ tenantId: idField }), z.array(roleSchema)),
  'roles.get': method(byId, roleSchema),
  'roles.create': method(createRoleSchema, roleSchema),
  'roles.update': method(updateRoleSchema, roleSchema),
  'roles.delete': method(deleteRoleSchema, ok),
  'access.matrix': method(z.object({ userId: idField }), userAccessMatrixSchema),
  'access.explain': method(
    z.object({ userId: idField, action: accessActionSchema, cameraId: idField.optional() }),
    accessDecisionSchema,
  ),
  'setup.status': method(z.object({ customerId: idField }), setupStatusSchema),
  ...alertMethods,
  ...syncMethods,
  ...backupMethods,
} as const;

/** Events the main side pushes to every window. */
export const apiEvents = {
  /** Tenants changed (created, edited, moved, deleted, disabled, enabled): lists refetch. */
  'tenants.changed': z.object({ ids: z.array(z.string()) }),
  /** Site scan: a device answered, or a known one changed (new address, clock skew read). */
  'discovery.device': z.object({ scanId: z.string(), device: discoveredDeviceSchema }),
  'discovery.progress': discoveryProgressSchema,
  'discovery.done': z.object({
    scanId: z.string(),
    devicesFound: z.number(),
    durationMs: z.number(),
    errors: z.array(z.string()),
    stopped: z.boolean(),
  }),
  ...syncEvents,
} as const;

export type ApiContract = typeof apiContract;
export type MethodName = keyof ApiContract;
export type MethodInput<M extends MethodName> = z.input<ApiContract[M]['input']>;
export type MethodArgs<M extends MethodName> = z.output<ApiContract[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<ApiContract[M]['output']>;
export type EventName = keyof typeof apiEvents;
export type EventPayload<E extends EventName> = z.output<(typeof apiEvents)[E]>;

export const METHOD_NAMES = Object.keys(apiContract) as MethodName[];
export const EVENT_NAMES = Object.keys(apiEvents) as EventName[];

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(apiContract, name);
}
export function isEventName(name: string): name is EventName {
  return Object.prototype.hasOwnProperty.call(apiEvents, name);
}

export type { Envelope, ApiBridge } from './bridge';
export { IPC_INVOKE, IPC_EVENT } from './bridge';
