// One build for the three parts: main + core + CLI (tsc → dist/), the sandboxed preload (esbuild →
// one CommonJS file, since a sandboxed preload cannot load modules), the renderer (vite → dist/renderer).
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

rmSync(path.join(root, 'dist'), { recursive: true, force: true });
console.log('build: main, core and CLI (tsc)');
run(bin('tsc'), ['-p', 'tsconfig.build.json']);

if (existsSync(path.join(root, 'src/main/electron/preload.ts'))) {
  console.log('build: preload (esbuild)');
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [path.join(root, 'src/main/electron/preload.ts')],
    outfile: path.join(root, 'dist/main/electron/preload.cjs'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    external: ['electron'],
    sourcemap: true,
    logLevel: 'warning',
  });
}

if (existsSync(path.join(root, 'src/renderer/index.html'))) {
  console.log('build: renderer (vite)');
  run(bin('vite'), ['build', '--config', 'vite.config.ts', '--logLevel', 'warn']);
}
if (existsSync(path.join(root, 'assets/icon.svg'))) {
  const { renderIcons } = await import('./icons.mjs');
  const { rendered } = await renderIcons({ onlyIfStale: true });
  console.log(rendered ? 'build: icons (sharp → build/)' : 'build: icons up to date');
}
console.log('build: done');
