// Electron main process: small modules wired in one place.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, session } from 'electron';
import { Core } from '../core/index.js';
import { resolveWorkspaceDir, Workspace } from '../core/platform/workspace.js';
import { defaultRendererDir } from '../core/platform/media/static-files.js';
import { EVENT_CHANNEL, registerCallHandler } from './ipc.js';
import { utilityProcessLauncher } from './launcher.js';
import { installMenu } from './menu.js';
import { handleProtocols, registerSchemes } from './protocols.js';
import { installContentSecurityPolicy, lockNavigation } from './security.js';
import { createMainWindow } from './window.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const preloadPath = path.join(here, 'preload.cjs');

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  registerSchemes();
  let win: BrowserWindow | null = null;
  let core: Core | null = null;

  const pickFolder = async (): Promise<{ path: string | null }> => {
    const options = { title: 'Open a folder of images (one sub-folder per class)', properties: ['openDirectory' as const] };
    const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
    return { path: result.canceled ? null : (result.filePaths[0] ?? null) };
  };

  app.on('second-instance', () => {
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });

  // Every web contents, including any a future feature creates, gets the navigation lock.
  app.on('web-contents-created', (_event, contents) => lockNavigation(contents));

  void app.whenReady().then(() => {
    const ws = Workspace.open(resolveWorkspaceDir(undefined));
    core = new Core(ws, { launcher: utilityProcessLauncher });
    installContentSecurityPolicy(session.defaultSession);
    handleProtocols(core, defaultRendererDir());
    registerCallHandler(ipcMain, { core, window: () => win, shell: { 'dialog/openFolder': pickFolder } });
    core.events.subscribe((event, payload) => win?.webContents.send(EVENT_CHANNEL, event, payload));
    installMenu({
      openFolder: () =>
        void pickFolder().then((r) => {
          if (r.path) win?.webContents.send(EVENT_CHANNEL, 'shell/folderChosen', { path: r.path });
        }),
      quit: () => app.quit(),
    });
    win = createMainWindow(preloadPath);
    win.on('closed', () => (win = null));
  });

  app.on('window-all-closed', () => app.quit());
  // Stop training processes and close the database before the process goes.
  let closing = false;
  app.on('before-quit', (event) => {
    if (closing || !core) return;
    closing = true;
    event.preventDefault();
    void core.close().finally(() => app.exit(0));
  });
}
