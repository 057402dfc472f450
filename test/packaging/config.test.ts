// The packaging configuration, checked without building an installer (that needs Electron's binary,
// which these machines cannot download): electron-builder.yml against electron-builder's own schema and
// against what `npm run build` left on disk, the icons, the native modules and the Electron pin.
// Needs `npm run build` first (README's test command runs it before vitest).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { globSync } from 'tinyglobby';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));

interface TargetEntry {
  target: string;
  arch?: string[];
}
interface BuilderConfig {
  appId: string;
  productName: string;
  electronVersion: string;
  electronFuses?: Record<string, boolean>;
  directories: { output: string; buildResources: string };
  files: string[];
  asarUnpack: string[];
  extraResources?: (string | { from: string })[];
  npmRebuild: boolean;
  beforeBuild?: string;
  beforePack: string;
  linux: { target: (string | TargetEntry)[]; icon: string };
  win: { target: (string | TargetEntry)[]; icon: string };
  mac: { target: (string | TargetEntry)[]; icon: string };
}

const config = parse(fs.readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
const pkg = readJson('package.json') as {
  main: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

const glob = (patterns: string | string[]) => globSync(patterns, { cwd: root, dot: true, onlyFiles: true, expandDirectories: false });
const positive = (patterns: string[]) => patterns.filter((p) => !p.startsWith('!'));
const excluded = new Set(glob(config.files.filter((p) => p.startsWith('!')).map((p) => p.slice(1))));
const unpacked = new Set(glob(config.asarUnpack));

/** An optional dependency that did not install here (tfjs-node offline): its globs may match nothing. */
function absentOptionalPackage(pattern: string): string | null {
  const match = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(pattern);
  if (!match) return null;
  const name = match[1]!;
  return name in (pkg.optionalDependencies ?? {}) && !fs.existsSync(path.join(root, 'node_modules', name, 'package.json')) ? name : null;
}

/** Every installed package in the production dependency tree (what electron-builder ships), by dir. */
function productionPackageDirs(): string[] {
  const dirs = new Set<string>();
  const visit = (name: string, from: string) => {
    for (let dir = from; ; dir = path.dirname(dir)) {
      const candidate = path.join(dir, 'node_modules', name);
      if (fs.existsSync(path.join(candidate, 'package.json'))) {
        if (dirs.has(candidate)) return;
        dirs.add(candidate);
        const manifest = JSON.parse(fs.readFileSync(path.join(candidate, 'package.json'), 'utf8'));
        for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) visit(dep, candidate);
        return;
      }
      if (dir === root || dir === path.dirname(dir)) return; // not installed (an optional one)
    }
  };
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) visit(dep, root);
  return [...dirs];
}

function pngSize(data: Buffer): { width: number; height: number } {
  expect(data.subarray(0, 8).toString('hex'), 'PNG signature').toBe('89504e470d0a1a0a');
  expect(data.subarray(12, 16).toString('ascii'), 'first chunk').toBe('IHDR');
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
}

const targetNames = (targets: (string | TargetEntry)[]) => targets.map((t) => (typeof t === 'string' ? t : t.target));

describe('electron-builder.yml', () => {
  it('parses and passes electron-builder\'s own schema validation', async () => {
    expect(config.appId).toMatch(/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$/);
    expect(config.productName).toBe('Facet Studio');
    // app-builder-lib is electron-builder's engine; validateConfiguration is what `electron-builder` runs first.
    const require = createRequire(import.meta.url);
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js');
    const { DebugLogger } = require('builder-util');
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('builds AppImage and deb on Linux, NSIS on Windows, dmg for x64 and arm64 on macOS', () => {
    expect(targetNames(config.linux.target).sort()).toEqual(['AppImage', 'deb']);
    expect(targetNames(config.win.target)).toEqual(['nsis']);
    const dmg = config.mac.target.find((t): t is TargetEntry => typeof t !== 'string' && t.target === 'dmg');
    expect(dmg?.arch?.sort()).toEqual(['arm64', 'x64']);
    expect(config.directories).toEqual({ output: 'release', buildResources: 'build' });
  });

  describe('every files glob matches something after the build', () => {
    it.each(positive(config.files))('%s', (pattern) => {
      expect(glob(pattern).filter((f) => !excluded.has(f)), pattern).not.toHaveLength(0);
    });
  });

  describe('every asarUnpack glob matches something after the build', () => {
    it.for(config.asarUnpack)('%s', (pattern, ctx) => {
      const absent = absentOptionalPackage(pattern);
      if (absent) ctx.skip(`${absent} is an optional dependency not installed here (tfjs-node offline): "${pattern}" matches nothing`);
      expect(glob(pattern), pattern).not.toHaveLength(0);
    });
  });

  it('every extraResources entry exists', () => {
    for (const entry of config.extraResources ?? []) {
      const from = typeof entry === 'string' ? entry : entry.from;
      expect(glob(from), from).not.toHaveLength(0);
    }
  });

  it('main in package.json is the built Electron entry, shipped by the files globs', () => {
    expect(pkg.main).toBe('dist/main/electron/main.js');
    expect(fs.existsSync(path.join(root, pkg.main)), `${pkg.main} exists (run npm run build)`).toBe(true);
    expect(glob(positive(config.files))).toContain(pkg.main);
    expect(excluded.has(pkg.main)).toBe(false);
  });

  it('the preload the main window loads and the renderer it shows are in dist', () => {
    const main = fs.readFileSync(path.join(root, pkg.main), 'utf8');
    const preload = /preloadPath = path\.join\(here, '([^']+)'\)/.exec(main)?.[1];
    expect(preload, 'main.js names its preload as path.join(here, "<file>")').toBeDefined();
    expect(fs.existsSync(path.join(root, 'dist/main/electron', preload!))).toBe(true);
    expect(fs.existsSync(path.join(root, 'dist/renderer/index.html'))).toBe(true);
  });

  it('the app opens its workspace where the CLI does (the per-user data folder)', () => {
    const main = fs.readFileSync(path.join(root, pkg.main), 'utf8');
    expect(main).toMatch(/Workspace\.open\(resolveWorkspaceDir\(undefined\)\)/);
    expect(main).toContain("from '../core/platform/workspace.js'");
  });
});

describe('native modules', () => {
  it('better-sqlite3, sharp with @img/*, tfjs-node and the wasm backend\'s .wasm files are unpacked from asar', () => {
    expect(config.asarUnpack).toEqual(
      expect.arrayContaining([
        'node_modules/better-sqlite3/build/Release/*.node',
        'node_modules/sharp/**/*',
        'node_modules/@img/**/*',
        'node_modules/@tensorflow/tfjs-node/**/*',
        'node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm',
      ]),
    );
  });

  it('every native binary and .wasm file of the production dependencies that ships is unpacked', () => {
    const nativeFiles = productionPackageDirs().flatMap((dir) =>
      globSync(['**/*.{node,wasm,so,dylib,dll}', '**/*.so.*'], { cwd: dir, dot: true, ignore: ['**/node_modules/**'] }).map((f) =>
        path.relative(root, path.join(dir, f)).split(path.sep).join('/'),
      ),
    );
    expect(nativeFiles).toContain('node_modules/better-sqlite3/build/Release/better_sqlite3.node');
    const missing = nativeFiles.filter((f) => !excluded.has(f) && !unpacked.has(f));
    expect(missing, 'native files that would be loaded from inside app.asar').toEqual([]);
  });

  it('only better-sqlite3 is rebuilt for Electron: tfjs-node is kept out of the rebuild', async () => {
    // electron-builder's own rebuild (all native modules, including tfjs-node) is off ...
    expect(config.npmRebuild).toBe(false);
    expect(config.beforeBuild).toBeUndefined();
    // ... and the beforePack hook rebuilds exactly better-sqlite3.
    expect(config.beforePack).toBe('./scripts/rebuild-native.mjs');
    const hook = await import(pathToFileURL(path.join(root, config.beforePack)).href);
    expect(typeof hook.default).toBe('function');
    expect(hook.ELECTRON_REBUILT_MODULES).toEqual(['better-sqlite3']);
    expect(pkg.scripts['rebuild:electron']).toBe('node scripts/rebuild-native.mjs');
  });

  it('the hook refuses to package an architecture whose sharp binary is not installed, before rebuilding anything', async () => {
    const hook = await import(pathToFileURL(path.join(root, config.beforePack)).href);
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'facet-pack-'));
    try {
      expect(() => hook.checkSharpBinary('darwin', 'arm64', empty)).toThrow(/@img\/sharp-darwin-arm64 is not installed[\s\S]*What to do: build darwin-arm64 on a darwin-arm64 machine/);
      expect(() => hook.checkSharpBinary(process.platform, process.arch)).not.toThrow();
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it('the hook can tell which ABI a built addon is for (Node 20 → 115 here; Electron 45 → 150)', async () => {
    const hook = await import(pathToFileURL(path.join(root, config.beforePack)).href);
    expect(await hook.electronAbi('45.6.1')).toBe('150');
    // In the test run better-sqlite3 is built for this Node (the packaged app gets Electron's).
    expect(hook.builtAbi(hook.BETTER_SQLITE3_BINARY)).toBe(process.versions.modules);
  });
});

const require_ = createRequire(import.meta.url);

/**
 * The newest released Electron major this install knows of, offline: node-abi's registry (the one
 * @electron/rebuild uses, refreshed whenever the dependencies are) lists every Electron major with
 * its ABI; `future: true` marks the ones not released yet.
 */
function latestReleasedElectronMajor(): number {
  const nodeAbi = createRequire(require_.resolve('@electron/rebuild')).resolve('node-abi');
  const registry = JSON.parse(fs.readFileSync(path.join(path.dirname(nodeAbi), 'abi_registry.json'), 'utf8')) as { runtime: string; target: string; future: boolean }[];
  const majors = registry.filter((r) => r.runtime === 'electron' && !r.future).map((r) => Number(r.target.split('.')[0]));
  return Math.max(...majors);
}

describe('Electron pin', () => {
  it('electron is pinned exactly, electron-builder packages that same version, and the installed package is it', () => {
    expect(pkg.devDependencies.electron).toMatch(/^\d+\.\d+\.\d+$/);
    expect(config.electronVersion).toBe(pkg.devDependencies.electron);
    expect(readJson('node_modules/electron/package.json').version).toBe(pkg.devDependencies.electron);
    expect(pkg.devDependencies['electron-builder']).toMatch(/^26\.\d+\.\d+$/);
  });

  it('the pinned major is one of the latest three Electron supports (from installed metadata, not the network)', () => {
    const pinned = Number(pkg.devDependencies.electron!.split('.')[0]);
    const latest = latestReleasedElectronMajor();
    expect(latest, 'node-abi knows at least the pinned major').toBeGreaterThanOrEqual(pinned);
    expect(
      pinned,
      `Electron ${pinned} is out of support (supported: ${latest - 2}–${latest}). Move devDependencies.electron and ` +
        'electron-builder.yml electronVersion to the newest release (npm view electron version) and run this test again.',
    ).toBeGreaterThanOrEqual(latest - 2);
  });

  it('the fuses are set: no run-as-node, NODE_OPTIONS or --inspect; asar only and integrity-checked; encrypted cookies; no file:// privileges', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
    });
    // runAsNode off breaks child_process.fork of the Electron binary: the app's long work must use
    // utilityProcess, and nothing may set ELECTRON_RUN_AS_NODE.
    const launcher = fs.readFileSync(path.join(root, 'src/main/electron/launcher.ts'), 'utf8');
    expect(launcher).toContain('utilityProcess.fork');
    for (const file of globSync('src/**/*.ts', { cwd: root })) {
      expect(fs.readFileSync(path.join(root, file), 'utf8'), file).not.toContain('ELECTRON_RUN_AS_NODE');
    }
  });

  it('npm run dist builds for this OS, dist:dir an unpacked app, and both restore better-sqlite3 for Node after', () => {
    expect(pkg.scripts.dist).toBe('npm run build && electron-builder --publish never');
    expect(pkg.scripts['dist:dir']).toBe('npm run build && electron-builder --dir --publish never');
    expect(pkg.scripts.postdist).toBe('npm rebuild better-sqlite3');
    expect(pkg.scripts['postdist:dir']).toBe('npm rebuild better-sqlite3');
  });
});

describe('icons rendered from assets/icon.svg', () => {
  const buildDir = path.join(root, config.directories.buildResources);

  it('Linux: one PNG per size in build/icons, named NxN.png, each really that size', () => {
    expect(config.linux.icon).toBe('build/icons');
    for (const size of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) {
      const file = path.join(root, config.linux.icon, `${size}x${size}.png`);
      expect(pngSize(fs.readFileSync(file)), file).toEqual({ width: size, height: size });
    }
    expect(pngSize(fs.readFileSync(path.join(buildDir, 'icon.png')))).toEqual({ width: 1024, height: 1024 });
  });

  it('Windows: the ICO directory lists 16 to 256 px PNG images whose headers agree', () => {
    const ico = fs.readFileSync(path.join(root, config.win.icon));
    expect(ico.readUInt16LE(0)).toBe(0);
    expect(ico.readUInt16LE(2)).toBe(1); // 1 = icon
    const count = ico.readUInt16LE(4);
    const sizes: number[] = [];
    for (let i = 0; i < count; i++) {
      const entry = 6 + 16 * i;
      const size = ico.readUInt8(entry) || 256; // 0 means 256
      expect(ico.readUInt8(entry + 1) || 256).toBe(size);
      const length = ico.readUInt32LE(entry + 8);
      const offset = ico.readUInt32LE(entry + 12);
      expect(offset + length).toBeLessThanOrEqual(ico.length);
      expect(pngSize(ico.subarray(offset, offset + length))).toEqual({ width: size, height: size });
      sizes.push(size);
    }
    expect(sizes).toEqual([16, 24, 32, 48, 64, 128, 256]);
  });

  it('macOS: the ICNS holds ic07–ic14 PNGs at the sizes their types mean', () => {
    const icns = fs.readFileSync(path.join(root, config.mac.icon));
    expect(icns.subarray(0, 4).toString('ascii')).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    const expected: Record<string, number> = { ic07: 128, ic08: 256, ic09: 512, ic10: 1024, ic11: 32, ic12: 64, ic13: 256, ic14: 512 };
    const found: Record<string, number> = {};
    for (let at = 8; at < icns.length; ) {
      const type = icns.subarray(at, at + 4).toString('ascii');
      const length = icns.readUInt32BE(at + 4);
      expect(length).toBeGreaterThan(8);
      const { width, height } = pngSize(icns.subarray(at + 8, at + length));
      expect(height).toBe(width);
      found[type] = width;
      at += length;
    }
    expect(found).toEqual(expected);
  });

  it('the icons are newer than the SVG they come from', () => {
    const svg = fs.statSync(path.join(root, 'assets/icon.svg')).mtimeMs;
    for (const file of [config.win.icon, config.mac.icon, `${config.linux.icon}/256x256.png`]) {
      expect(fs.statSync(path.join(root, file)).mtimeMs, file).toBeGreaterThanOrEqual(svg);
    }
  });
});
