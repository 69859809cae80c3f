import type { MethodArgs, MethodName, MethodOutput, AppInfo } from '../../shared/contract';
import type { TenancyService } from '../tenancy/service';
import type { CameraService } from '../cameras/service';

export interface Services {
  info: () => AppInfo;
  tenancy: TenancyService;
  cameras: CameraService;
}

export type Handlers = {
  [M in MethodName]: (args: MethodArgs<M>) => MethodOutput<M> | Promise<MethodOutput<M>>;
};

/** Each API method, implemented once, as a plain function over the services. */
export function createHandlers(s: Services): Handlers {
  const { tenancy, cameras } = s;
  return {
    'app.info': () => s.info(),
    'tenants.list': (q) => tenancy.list(q),
    'tenants.get': ({ id }) => tenancy.get(id),
    'tenants.scopes': () => tenancy.scopes(),
    'tenants.create': (input) => tenancy.create(input),
    'tenants.update': (input) => tenancy.update(input),
    'tenants.move': ({ id, newParentId }) => tenancy.move(id, newParentId),
    'tenants.impact': ({ id }) => tenancy.impact(id),
    'tenants.delete': ({ id, confirmName }) => {
      tenancy.delete(id, confirmName);
      return { ok: true };
    },
    'tenants.disable': ({ id }) => tenancy.disable(id),
    'tenants.enable': ({ id, mode }) => tenancy.enable(id, mode),
    'modules.get': ({ tenantId }) => tenancy.modules(tenantId),
    'modules.set': ({ tenantId, moduleId, enabled }) =>
      tenancy.setModule(tenantId, moduleId, enabled),
    'business.get': ({ tenantId }) => tenancy.business(tenantId),
    'business.set': ({ tenantId, settings }) => tenancy.setBusiness(tenantId, settings),
    'stats.get': ({ tenantId }) => tenancy.statistics(tenantId),
    'audit.list': (filter) => tenancy.audit.list(filter),
    'cameras.list': ({ customerId }) => cameras.list(customerId),
    'cameras.addManual': (input) => cameras.addManual(input),
    'cameras.setEnabled': ({ id, enabled }) => cameras.setEnabled(id, enabled),
    'cameras.remove': ({ id }) => {
      cameras.remove(id);
      return { ok: true };
    },
  };
}
