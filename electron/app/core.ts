import os from 'node:os';
import { EventEmitter } from 'node:events';
import type { AppInfo, EventName, EventPayload } from '../../shared/contract';
import { openDatabase, type Db } from '../db/connection';
import { createDispatch, type Dispatch } from '../api/dispatch';
import { createHandlers } from '../api/handlers';
import { TenancyService, type ServiceContext } from '../tenancy/service';
import { CameraService } from '../cameras/service';
import { databaseFile } from './paths';

export interface CoreOptions {
  dataDir: string;
  host: AppInfo['host'];
  version: string;
  nativeBinding?: string;
  actor?: string;
  now?: () => string;
  log?: (err: unknown) => void;
}

export interface Core {
  db: Db;
  dispatch: Dispatch;
  tenancy: TenancyService;
  cameras: CameraService;
  /** Events for every window: `events.on('event', (name, payload) => …)`. */
  events: EventEmitter;
  close(): void;
}

/** The app's core, the same for the Electron shell and the browser host: database, services, API. */
export function openCore(options: CoreOptions): Core {
  const { db } = openDatabase({
    file: databaseFile(options.dataDir),
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
  });
  const events = new EventEmitter();
  const emit = <E extends EventName>(name: E, payload: EventPayload<E>) =>
    events.emit('event', name, payload);
  const actor = options.actor ?? `${os.userInfo().username}@${os.hostname()}`;
  const ctx: ServiceContext = {
    db,
    actor: () => actor,
    now: options.now ?? (() => new Date().toISOString()),
    onTenantsChanged: (ids) => emit('tenants.changed', { ids }),
  };
  const tenancy = new TenancyService(ctx);
  const cameras = new CameraService(ctx, tenancy);
  const info = (): AppInfo => ({
    version: options.version,
    host: options.host,
    dataDir: options.dataDir,
    actor,
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
  });
  const dispatch = createDispatch(createHandlers({ info, tenancy, cameras }), options.log);
  return {
    db,
    dispatch,
    tenancy,
    cameras,
    events,
    close: () => {
      events.removeAllListeners();
      if (db.open) db.close();
    },
  };
}
