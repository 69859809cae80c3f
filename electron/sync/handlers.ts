import type { Handlers } from '../api/handlers';
import type { SyncApp } from './app';

type SyncHandlers = Pick<
  Handlers,
  | 'sync.status'
  | 'sync.connect'
  | 'sync.disconnect'
  | 'sync.uploadPreview'
  | 'sync.uploadLocal'
  | 'sync.now'
  | 'sync.details'
  | 'sync.clearAnswered'
>;

/** The sync API methods (spread into createHandlers). */
export function createSyncHandlers(sync: SyncApp): SyncHandlers {
  return {
    'sync.status': () => sync.status(),
    'sync.connect': ({ serverUrl, email, password }) => sync.connect(serverUrl, email, password),
    'sync.disconnect': ({ forget }) => sync.disconnect(forget),
    'sync.uploadPreview': () => sync.uploadPreview(),
    'sync.uploadLocal': () => sync.uploadLocal(),
    'sync.now': () => sync.syncNow(),
    'sync.details': () => sync.details(),
    'sync.clearAnswered': () => {
      sync.clearAnswered();
      return { ok: true };
    },
  };
}
