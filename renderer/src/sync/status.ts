import { create } from 'zustand';
import type { SyncStatusView } from '../../../shared/sync-contract';
import { call, subscribe } from '../api';
import { progressLabel } from './progress';

interface SyncStore {
  status: SyncStatusView | null;
  /** Bumped on each pushed status: the Sync screen refetches its lists. */
  version: number;
  refresh(): Promise<void>;
  set(status: SyncStatusView): void;
}

/** The sync status, pushed by the main side (`sync.status`) and fetched once at start. */
export const useSync = create<SyncStore>((set, get) => ({
  status: null,
  version: 0,
  async refresh() {
    get().set(await call('sync.status', {}));
  },
  set(status) {
    // An answer overtaken by a newer pushed status (or the reverse) must not bring back the old one.
    set((s) =>
      s.status && s.status.revision > status.revision ? s : { status, version: s.version + 1 },
    );
  },
}));

subscribe('sync.status', (status) => useSync.getState().set(status));
void useSync
  .getState()
  .refresh()
  .catch(() => undefined);

export function timeOf(iso: string, seconds = false): string {
  const d = new Date(iso);
  const sameDay = d.toDateString() === new Date().toDateString();
  return sameDay
    ? d.toLocaleTimeString(undefined, {
        hour: '2-digit',
        minute: '2-digit',
        ...(seconds ? { second: '2-digit' } : {}),
      })
    : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** One line for the indicator: what state sync is in, in words. */
export function phaseLabel(s: SyncStatusView): { title: string; detail: string } {
  const pending = s.pending === 1 ? '1 change pending' : `${s.pending} changes pending`;
  // The status carries progress only while a sync brings a snapshot (shared/sync-contract.ts).
  if (s.progress) return { title: 'Downloading…', detail: progressLabel(s.progress).short };
  switch (s.phase) {
    case 'standalone':
      return { title: 'Standalone', detail: 'Local database only' };
    case 'signed-out':
      return { title: 'Logged out', detail: s.pending ? pending : 'Log in to sync' };
    case 'synced':
      if (!s.lastSyncAt) return { title: 'Connecting…', detail: 'First sync with the server' };
      return {
        title: s.syncing ? 'Syncing…' : 'Synced',
        detail: s.lastSyncAt ? `Last sync ${timeOf(s.lastSyncAt)}` : 'Up to date',
      };
    case 'pending':
      return { title: s.syncing ? 'Syncing…' : `${s.pending} pending`, detail: pending };
    case 'offline':
      return {
        title: 'Offline',
        detail: s.pending ? `${pending} · will retry` : 'Server unreachable · will retry',
      };
    case 'error':
      return { title: 'Sync error', detail: s.lastError ?? 'See the Sync screen' };
  }
}
