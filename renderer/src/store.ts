import { create } from 'zustand';
import type { ScopeNode } from '../../shared/contract';
import { call, subscribe } from './api';

export type TenantTab =
  'details' | 'modules' | 'users' | 'cameras' | 'alerts' | 'audit' | 'business' | 'roles' | 'setup';

export type Route =
  | { screen: 'customers'; scopeId: string }
  | { screen: 'tenant'; id: string; tab: TenantTab }
  | { screen: 'audit' }
  | { screen: 'site-scan' }
  | { screen: 'sync' }
  | { screen: 'server' };

export interface Toast {
  id: number;
  kind: 'success' | 'error' | 'info';
  text: string;
}

/** Routes live in the URL hash so reload and back/forward work in both hosts. */
export function parseHash(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'tenant' && parts[1]) {
    return {
      screen: 'tenant',
      id: parts[1],
      tab: (parts[2] as TenantTab | undefined) ?? 'details',
    };
  }
  if (parts[0] === 'audit') return { screen: 'audit' };
  if (parts[0] === 'site-scan') return { screen: 'site-scan' };
  if (parts[0] === 'sync') return { screen: 'sync' };
  if (parts[0] === 'settings' && parts[1] === 'server') return { screen: 'server' };
  return { screen: 'customers', scopeId: parts[0] === 'customers' && parts[1] ? parts[1] : 'root' };
}

export function routeHash(route: Route): string {
  switch (route.screen) {
    case 'tenant':
      return `#/tenant/${encodeURIComponent(route.id)}/${route.tab}`;
    case 'audit':
      return '#/audit';
    case 'site-scan':
      return '#/site-scan';
    case 'sync':
      return '#/sync';
    case 'server':
      return '#/settings/server';
    default:
      return route.scopeId === 'root'
        ? '#/customers'
        : `#/customers/${encodeURIComponent(route.scopeId)}`;
  }
}

interface AppState {
  route: Route;
  /** Bumped whenever the main side says tenants changed: views refetch. */
  dataVersion: number;
  scopes: ScopeNode[];
  toasts: Toast[];
  navigate(route: Route): void;
  toast(kind: Toast['kind'], text: string): void;
  dismiss(id: number): void;
  refreshScopes(): Promise<void>;
}

let toastId = 0;

export const useApp = create<AppState>((set, get) => ({
  route: parseHash(window.location.hash),
  dataVersion: 0,
  scopes: [],
  toasts: [],
  navigate(route) {
    const hash = routeHash(route);
    if (window.location.hash !== hash) window.history.pushState(null, '', hash);
    set({ route });
  },
  toast(kind, text) {
    const id = ++toastId;
    set({ toasts: [...get().toasts, { id, kind, text }] });
    setTimeout(() => get().dismiss(id), kind === 'error' ? 8000 : 4000);
  },
  dismiss(id) {
    set({ toasts: get().toasts.filter((t) => t.id !== id) });
  },
  async refreshScopes() {
    set({ scopes: await call('tenants.scopes', {}) });
  },
}));

window.addEventListener('popstate', () =>
  useApp.setState({ route: parseHash(window.location.hash) }),
);
subscribe('tenants.changed', () => {
  useApp.setState((s) => ({ dataVersion: s.dataVersion + 1 }));
  void useApp.getState().refreshScopes();
});
