import type { ApiErrorBody } from './errors';

/** What crosses a transport: never a thrown error, always a value. */
export type Envelope<T = unknown> = { ok: true; result: T } | { ok: false; error: ApiErrorBody };

/**
 * The bridge each host installs as `window.api`: a generic invoke and a subscribe, nothing else
 * (the Electron preload exposes exactly this through contextBridge).
 */
export interface ApiBridge {
  invoke(method: string, input: unknown): Promise<Envelope>;
  subscribe(event: string, listener: (payload: unknown) => void): () => void;
}

/** IPC channel names, used by the Electron shell and its preload only. */
export const IPC_INVOKE = 'vms:invoke';
export const IPC_EVENT = 'vms:event';
