// The Electron main process as wired in main.ts, with fakes of Electron's objects (the binary cannot
// run here): like Electron, a new BrowserWindow's web contents fires app 'web-contents-created', and
// the navigation lock is attached there exactly once per web contents (the window adds none of its
// own); quitting closes the core (its job processes and image decoder) before the app exits.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

const electron = vi.hoisted(() => {
  type Listener = (...args: unknown[]) => void;
  /** A web contents that counts what is attached to it. */
  class FakeWebContents {
    readonly listeners = new Map<string, Listener[]>();
    readonly windowOpenHandlers: unknown[] = [];
    on(name: string, fn: Listener) {
      this.listeners.set(name, [...(this.listeners.get(name) ?? []), fn]);
      return this;
    }
    setWindowOpenHandler(fn: unknown) {
      this.windowOpenHandlers.push(fn);
    }
    send() {}
  }
  const appListeners = new Map<string, Listener[]>();
  const app = {
    requestSingleInstanceLock: () => true,
    on(name: string, fn: Listener) {
      appListeners.set(name, [...(appListeners.get(name) ?? []), fn]);
      return app;
    },
    emit(name: string, ...args: unknown[]) {
      for (const fn of appListeners.get(name) ?? []) fn(...args);
    },
    whenReady: () => Promise.resolve(),
    quit: vi.fn(),
    exit: vi.fn(),
  };
  const windows: { webContents: FakeWebContents }[] = [];
  class BrowserWindow {
    readonly webContents = new FakeWebContents();
    constructor(readonly options: unknown) {
      windows.push(this);
      // What Electron does for every web contents it creates.
      app.emit('web-contents-created', {}, this.webContents);
    }
    once() {}
    on() {}
    loadURL() {
      return Promise.resolve();
    }
  }
  const session = {
    webRequest: { onHeadersReceived: vi.fn() },
    setPermissionRequestHandler: vi.fn(),
    setPermissionCheckHandler: vi.fn(),
    setDevicePermissionHandler: vi.fn(),
    on: vi.fn(),
  };
  return {
    FakeWebContents,
    windows,
    app,
    BrowserWindow,
    dialog: { showOpenDialog: vi.fn() },
    ipcMain: { handle: vi.fn(), removeHandler: vi.fn() },
    session: { defaultSession: session },
    protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
    Menu: { buildFromTemplate: vi.fn((t: unknown) => t), setApplicationMenu: vi.fn() },
    utilityProcess: { fork: vi.fn() },
    shell: { openExternal: vi.fn() },
  };
});
vi.mock('electron', () => ({ ...electron, default: electron }));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facet-electron-main-'));
process.env.FACET_WORKSPACE = path.join(dir, 'ws');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

await import('../../../src/main/electron/main.js');

const listenerCount = (contents: InstanceType<typeof electron.FakeWebContents>, name: string) => contents.listeners.get(name)?.length ?? 0;

describe('the Electron main process', () => {
  it('locks the main window\'s navigation once, through the web-contents-created hook', async () => {
    await vi.waitFor(() => expect(electron.windows).toHaveLength(1));
    const contents = electron.windows[0]!.webContents;
    for (const name of ['will-navigate', 'will-frame-navigate', 'will-redirect', 'will-attach-webview']) expect(listenerCount(contents, name), name).toBe(1);
    expect(contents.windowOpenHandlers).toHaveLength(1);
  });

  it('locks any other web contents the same way', () => {
    const other = new electron.FakeWebContents();
    electron.app.emit('web-contents-created', {}, other);
    expect(listenerCount(other, 'will-navigate')).toBe(1);
    expect(other.windowOpenHandlers).toHaveLength(1);
  });

  it('closes the core (jobs, decoder, database) before it exits on quit', async () => {
    // SQLite removes the write-ahead log when the last connection closes.
    const wal = path.join(dir, 'ws', 'facet.db-wal');
    expect(fs.existsSync(wal)).toBe(true);
    const event = { preventDefault: vi.fn() };
    electron.app.emit('before-quit', event);
    expect(event.preventDefault).toHaveBeenCalled();
    await vi.waitFor(() => expect(electron.app.exit).toHaveBeenCalledWith(0));
    expect(fs.existsSync(wal)).toBe(false);
  });
});
