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
import { cameraSchema, createManualCameraSchema, setCameraEnabledSchema } from './cameras';
import { idField } from './validation';

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
} as const;

/** Events the main side pushes to every window. */
export const apiEvents = {
  /** Tenants changed (created, edited, moved, deleted, disabled, enabled): lists refetch. */
  'tenants.changed': z.object({ ids: z.array(z.string()) }),
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
