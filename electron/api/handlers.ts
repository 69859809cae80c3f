import type { MethodArgs, MethodName, MethodOutput, AppInfo } from '../../shared/contract';
import type { TenancyService } from '../tenancy/service';
import type { CameraService } from '../cameras/service';
import type { PeopleService } from '../people/service';
import type { AlertService } from '../alerts/service';
import { createAlertHandlers } from '../alerts/handlers';
import type { SyncApp } from '../sync/app';
import { createSyncHandlers } from '../sync/handlers';
import { importCustomers } from '../tenancy/import';
import type { BackupService } from '../backup/service';

export interface Services {
  info: () => AppInfo;
  tenancy: TenancyService;
  cameras: CameraService;
  people: PeopleService;
  alerts: AlertService;
  sync: SyncApp;
  backups: BackupService;
}

export type Handlers = {
  [M in MethodName]: (args: MethodArgs<M>) => MethodOutput<M> | Promise<MethodOutput<M>>;
};

/** Each API method, implemented once, as a plain function over the services. */
export function createHandlers(s: Services): Handlers {
  const { tenancy, cameras, people } = s;
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
    'tenants.import': (input) => importCustomers(tenancy, input),
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
    'cameras.get': ({ id }) => cameras.get(id),
    'cameras.attachOnvif': (input) => cameras.attachOnvif(input),
    'cameras.addPnp': (input) => cameras.addPnp(input),
    'cameras.update': (input) => cameras.update(input),
    'cameras.recheck': ({ id }) => cameras.recheck(id),
    'cameras.snapshot': ({ id }) => cameras.snapshot(id),
    'discovery.start': (input) => cameras.siteScan.start(input),
    'discovery.stop': () => {
      cameras.siteScan.stop();
      return { ok: true };
    },
    'discovery.state': () => cameras.siteScan.state(),
    'discovery.listen': async ({ on }) => {
      await cameras.siteScan.listen(on);
      return { ok: true };
    },
    'users.list': (q) => people.listUsers(q),
    'users.get': ({ id }) => people.getUser(id),
    'users.create': (input) => people.createUser(input),
    'users.update': (input) => people.updateUser(input),
    'users.setActive': ({ id, active }) => people.setUserActive(id, active),
    'users.setOwner': ({ id }) => people.setOwner(id),
    'users.delete': ({ id }) => {
      people.deleteUser(id);
      return { ok: true };
    },
    'users.setPassword': ({ id, password, forcePasswordChange }) =>
      people.setPassword(id, password, forcePasswordChange),
    'users.sendPasswordReset': ({ id }) => people.requestPasswordReset(id),
    'users.passwordResets': ({ id }) => people.passwordResets(id),
    'roles.list': ({ tenantId }) => people.listRoles(tenantId),
    'roles.get': ({ id }) => people.getRole(id),
    'roles.create': (input) => people.createRole(input),
    'roles.update': (input) => people.updateRole(input),
    'roles.delete': ({ id, detachUsers }) => {
      people.deleteRole(id, detachUsers);
      return { ok: true };
    },
    'access.matrix': ({ userId }) => people.matrix(userId),
    'access.explain': ({ userId, action, cameraId }) => people.explain(userId, action, cameraId),
    'setup.status': ({ customerId }) => people.setupStatus(customerId),
    ...createAlertHandlers(s.alerts),
    ...createSyncHandlers(s.sync),
    'backup.create': () => s.backups.create(),
    'backup.list': () => s.backups.list(),
  };
}
