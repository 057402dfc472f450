// Run first by `npm test`: the end-to-end tests drive a real Chromium. When none is found, install the
// distribution's package (Debian/Ubuntu: apt-get, as root or with password-less sudo) — never a
// browser downloaded from anywhere else. When that is not possible, say exactly what to run, and fail.
// Skipped with FACET_SKIP_CHROMIUM=1 (e.g. a machine that runs only the unit tests).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** The Chromium the e2e harness (test/e2e/harness.ts) will use, or null. */
function findChromium() {
  if (process.env.CHROMIUM_PATH) return existsSync(process.env.CHROMIUM_PATH) ? process.env.CHROMIUM_PATH : null;
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

function has(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** apt-get directly as root, through `sudo -n` when that needs no password, else null. */
function aptRunner() {
  if (process.platform !== 'linux' || !has('apt-get')) return null;
  if (process.getuid?.() === 0) return [];
  if (has('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0) return ['sudo', '-n'];
  return null;
}

function apt(prefix, args) {
  const [cmd, ...rest] = [...prefix, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args];
  execFileSync(cmd, rest, { stdio: ['ignore', 'ignore', 'inherit'] });
}

function fail(why) {
  const lines = [
    `ensure-chromium: ${why}`,
    'The end-to-end tests need Chromium from your system. Install it, then run `npm test` again:',
    '  Debian:        sudo apt-get install chromium',
    '  Ubuntu:        sudo apt-get install chromium-browser   (or any Chromium/Chrome build)',
    '  Fedora:        sudo dnf install chromium',
    '  other systems: install Chromium or Chrome and set CHROMIUM_PATH=/path/to/the/browser',
    'To run every test but the browser ones: npm run test:unit (or FACET_SKIP_CHROMIUM=1 npm test skips this check only).',
  ];
  console.error(lines.join('\n'));
  process.exit(1);
}

if (process.env.FACET_SKIP_CHROMIUM === '1') process.exit(0);
const found = findChromium();
if (found) {
  console.log(`ensure-chromium: using ${found}`);
  process.exit(0);
}
if (process.env.CHROMIUM_PATH) fail(`CHROMIUM_PATH is ${process.env.CHROMIUM_PATH}, and no file is there.`);
const prefix = aptRunner();
if (!prefix) fail('no Chromium found, and this machine cannot install it here (needs Linux with apt-get, as root or with password-less sudo).');
console.log('ensure-chromium: no Chromium found; installing the distribution\'s package (apt-get install chromium)…');
try {
  apt(prefix, ['update', '-qq']);
  apt(prefix, ['install', '-y', '-qq', 'chromium']);
} catch (error) {
  fail(`apt-get could not install chromium (${error.message.split('\n')[0]}).`);
}
const installed = findChromium();
if (!installed) fail('apt-get finished, but no Chromium is at /usr/bin/chromium.');
console.log(`ensure-chromium: installed ${installed}`);
