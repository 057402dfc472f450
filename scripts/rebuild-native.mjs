// Native modules for the packaged app. electron-builder calls this as its beforePack hook once per
// platform and architecture it packages; `npm run rebuild:electron` runs it for this machine.
//
// Why a hook and not electron-builder's own rebuild (npmRebuild): that rebuilds every native module,
// and @tensorflow/tfjs-node's rebuild downloads libtensorflow again (README.md, Training engines). Only
// better-sqlite3 is built against Electron's ABI; sharp (@img/*) and tfjs-node are Node-API and ship
// as they were installed. A beforeBuild hook that returns false would also skip the rebuild, but it
// tells electron-builder that node_modules is "handled externally", which stops it from collecting
// only the production dependencies; beforePack with npmRebuild: false keeps that collection.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** The only modules rebuilt for Electron; test/packaging checks this against the config. */
export const ELECTRON_REBUILT_MODULES = ['better-sqlite3'];

// electron-builder's Arch enum (builder-util), by value.
const ARCH_NAMES = ['ia32', 'x64', 'armv7l', 'arm64', 'universal'];

export class PackagingError extends Error {
  constructor(message, hint) {
    super(`${message}\n  What to do: ${hint}`);
    this.name = 'PackagingError';
  }
}

function pinnedElectronVersion() {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  return pkg.devDependencies.electron;
}

/**
 * sharp loads its binary from @img/sharp-<platform>-<arch>, and npm installs only this machine's.
 * Packaging another architecture without it would ship an app that cannot decode a single image.
 */
export function checkSharpBinary(platform, arch, nodeModules = path.join(root, 'node_modules')) {
  const pkg = `@img/sharp-${platform}-${arch}`;
  if (!existsSync(path.join(nodeModules, pkg, 'package.json'))) {
    throw new PackagingError(
      `Cannot package for ${platform}-${arch}: sharp's binary ${pkg} is not installed (npm installs only this machine's).`,
      `build ${platform}-${arch} on a ${platform}-${arch} machine (\`npm ci && npm run dist -- --${arch}\` there)` +
        (platform === process.platform ? `; here, build only this machine's architecture (\`npm run dist -- --${process.arch}\`).` : '.'),
    );
  }
}

/** The Node ABI number of an Electron version (39 → 140), from the node-abi that @electron/rebuild uses. */
export async function electronAbi(electronVersion) {
  const require = createRequire(import.meta.resolve('@electron/rebuild'));
  const nodeAbi = await import(pathToFileURL(require.resolve('node-abi')).href);
  return (nodeAbi.getAbi ?? nodeAbi.default.getAbi)(electronVersion, 'electron');
}

/**
 * A V8-API addon exports node_register_module_v<ABI>; the ABI in the file name of the symbol is the
 * one it was compiled for. Checks the built better-sqlite3 really is Electron's, not this Node's.
 */
export function builtAbi(file) {
  const match = /node_register_module_v(\d+)/.exec(readFileSync(file).toString('latin1'));
  return match ? match[1] : null;
}

export const BETTER_SQLITE3_BINARY = path.join(root, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');

export async function rebuildForElectron({ electronVersion, platform, arch }) {
  // @electron/rebuild comes with electron-builder (app-builder-lib uses it for the same job).
  const { rebuild } = await import('@electron/rebuild');
  // Debian's npm sets nodedir=/usr, and node-gyp then compiles against this machine's Node headers
  // instead of Electron's, silently: the app would fail with NODE_MODULE_VERSION at launch.
  for (const name of Object.keys(process.env)) {
    if (name.toLowerCase() === 'npm_config_nodedir') {
      console.log(`rebuild-native: ignoring ${name}=${process.env[name]} (it would build against Node's headers, not Electron's)`);
      delete process.env[name];
    }
  }
  console.log(`rebuild-native: ${ELECTRON_REBUILT_MODULES.join(', ')} for Electron ${electronVersion} (${platform}-${arch})`);
  await rebuild({
    buildPath: root,
    electronVersion,
    platform,
    arch,
    onlyModules: ELECTRON_REBUILT_MODULES,
    force: true,
    mode: 'sequential',
  });
  const expected = String(await electronAbi(electronVersion));
  const actual = builtAbi(BETTER_SQLITE3_BINARY);
  if (actual !== expected) {
    throw new PackagingError(
      `better-sqlite3 was built for ABI ${actual ?? 'unknown'}, but Electron ${electronVersion} needs ${expected}.`,
      'check that nothing points node-gyp at other headers (npm config get nodedir), then run `npm run rebuild:electron` and look at its output.',
    );
  }
}

/** electron-builder's beforePack hook. */
export default async function beforePack(context) {
  const platform = context.electronPlatformName;
  const arch = ARCH_NAMES[context.arch] ?? String(context.arch);
  checkSharpBinary(platform, arch);
  const tfjsNode = path.join(root, 'node_modules', '@tensorflow', 'tfjs-node');
  if (existsSync(tfjsNode) && (platform !== process.platform || arch !== process.arch)) {
    console.warn(
      `rebuild-native: @tensorflow/tfjs-node was installed for ${process.platform}-${process.arch}; ` +
        `the ${platform}-${arch} app will fall back to the WebAssembly engine. Build on a ${platform}-${arch} machine for the native engine.`,
    );
  }
  await rebuildForElectron({ electronVersion: context.packager.config.electronVersion ?? pinnedElectronVersion(), platform, arch });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await rebuildForElectron({ electronVersion: pinnedElectronVersion(), platform: process.platform, arch: process.arch });
  console.log('rebuild-native: done. `npm rebuild better-sqlite3` switches it back to plain Node (tests, CLI).');
}
