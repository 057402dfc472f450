// Diagnostic for issue 22: which calls the labeller makes when it opens and on a relabel, how long
// each takes in the core (server side), and the renderer's long tasks. Reuses BENCH_UI_TRACE_DIR.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from '../src/main/server/index.js';
import { CHROMIUM_ARGS, chromiumPath, RENDERER_DIR } from '../test/e2e/harness.js';
import { Core } from '../src/main/core/index.js';
import { Workspace } from '../src/main/core/platform/workspace.js';
import { buildWorkspace, insertMap } from './ui-workspace.js';
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
declare const window: any;
declare const KeyboardEvent: any;
declare const PerformanceObserver: any;
declare const MutationObserver: any;
declare function requestAnimationFrame(callback: (now: number) => void): number;

const TOTAL = Number(process.env.BENCH_UI_COUNT ?? 100_000);
const DIR = process.env.BENCH_UI_TRACE_DIR ?? `/tmp/h3/ws${TOTAL}`;

async function build(): Promise<void> {
  if (fs.existsSync(path.join(DIR, 'workspace', 'facet.db'))) return;
  // The same workspace as bench/ui.ts: half the images unlabelled with a suggestion, on a clustered map.
  const { core, datasetId } = await buildWorkspace(DIR, TOTAL);
  insertMap(core, datasetId);
  await core.close();
}

/** The functions with the most self time in a CPU profile of the page, and who called them. */
async function printProfile(cdp: { send(method: 'Profiler.stop'): Promise<{ profile: Profile }> }, title: string): Promise<void> {
  const { profile } = await cdp.send('Profiler.stop');
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  (profile.samples ?? []).forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas?.[i] ?? 0) / 1000));
  const label = (id: number | undefined) => {
    const f = id === undefined ? undefined : byId.get(id)?.callFrame;
    return f ? `${f.functionName || '(anon)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}` : '-';
  };
  const totals = new Map<string, number>();
  for (const [id, ms] of self) {
    const key = `${label(id)}  ← ${label(parent.get(id))}  ← ${label(parent.get(parent.get(id) ?? -1))}`;
    totals.set(key, (totals.get(key) ?? 0) + ms);
  }
  const sum = (pick: (name: string) => boolean) => [...self].reduce((t, [id, ms]) => (pick(byId.get(id)?.callFrame.functionName ?? '') ? t + ms : t), 0);
  const outside = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);
  console.log(`--- CPU profile: ${title}: script ${sum((n) => !outside.has(n)).toFixed(0)} ms, GC ${sum((n) => n === '(garbage collector)').toFixed(0)} ms, browser work ("program") ${sum((n) => n === '(program)').toFixed(0)} ms, idle ${sum((n) => n === '(idle)').toFixed(0)} ms`);
  for (const [k, ms] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${ms.toFixed(1).padStart(8)} ms  ${k}`);
}

interface Profile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples?: number[];
  timeDeltas?: number[];
}

async function main(): Promise<void> {
  await build();
  const core = new Core(Workspace.open(path.join(DIR, 'workspace')));
  const log: { name: string; start: number; ms: number; bytes: number }[] = [];
  const t0 = performance.now();
  const original = core.dispatch.bind(core);
  core.dispatch = async (name: unknown, args: unknown) => {
    const start = performance.now();
    const result = await original(name, args);
    log.push({ name: String(name) + (args && typeof args === 'object' && 'offset' in args ? `@${(args as { offset: number }).offset}` : ''), start: start - t0, ms: performance.now() - start, bytes: JSON.stringify(result ?? null).length });
    return result;
  };
  const server = await startServer({ core, rendererDir: process.env.BENCH_UI_RENDERER_DIR ?? RENDERER_DIR });
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.addInitScript('globalThis.__name = (f) => f');
  await page.goto(server.url);
  await page.locator('[data-test=open-labeller]').waitFor();
  await page.waitForTimeout(1000);
  const show = (title: string) => {
    console.log(`--- ${title}`);
    for (const e of log) console.log(`  ${e.start.toFixed(0).padStart(7)} ms  ${e.name.padEnd(28)} ${e.ms.toFixed(1).padStart(7)} ms  ${(e.bytes / 1024).toFixed(0).padStart(6)} KB`);
    log.length = 0;
  };
  show('home');
  await page.evaluate(() => {
    window.__long = [];
    new PerformanceObserver((list: any) => {
      for (const e of list.getEntries()) window.__long.push({ start: Math.round(e.startTime - window.__t0), ms: Math.round(e.duration) });
    }).observe({ type: 'longtask' });
  });
  const cdp = await page.context().newCDPSession(page);
  if (process.env.TRACE_PROFILE) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
  }
  const paint = await page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        window.__t0 = performance.now();
        document.querySelector('[data-test=open-labeller]').click();
        const check = () => {
          if (document.querySelector('[data-test=cell]')) requestAnimationFrame(() => resolve(performance.now() - window.__t0));
          else requestAnimationFrame(check);
        };
        requestAnimationFrame(check);
      }),
  );
  await page.waitForFunction((n) => document.querySelector('[data-test=grid]')?.getAttribute('data-total') === String(n), TOTAL, { timeout: 60_000 });
  await page.waitForTimeout(1500);
  console.log(`first paint ${paint.toFixed(0)} ms (page clock); server clock at click ≈ see first call`);
  if (process.env.TRACE_PROFILE) await printProfile(cdp, 'open labeller → first paint');
  show('open labeller');
  console.log('long tasks (ms after click):', JSON.stringify(await page.evaluate(() => window.__long.splice(0))));
  if (process.env.TRACE_SCROLL) {
    if (process.env.TRACE_PROFILE) await cdp.send('Profiler.start');
    const scroll = await page.evaluate(
      (seconds) =>
        new Promise<{ frames: number; seconds: number }>((resolve) => {
          const grid = document.querySelector('[data-test=grid]');
          const max = grid.scrollHeight - grid.clientHeight;
          const start = performance.now();
          let frames = 0;
          const step = (now: number) => {
            frames++;
            const f = Math.min(1, (now - start) / (3 * seconds * 1000));
            const pass = Math.min(2, Math.floor(f * 3));
            const within = f * 3 - pass;
            grid.scrollTop = (pass === 1 ? 1 - within : within) * max;
            if (f < 1) requestAnimationFrame(step);
            else resolve({ frames, seconds: (now - start) / 1000 });
          };
          requestAnimationFrame(step);
        }),
      Number(process.env.BENCH_UI_SCROLL_SECONDS ?? 6),
    );
    console.log(`scroll: ${(scroll.frames / scroll.seconds).toFixed(1)} fps`);
    show('during the scroll');
    console.log('long tasks:', JSON.stringify(await page.evaluate(() => window.__long.splice(0))));
    if (process.env.TRACE_PROFILE) await printProfile(cdp, 'scroll');
    await page.evaluate(() => (document.querySelector('[data-test=grid]').scrollTop = 0));
    await page.waitForTimeout(300);
  }
  for (let k = 0; k < 5; k++) {
    const ms = await page.evaluate(async (k) => {
      const cell = document.querySelector(`[data-test=cell][data-index="${k}"]`);
      cell.click();
      const before = cell.getAttribute('data-class');
      const rows = [...document.querySelectorAll('[data-class-row]')].map((r: any) => r.getAttribute('data-class-row'));
      const key = String(rows.findIndex((c) => c !== before) + 1);
      window.__t0 = performance.now();
      const done = new Promise<number>((resolve) => {
        const obs = new MutationObserver(() => {
          const now = document.querySelector(`[data-test=cell][data-index="${k}"]`);
          if (now && now.getAttribute('data-class') !== before) {
            obs.disconnect();
            resolve(performance.now() - window.__t0);
          }
        });
        obs.observe(document.querySelector('[data-test=grid]'), { subtree: true, attributes: true, attributeFilter: ['data-class'] });
      });
      window.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));
      return done;
    }, k);
    await page.waitForTimeout(Number(process.env.TRACE_GAP ?? 1500));
    show(`relabel ${k}: visible after ${ms.toFixed(0)} ms`);
    console.log('long tasks:', JSON.stringify(await page.evaluate(() => window.__long.splice(0))));
  }
  await browser.close();
  await server.close();
  await core.close();
}
await main();
