import os from 'node:os';
import { EventEmitter } from 'node:events';
import type { AppInfo, EventName, EventPayload } from '../../shared/contract';
import { openDatabase, type Db } from '../db/connection';
import { createDispatch, type Dispatch } from '../api/dispatch';
import { createHandlers } from '../api/handlers';
import { TenancyService, type ServiceContext } from '../tenancy/service';
import { CameraService } from '../cameras/service';
import { PeopleService } from '../people/service';
import type { SiteScanConfig } from '../cameras/site-scan';
import { KeyFileSecretBox, secretKeyFile } from '../secrets/key-file-box';
import type { SecretBox } from '../secrets/secret-box';
import { databaseFile } from './paths';
import { SyncEngine } from '../sync/engine';
import { PullWorker } from '../sync/pull-worker-client';
import { WalCheckpointer } from '../db/checkpointer';
import { SyncApp } from '../sync/app';
import type { SyncSchedulerOptions } from '../sync/scheduler';
import { AlertService, type AlertServiceOptions } from '../alerts/service';
import { BackupService } from '../backup/service';

export interface CoreOptions {
  dataDir: string;
  host: AppInfo['host'];
  version: string;
  nativeBinding?: string;
  actor?: string;
  now?: () => string;
  log?: (err: unknown) => void;
  /**
   * Encrypts camera logins, the SMTP password and the server session token; default: the key
   * file in the data folder (browser host, tests).
   */
  secrets?: SecretBox;
  /** Where the Site scan probes (tests: loopback and a private port only). */
  discovery?: SiteScanConfig;
  /** Alert engine and SMTP outbox timing (tests compress time here). */
  alerts?: Pick<AlertServiceOptions, 'engine' | 'delivery'>;
  /** Background sync timing (tests compress time here). */
  syncSchedule?: SyncSchedulerOptions;
  /**
   * The built pull worker (out/host/pull-worker.cjs, out/main/pull-worker.cjs): pulls are received
   * and checked on a thread of their own. Without it they run on the main thread.
   */
  pullWorkerFile?: string;
  /**
   * The built checkpoint worker (out/host/checkpoint-worker.cjs, out/main/checkpoint-worker.cjs):
   * while a pull writes, the WAL is checkpointed on a thread of its own (db/checkpointer.ts).
   * Without it the writing connection checkpoints itself.
   */
  checkpointWorkerFile?: string;
}

export interface Core {
  db: Db;
  dispatch: Dispatch;
  tenancy: TenancyService;
  cameras: CameraService;
  people: PeopleService;
  /** Alert rules, the alert engine and the SMTP outbox. */
  alerts: AlertService;
  /** Offline sync with the central server (outbox, push, pull). */
  sync: SyncEngine;
  /** The app side of sync: background scheduler, status events, the sync API methods. */
  syncApp: SyncApp;
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
  const secrets = options.secrets ?? new KeyFileSecretBox(secretKeyFile(options.dataDir));
  const pullWorker = options.pullWorkerFile ? new PullWorker(options.pullWorkerFile) : undefined;
  const checkpointer = options.checkpointWorkerFile
    ? new WalCheckpointer({
        workerFile: options.checkpointWorkerFile,
        file: databaseFile(options.dataDir),
        ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
        ...(options.log ? { log: options.log } : {}),
      })
    : undefined;
  const sync = new SyncEngine(db, {
    onChanged: (ids) => emit('tenants.changed', { ids }),
    secrets,
    ...(pullWorker ? { pullOffload: pullWorker } : {}),
    ...(checkpointer ? { checkpointer } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  const ctx: ServiceContext = {
    db,
    recordMutation: sync.record,
    recordRecord: sync.recordRecord,
    actor: () => actor,
    now: options.now ?? (() => new Date().toISOString()),
    onTenantsChanged: (ids) => emit('tenants.changed', { ids }),
  };
  const tenancy = new TenancyService(ctx);
  sync.bind(tenancy);
  const cameras = new CameraService(ctx, tenancy, {
    secrets,
    ...(options.discovery ? { discovery: options.discovery } : {}),
    emit,
  });
  const people = new PeopleService(ctx, tenancy);
  const alerts = new AlertService(ctx, tenancy, {
    secrets,
    ...options.alerts,
    ...(options.log ? { log: options.log } : {}),
  });
  void alerts.start().catch((err: unknown) => options.log?.(err));
  const info = (): AppInfo => ({
    version: options.version,
    host: options.host,
    dataDir: options.dataDir,
    actor,
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
  });
  const syncApp = new SyncApp(
    db,
    sync,
    tenancy,
    { emit: (status) => emit('sync.status', status), ...(options.log ? { log: options.log } : {}) },
    options.syncSchedule,
  );
  syncApp.init();
  const dispatch = createDispatch(
    createHandlers({
      info,
      tenancy,
      cameras,
      people,
      alerts,
      sync: syncApp,
      backups: new BackupService(db, options.dataDir),
    }),
    options.log,
  );
  return {
    db,
    dispatch,
    tenancy,
    cameras,
    people,
    alerts,
    sync,
    syncApp,
    events,
    close: () => {
      events.removeAllListeners();
      syncApp.close();
      pullWorker?.close();
      checkpointer?.close();
      cameras.close();
      void alerts.close();
      if (db.open) db.close();
    },
  };
}
