import { z } from 'zod';
import { MODULE_IDS, type ModuleId, type TenantKind } from './modules';
import {
  emailField,
  idField,
  nameField,
  optionalText,
  phoneField,
  timeZoneField,
} from './validation';

export type { TenantKind };

export const ROOT_TENANT_ID = 'root';

/** The key names are unique and sorted by, under one parent: trimmed, case folded. */
export const nameKey = (name: string) => name.trim().toLocaleLowerCase();

const contactFields = {
  contactPerson: optionalText('Contact person', 120),
  email: emailField,
  phone: phoneField,
  address: optionalText('Address', 500),
};

export const customerDetailsSchema = z.object({
  name: nameField('Name'),
  ...contactFields,
  timeZone: timeZoneField,
  notes: optionalText('Notes', 2000),
});

export const integratorDetailsSchema = z.object({
  name: nameField('Company name'),
  ...contactFields,
});

export const createTenantSchema = z.discriminatedUnion('kind', [
  customerDetailsSchema.extend({
    kind: z.literal('customer'),
    parentId: idField.default(ROOT_TENANT_ID),
  }),
  integratorDetailsSchema.extend({
    kind: z.literal('integrator'),
    parentId: idField.default(ROOT_TENANT_ID),
  }),
]);
export type CreateTenantInput = z.input<typeof createTenantSchema>;
export type CreateTenant = z.output<typeof createTenantSchema>;

/** Edit: every detail optional; a customer-only field on an integrator is refused by the service. */
export const updateTenantSchema = z.object({
  id: idField,
  name: nameField('Name').optional(),
  contactPerson: optionalText('Contact person', 120).optional(),
  email: emailField.optional(),
  phone: phoneField.optional(),
  address: optionalText('Address', 500).optional(),
  timeZone: timeZoneField.optional(),
  notes: optionalText('Notes', 2000).optional(),
});
export type UpdateTenant = z.output<typeof updateTenantSchema>;

export const tenantStatusSchema = z.enum(['active', 'disabled']);
export type TenantStatus = z.infer<typeof tenantStatusSchema>;

export const tenantSchema = z.object({
  id: z.string(),
  kind: z.enum(['root', 'integrator', 'customer']),
  parentId: z.string().nullable(),
  name: z.string(),
  contactPerson: z.string(),
  email: z.string(),
  phone: z.string(),
  address: z.string(),
  timeZone: z.string(),
  notes: z.string(),
  /** Effective status: disabled when the tenant itself or any ancestor is disabled. */
  status: tenantStatusSchema,
  /** The tenant's own switch; `status` may still be disabled through an ancestor. */
  ownDisabled: z.boolean(),
  /** When disabled through an ancestor: the nearest disabled ancestor. */
  disabledBy: z.object({ id: z.string(), name: z.string() }).nullable(),
  /** Ancestors from the root down to the parent. */
  ancestors: z.array(z.object({ id: z.string(), name: z.string(), kind: z.string() })),
  depth: z.number(),
  cameraCount: z.number(),
  userCount: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Tenant = z.infer<typeof tenantSchema>;

export const tenantRowSchema = z.object({
  id: z.string(),
  kind: z.enum(['integrator', 'customer']),
  name: z.string(),
  parentId: z.string(),
  parentPath: z.string(),
  status: tenantStatusSchema,
  cameraCount: z.number(),
  userCount: z.number(),
  createdAt: z.string(),
});
export type TenantRow = z.infer<typeof tenantRowSchema>;

export const listSortSchema = z.enum([
  'name',
  'kind',
  'status',
  'created',
  'cameras',
  'users',
  'parent',
]);
export const listTenantsSchema = z.object({
  scopeId: idField.default(ROOT_TENANT_ID),
  search: z.string().trim().max(120).default(''),
  kind: z.enum(['all', 'integrator', 'customer']).default('all'),
  status: z.enum(['all', 'active', 'disabled']).default('all'),
  sort: listSortSchema.default('name'),
  direction: z.enum(['asc', 'desc']).default('asc'),
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(500).default(100),
});
export type ListTenantsInput = z.input<typeof listTenantsSchema>;
export type ListTenants = z.output<typeof listTenantsSchema>;
export const listTenantsResultSchema = z.object({
  total: z.number(),
  offset: z.number(),
  rows: z.array(tenantRowSchema),
});
export type ListTenantsResult = z.infer<typeof listTenantsResultSchema>;

export const moduleIdSchema = z.enum(MODULE_IDS as [ModuleId, ...ModuleId[]]);

export const moduleStateSchema = z.object({
  id: moduleIdSchema,
  own: z.boolean(),
  effective: z.boolean(),
  /** The nearest ancestor that switches this module off, when one does. */
  lockedBy: z.object({ id: z.string(), name: z.string(), kind: z.string() }).nullable(),
});
export type ModuleState = z.infer<typeof moduleStateSchema>;

export const setModuleSchema = z.object({
  tenantId: idField,
  moduleId: moduleIdSchema,
  enabled: z.boolean(),
});

export const impactSchema = z.object({
  tenants: z.number(),
  customers: z.number(),
  integrators: z.number(),
  cameras: z.number(),
  recordingCameras: z.number(),
  users: z.number(),
  activeUsers: z.number(),
  roles: z.number(),
  alertRules: z.number(),
  /** Cameras of the subtree whose own switch is off (listed on Enable). */
  individuallyDisabledCameras: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      customerId: z.string(),
      customerName: z.string(),
    }),
  ),
  individuallyDisabledCameraCount: z.number(),
});
export type Impact = z.infer<typeof impactSchema>;

export const enableModeSchema = z.enum(['enable_all_cameras', 'restore_previous']);
export type EnableMode = z.infer<typeof enableModeSchema>;

export const moveTenantSchema = z.object({ id: idField, newParentId: idField });
export const deleteTenantSchema = z.object({
  id: idField,
  /** The tenant's name typed by the person, as a confirmation. */
  confirmName: z.string(),
});

export const auditEntrySchema = z.object({
  id: z.number(),
  at: z.string(),
  actor: z.string(),
  tenantId: z.string().nullable(),
  tenantName: z.string(),
  operation: z.string(),
  summary: z.string(),
  before: z.unknown(),
  after: z.unknown(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const listAuditSchema = z.object({
  tenantId: idField.optional(),
  operation: z.string().max(64).optional(),
  from: z.string().datetime({ offset: true }).optional(),
  to: z.string().datetime({ offset: true }).optional(),
  limit: z.number().int().min(1).max(1000).default(200),
});

export const planSchema = z.object({
  id: z.string().min(1).max(64),
  name: nameField('Plan name'),
  price: z
    .number({ error: 'Price must be a number.' })
    .min(0, { error: 'Price cannot be negative.' })
    .max(1_000_000),
  enabled: z.boolean(),
});
export const businessSettingsSchema = z.object({
  storagePricePerGbMonth: z
    .number({ error: 'Storage price must be a number.' })
    .min(0, { error: 'Price cannot be negative.' })
    .max(10_000),
  trafficPricePerGb: z
    .number({ error: 'Traffic price must be a number.' })
    .min(0, { error: 'Price cannot be negative.' })
    .max(10_000),
  currency: z
    .string()
    .trim()
    .regex(/^[A-Z]{3}$/, { error: 'Currency is a 3-letter code such as USD.' })
    .default('USD'),
  plans: z.array(planSchema).max(50),
});
export type BusinessSettings = z.infer<typeof businessSettingsSchema>;

export const statisticsSchema = z.object({
  integrators: z.number(),
  customers: z.number(),
  cameras: z.number(),
  users: z.number(),
  byMonth: z.array(z.object({ month: z.string(), customers: z.number(), cameras: z.number() })),
});
export type Statistics = z.infer<typeof statisticsSchema>;
