// Starts the browser-mode server in-process on a fresh workspace and drives Debian's Chromium.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Core } from '../../src/main/core/index.js';
import { Workspace } from '../../src/main/core/platform/workspace.js';
import { startServer, type RunningServer } from '../../src/main/server/index.js';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const RENDERER_DIR = path.join(ROOT, 'dist', 'renderer');
export const SCREENSHOTS = path.join(ROOT, 'test-output', 'screenshots');

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => Boolean(p));
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error('Chromium is missing: apt-get install -y chromium (or set CHROMIUM_PATH).');
  return found;
}

export function requireBuild(): void {
  if (!fs.existsSync(path.join(RENDERER_DIR, 'index.html'))) throw new Error('dist/renderer is missing: run `npm run build` before the e2e tests.');
}

export interface Session {
  dir: string;
  core: Core;
  server: RunningServer;
  browser: Browser;
  page: Page;
  consoleErrors: string[];
  close(): Promise<void>;
}

export async function openSession(dir: string, viewport = { width: 1280, height: 800 }): Promise<Session> {
  requireBuild();
  const core = new Core(Workspace.open(path.join(dir, 'workspace')));
  const server = await startServer({ core, rendererDir: RENDERER_DIR });
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport, colorScheme: 'light' });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  return {
    dir,
    core,
    server,
    browser,
    page,
    consoleErrors,
    close: async () => {
      await browser.close();
      await server.close();
      await core.close();
    },
  };
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
