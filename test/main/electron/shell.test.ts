// The Electron face with `electron` mocked (the binary is not available in tests): window options,
// CSP, the IPC door's refusals, safeOpenExternal, the media protocol and the menu.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

const electron = vi.hoisted(() => {
  const created: { options: unknown; webContents: { on: ReturnType<typeof vi.fn>; setWindowOpenHandler: ReturnType<typeof vi.fn> } }[] = [];
  class BrowserWindow {
    webContents = { on: vi.fn(), setWindowOpenHandler: vi.fn() };
    constructor(readonly options: unknown) {
      created.push(this);
    }
    once = vi.fn();
    loadURL = vi.fn(() => Promise.resolve());
  }
  return {
    created,
    BrowserWindow,
    shell: { openExternal: vi.fn(() => Promise.resolve()) },
    protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
    Menu: { buildFromTemplate: vi.fn((t: unknown) => t), setApplicationMenu: vi.fn() },
    utilityProcess: { fork: vi.fn() },
  };
});
vi.mock('electron', () => ({ ...electron, default: electron }));

const { mainWindowOptions, createMainWindow } = await import('../../../src/main/electron/window.js');
const { DESKTOP_CSP, installContentSecurityPolicy, safeOpenExternal, lockNavigation } = await import('../../../src/main/electron/security.js');
const { createCallHandler, isTrustedSender } = await import('../../../src/main/electron/ipc.js');
const { mediaResponse, appResponse } = await import('../../../src/main/electron/protocols.js');
const { menuTemplate } = await import('../../../src/main/electron/menu.js');
const { demoWorkspace } = await import('../server/helpers.js');
type DemoWorkspace = Awaited<ReturnType<typeof demoWorkspace>>;

describe('main window', () => {
  it('is isolated, sandboxed, without Node, with web security on', () => {
    const prefs = mainWindowOptions('/app/preload.cjs').webPreferences!;
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.sandbox).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.allowRunningInsecureContent).toBe(false);
    expect(prefs.webviewTag).toBe(false);
    expect(prefs.preload).toBe('/app/preload.cjs');
  });

  it('loads the app from facet-app:// and leaves the navigation lock to the web-contents-created hook (main.test.ts)', () => {
    const win = createMainWindow('/app/preload.cjs') as unknown as InstanceType<typeof electron.BrowserWindow>;
    expect(win.loadURL).toHaveBeenCalledWith('facet-app://app/index.html');
    // A second lock here would attach every listener twice.
    expect(win.webContents.setWindowOpenHandler).not.toHaveBeenCalled();
    expect(win.webContents.on).not.toHaveBeenCalled();
  });
});

describe('content security policy', () => {
  it('allows only our own scripts, no objects, no framing; pictures from facet-media:', () => {
    expect(DESKTOP_CSP).toContain("default-src 'self'");
    expect(DESKTOP_CSP).toContain("script-src 'self'");
    expect(DESKTOP_CSP).not.toMatch(/script-src[^;]*unsafe/);
    expect(DESKTOP_CSP).toContain("object-src 'none'");
    expect(DESKTOP_CSP).toContain("frame-ancestors 'none'");
    expect(DESKTOP_CSP).toContain('img-src');
    expect(DESKTOP_CSP).toMatch(/img-src[^;]*facet-media:/);
  });

  it('is added to every response of the session; permissions, devices and downloads are refused', () => {
    let onHeaders: ((details: { responseHeaders?: Record<string, string[]> }, cb: (r: unknown) => void) => void) | undefined;
    let onPermission: ((c: unknown, p: string, cb: (ok: boolean) => void) => void) | undefined;
    let onCheck: ((...a: unknown[]) => boolean) | undefined;
    let onDevice: ((...a: unknown[]) => boolean) | undefined;
    const events: Record<string, (...a: unknown[]) => void> = {};
    const session = {
      webRequest: { onHeadersReceived: (fn: typeof onHeaders) => (onHeaders = fn) },
      setPermissionRequestHandler: (fn: typeof onPermission) => (onPermission = fn),
      setPermissionCheckHandler: (fn: typeof onCheck) => (onCheck = fn),
      setDevicePermissionHandler: (fn: typeof onDevice) => (onDevice = fn),
      on: (name: string, fn: (...a: unknown[]) => void) => (events[name] = fn),
    };
    installContentSecurityPolicy(session as never);
    const cb = vi.fn();
    onHeaders!({ responseHeaders: { 'content-type': ['text/html'] } }, cb);
    expect(cb).toHaveBeenCalledWith({ responseHeaders: { 'content-type': ['text/html'], 'Content-Security-Policy': [DESKTOP_CSP] } });
    const allow = vi.fn();
    onPermission!(null, 'media', allow);
    expect(allow).toHaveBeenCalledWith(false);
    expect(onCheck!(null, 'clipboard-read', 'facet-app://app', {})).toBe(false);
    expect(onDevice!({ deviceType: 'usb', origin: 'facet-app://app' })).toBe(false);
    for (const name of ['select-hid-device', 'select-usb-device']) {
      const event = { preventDefault: vi.fn() };
      const pick = vi.fn();
      events[name]!(event, {}, pick);
      expect(event.preventDefault, name).toHaveBeenCalled();
      expect(pick, name).toHaveBeenCalledWith('');
    }
    const serial = { preventDefault: vi.fn() };
    const port = vi.fn();
    events['select-serial-port']!(serial, [], null, port);
    expect(port).toHaveBeenCalledWith('');
    const download = { preventDefault: vi.fn() };
    const item = { cancel: vi.fn() };
    events['will-download']!(download, item);
    expect(item.cancel).toHaveBeenCalled();
  });
});

describe('safeOpenExternal', () => {
  beforeEach(() => electron.shell.openExternal.mockClear());

  const allowed = ['example.org'];

  it('opens https links to an allowed host', async () => {
    expect(await safeOpenExternal('https://example.org/docs', allowed)).toBe(true);
    expect(electron.shell.openExternal).toHaveBeenCalledTimes(1);
  });

  it.each(['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'facet-media://images/1', 'data:text/html,hi', 'vbscript:x', 'ms-msdt:foo', 'not a url', '', 'https://user:pw@example.org/', 'http://example.org/', 'https://evil.example/', 'https://example.org.evil.example/'])(
    'refuses %s',
    async (url) => {
      expect(await safeOpenExternal(url, allowed)).toBe(false);
      expect(electron.shell.openExternal).not.toHaveBeenCalled();
    },
  );

  it('blocked navigation and window.open are denied and never open the browser by themselves', () => {
    const handlers: Record<string, (...a: unknown[]) => void> = {};
    let openHandler: ((d: { url: string }) => { action: string }) | undefined;
    const contents = { on: (name: string, fn: (...a: unknown[]) => void) => (handlers[name] = fn), setWindowOpenHandler: (fn: typeof openHandler) => (openHandler = fn) };
    lockNavigation(contents as never);
    const event = { preventDefault: vi.fn() };
    handlers['will-navigate']!(event, 'file:///etc/passwd');
    expect(event.preventDefault).toHaveBeenCalled();
    const inApp = { preventDefault: vi.fn() };
    handlers['will-navigate']!(inApp, 'facet-app://app/index.html');
    expect(inApp.preventDefault).not.toHaveBeenCalled();
    const external = { preventDefault: vi.fn() };
    handlers['will-navigate']!(external, 'https://example.org/');
    expect(external.preventDefault).toHaveBeenCalled();
    const frame = { preventDefault: vi.fn(), url: 'https://evil.example/' };
    handlers['will-frame-navigate']!(frame);
    expect(frame.preventDefault).toHaveBeenCalled();
    expect(openHandler!({ url: 'https://example.org' })).toEqual({ action: 'deny' });
    expect(electron.shell.openExternal).not.toHaveBeenCalled();
  });
});

describe('IPC call handler', () => {
  const mainFrame = { url: 'facet-app://app/index.html' };
  const contents = { mainFrame } as never;
  const trusted = { sender: contents, senderFrame: mainFrame } as never;
  const dispatch = vi.fn(async (name: unknown, args: unknown) => {
    if (name === 'labels/set') {
      const a = args as { imageIds?: unknown[] };
      if (!Array.isArray(a.imageIds) || a.imageIds.length === 0) {
        const { FacetError } = await import('../../../src/shared/errors.js');
        throw new FacetError('invalid-argument', 'Invalid arguments for labels/set', { field: 'imageIds' });
      }
    }
    return { called: name };
  });
  const pick = vi.fn(async () => ({ path: '/home/me/faces' }));
  const handler = createCallHandler({ core: { dispatch }, window: () => ({ webContents: contents }), shell: { 'dialog/openFolder': pick } });

  beforeEach(() => dispatch.mockClear());

  it('passes a known call from our main frame to the core', async () => {
    expect(await handler(trusted, 'datasets/list', {})).toEqual({ ok: true, result: { called: 'datasets/list' } });
    expect(dispatch).toHaveBeenCalledWith('datasets/list', {});
  });

  it('answers the shell call dialog/openFolder itself', async () => {
    expect(await handler(trusted, 'dialog/openFolder', {})).toEqual({ ok: true, result: { path: '/home/me/faces' } });
    expect(dispatch).not.toHaveBeenCalled();
  });

  it.each([['fs/readFile'], ['__proto__'], ['constructor'], [42], [null], ['facet:call']])('refuses the unknown call %s', async (name) => {
    const out = await handler(trusted, name, {});
    expect(out.ok).toBe(false);
    expect(dispatch).not.toHaveBeenCalled();
  });

  it('returns the validation error with its field for bad arguments', async () => {
    const out = await handler(trusted, 'labels/set', { datasetId: 1, imageIds: [], classId: 1 });
    expect(out).toEqual({ ok: false, error: expect.objectContaining({ code: 'invalid-argument', field: 'imageIds' }) });
  });

  it('refuses a sub-frame, another window, a destroyed frame and a foreign page', async () => {
    const subFrame = { url: 'facet-app://app/index.html' };
    const other = { mainFrame: { url: 'facet-app://app/index.html' } } as never;
    const cases = [
      { sender: contents, senderFrame: subFrame },
      { sender: other, senderFrame: (other as { mainFrame: unknown }).mainFrame },
      { sender: contents, senderFrame: null },
    ];
    for (const event of cases) {
      const out = await handler(event as never, 'datasets/list', {});
      expect(out).toEqual({ ok: false, error: expect.objectContaining({ field: 'sender' }) });
    }
    const foreign = { url: 'https://evil.example/' };
    const foreignContents = { mainFrame: foreign } as never;
    const h2 = createCallHandler({ core: { dispatch }, window: () => ({ webContents: foreignContents }), shell: { 'dialog/openFolder': pick } });
    expect((await h2({ sender: foreignContents, senderFrame: foreign } as never, 'datasets/list', {})).ok).toBe(false);
    expect(isTrustedSender(trusted, undefined)).toBe(false);
    expect(dispatch).not.toHaveBeenCalled();
  });
});

describe('facet-media:// protocol', () => {
  let ws: DemoWorkspace;
  let hash: string;
  let imageId: number;

  beforeAll(async () => {
    ws = await demoWorkspace(6);
    const first = (await ws.core.call('images/list', { datasetId: ws.datasetId, limit: 1 })).items[0]!;
    hash = first.hash!;
    imageId = first.id;
  });
  afterAll(async () => {
    await ws.core.close();
    fs.rmSync(ws.dir, { recursive: true, force: true });
  });

  it('serves a thumbnail by hash and an original by id', async () => {
    const thumb = await mediaResponse(ws.core, `facet-media://thumbs/${hash}.jpg`);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');
    expect((await mediaResponse(ws.core, `facet-media://images/${imageId}`)).status).toBe(200);
  });

  it.each([
    'facet-media://thumbs/../../facet.db',
    'facet-media://thumbs/%2e%2e/%2e%2e/facet.db.jpg',
    'facet-media://thumbs/..%2f..%2ffacet.db.jpg',
    'facet-media://images/..%2f..%2fetc%2fpasswd',
    'facet-media://images/%2Fetc%2Fpasswd',
    'facet-media://images//etc/passwd',
    'facet-media://images/0',
    'facet-media://thumbs/xyz.jpg',
    'facet-media://etc/passwd',
    'file:///etc/passwd',
  ])('refuses %s', async (url) => {
    const res = await mediaResponse(ws.core, url);
    expect(res.status).toBeGreaterThanOrEqual(400);
  });

  it('serves the renderer with the CSP header and nothing outside it', async () => {
    const res = await appResponse(ws.rendererDir, 'facet-app://app/index.html');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(DESKTOP_CSP);
    expect((await appResponse(ws.rendererDir, 'facet-app://app/../ws/facet.db')).status).toBe(404);
    expect((await appResponse(ws.rendererDir, `facet-app://app/${path.relative(ws.rendererDir, '/etc/passwd')}`)).status).toBe(404);
  });
});

describe('menu', () => {
  it('has Open folder…, a disabled Export… and Quit', () => {
    const openFolder = vi.fn();
    const quit = vi.fn();
    const file = menuTemplate({ openFolder, quit }, 'linux')[0]!;
    const items = file.submenu as { label?: string; enabled?: boolean; click?: () => void }[];
    expect(items.map((i) => i.label).filter(Boolean)).toEqual(['Open folder…', 'Export…', 'Quit']);
    expect(items.find((i) => i.label === 'Export…')!.enabled).toBe(false);
    items.find((i) => i.label === 'Open folder…')!.click!();
    expect(openFolder).toHaveBeenCalled();
  });
});
