// The window's locks: a strict CSP on every response, no navigation away from the app, no new
// windows, no permissions, devices or downloads, and safeOpenExternal as the only door to the OS
// browser (used by no code path today: nothing opens the browser by itself).
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

/** Adds the CSP header to every response the session loads and refuses every permission, device and download. */
export function installContentSecurityPolicy(session: Session): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [DESKTOP_CSP] } });
  });
  // The app needs no camera, microphone, notifications, clipboard-read or any other permission:
  // requests are refused, and checks (which pages make without asking) answer no as well.
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  // WebUSB, WebHID, Web Serial, Web Bluetooth: no device is ever handed to a page.
  session.setDevicePermissionHandler(() => false);
  session.on('select-hid-device', (event, _details, callback) => {
    event.preventDefault();
    callback('');
  });
  session.on('select-serial-port', (event, _ports, _contents, callback) => {
    event.preventDefault();
    callback('');
  });
  session.on('select-usb-device', (event, _details, callback) => {
    event.preventDefault();
    callback('');
  });
  // Facet writes files through its own export calls; a page never downloads anything.
  session.on('will-download', (event, item) => {
    event.preventDefault();
    item.cancel();
  });
}

/**
 * Opens an https link in the user's browser, only for a host on `allowedHosts` (a link the user
 * clicked that the app itself offers). Everything else (file:, javascript:, custom schemes, other
 * hosts, credentials in the URL) is refused.
 */
export async function safeOpenExternal(raw: string, allowedHosts: readonly string[]): Promise<boolean> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:') return false;
  if (url.username || url.password) return false;
  if (!allowedHosts.includes(url.hostname.toLowerCase())) return false;
  await shell.openExternal(url.toString());
  return true;
}

/**
 * The app never navigates: in-app links stay; everything else is refused and does NOT open the
 * browser (a page could otherwise open any site, or a handler for a dangerous scheme, without a
 * click). No new windows, no webviews. Installed on every web contents (main.ts, web-contents-created).
 */
export function lockNavigation(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-frame-navigate', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
