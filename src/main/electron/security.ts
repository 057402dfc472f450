// The window's locks: a strict CSP on every response, no navigation away from the app, no new
// windows, and safeOpenExternal as the only door to the OS browser.
import { shell, type Session, type WebContents } from 'electron';
import { contentSecurityPolicy } from '../core/platform/media/csp.js';

export const APP_ORIGIN = 'facet-app://app';

/** True for our own pages. (URL.origin is "null" for custom schemes, so compare scheme and host.) */
export function isAppUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return url.protocol === 'facet-app:' && url.host === 'app';
  } catch {
    return false;
  }
}

export const DESKTOP_CSP = contentSecurityPolicy({ images: ['facet-media:'] });

/** Adds the CSP header to every response the session loads. */
export function installContentSecurityPolicy(session: Session): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [DESKTOP_CSP] } });
  });
  // The app needs no camera, microphone, notifications or any other permission.
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
}

/** Opens http(s) links in the user's browser; anything else (file:, javascript:, custom schemes) is refused. */
export async function safeOpenExternal(raw: string): Promise<boolean> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
  if (url.username || url.password) return false;
  await shell.openExternal(url.toString());
  return true;
}

/** The app never navigates: in-app links stay, outside http(s) links go to the browser, nothing opens a window. */
export function lockNavigation(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (isAppUrl(url)) return;
    event.preventDefault();
    void safeOpenExternal(url);
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    void safeOpenExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
