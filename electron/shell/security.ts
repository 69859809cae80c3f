/**
 * The Electron window's security settings, as plain data and pure functions so tests can check
 * them without the Electron binary (Electron's security checklist: context isolation, sandbox, no
 * Node in the renderer, web security, a strict CSP, navigation and new windows blocked, IPC senders
 * validated, permissions denied by default).
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'vms';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

export interface SecureWebPreferences {
  preload: string;
  contextIsolation: true;
  sandbox: true;
  nodeIntegration: false;
  nodeIntegrationInWorker: false;
  nodeIntegrationInSubFrames: false;
  webSecurity: true;
  allowRunningInsecureContent: false;
  webviewTag: false;
  experimentalFeatures: false;
  spellcheck: boolean;
  disableBlinkFeatures: string;
}

export function secureWebPreferences(preload: string): SecureWebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    spellcheck: true,
    // Middle-click (auxclick) would otherwise open links in a new window.
    disableBlinkFeatures: 'Auxclick',
  };
}

/** CSP for every page served from app://: our own code only, no inline scripts, no remote origins. */
export const ELECTRON_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/** Only our own top-level page may call the API. */
export function isTrustedSenderUrl(url: string | undefined): boolean {
  if (!url) return false;
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/** Links the user clicked may open in the system browser when they are plain http(s). */
export function isExternalLinkAllowed(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/** Maps app://vms/<path> to a file inside the renderer folder; null for anything outside it. */
export function resolveAppFile(
  rendererDir: string,
  requestUrl: string,
  join: (...p: string[]) => string,
  sep: string,
): string | null {
  let u: URL;
  try {
    u = new URL(requestUrl);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  const rel =
    u.pathname === '/' || u.pathname === ''
      ? 'index.html'
      : decodeURIComponent(u.pathname.slice(1));
  const file = join(rendererDir, rel);
  return file.startsWith(rendererDir + sep) ? file : null;
}
