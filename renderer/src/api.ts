import type { ApiBridge, Envelope } from '../../shared/bridge';
import type {
  EventName,
  EventPayload,
  MethodInput,
  MethodName,
  MethodOutput,
} from '../../shared/contract';
import type { ApiErrorBody, FieldIssue } from '../../shared/errors';

declare global {
  interface Window {
    api?: ApiBridge;
  }
}

/** An API error as the UI sees it: a code, a message to show, and per-field messages for forms. */
export class ApiError extends Error {
  readonly code: string;
  readonly fields: FieldIssue[];
  constructor(body: ApiErrorBody) {
    super(body.message);
    this.code = body.code;
    this.fields = body.fields ?? [];
  }
  fieldMessage(field: string): string | undefined {
    return this.fields.find((f) => f.field === field)?.message;
  }
}

const TOKEN_KEY = 'vms.token';

/** The browser host's token: taken from the URL once, then kept in sessionStorage only. */
function takeToken(): string {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

/** window.api for the browser host: the same bridge as the Electron preload, over HTTP and a WebSocket. */
function httpBridge(): ApiBridge {
  const token = takeToken();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let socket: WebSocket | null = null;
  let retry = 500;
  const connect = () => {
    const wsUrl = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/events`;
    socket = new WebSocket(wsUrl, ['vms', `vms.token.${token}`]);
    socket.onmessage = (msg) => {
      try {
        const data = JSON.parse(String(msg.data)) as { event: string; payload: unknown };
        listeners.get(data.event)?.forEach((l) => l(data.payload));
      } catch {
        // A malformed push is ignored; the next refetch brings the truth.
      }
    };
    socket.onopen = () => {
      retry = 500;
    };
    socket.onclose = () => {
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10_000);
    };
  };
  if (token) connect();
  return {
    async invoke(method, input) {
      let res: Response;
      try {
        res = await fetch(`/api/${encodeURIComponent(method)}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
          body: JSON.stringify(input ?? {}),
        });
      } catch {
        return {
          ok: false,
          error: {
            code: 'OFFLINE',
            message: 'The app host is not answering. Is `npm start` still running?',
          },
        };
      }
      try {
        return (await res.json()) as Envelope;
      } catch {
        return {
          ok: false,
          error: {
            code: 'INTERNAL',
            message: `The host answered ${res.status} without a usable body.`,
          },
        };
      }
    },
    subscribe(event, listener) {
      const set = listeners.get(event) ?? new Set();
      set.add(listener);
      listeners.set(event, set);
      return () => set.delete(listener);
    },
  };
}

const bridge: ApiBridge = window.api ?? httpBridge();

/** Calls one API method; resolves with its typed output or rejects with an ApiError. */
export async function call<M extends MethodName>(
  method: M,
  input: MethodInput<M>,
): Promise<MethodOutput<M>> {
  const envelope = await bridge.invoke(method, input);
  if (!envelope.ok) throw new ApiError(envelope.error);
  return envelope.result as MethodOutput<M>;
}

export function subscribe<E extends EventName>(
  event: E,
  listener: (payload: EventPayload<E>) => void,
): () => void {
  return bridge.subscribe(event, (payload) => listener(payload as EventPayload<E>));
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
