// `npm run bench:scale -- --count 100000 [--size W|WxH] [--embeddings] [--audit]`: Facet at collection
// scale on one machine. Runs the import benchmark (generated JPEGs; import vs a bare sharp decode + resize loop of
// the same files, peak RSS, unchanged rescan) keeping its workspace, then reports the database size,
// the labeller grid at that many images in Chromium (first paint, scroll fps), and with --embeddings /
// --audit the pretrained embeddings, the map and the audit of the same workspace through the CLI.
// Targets (issue 22): import ≥ 0.9× the bare loop, < 1 GB peak RSS; grid first paint < 1 s and
// ≥ 50 fps scrolling; an unchanged rescan < 5% of the import.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const tsx = path.join(repo, 'node_modules', '.bin', 'tsx');
const facet = path.join(repo, 'bin', 'facet.js');

interface Args {
  count: number;
  /** Passed to bench/import.ts, which checks it (W or WxH pixels; 256 by default). */
  size: string;
  embeddings: boolean;
  audit: boolean;
  keep: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { count: 100_000, size: '256', embeddings: false, audit: false, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--count') {
      args.count = Number(argv[++i]);
      if (!Number.isInteger(args.count) || args.count < 10) throw new Error(`--count must be a whole number ≥ 10, got "${argv[i]}"`);
    } else if (a === '--size') args.size = argv[++i] ?? '';
    else if (a === '--embeddings') args.embeddings = true;
    else if (a === '--audit') args.audit = true;
    else if (a === '--keep') args.keep = true;
    else throw new Error(`unknown argument "${a}" (use --count N, --size W|WxH, --embeddings, --audit, --keep)`);
  }
  return args;
}

/** Runs a command, passing its stderr through; resolves with stdout, stderr and wall seconds. */
function run(cmd: string, argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ stdout: string; stderr: string; seconds: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, argv, { cwd: repo, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      process.stderr.write(c);
    });
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code === 0) resolve({ stdout, stderr, seconds });
      else reject(new Error(`${path.basename(cmd)} ${argv.join(' ')} exited ${code}\n${stdout}`));
    });
  });
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const lines: string[] = [`scale benchmark: ${args.count.toLocaleString('en')} images of ${args.size} px`];
  // Each figure is also shown as it comes (the whole run takes an hour or more at 100,000 images).
  const say = (...figures: string[]) => {
    lines.push(...figures);
    for (const f of figures) process.stderr.write(`${f}\n`);
  };

  process.stderr.write(`\n== import (${args.count} images of ${args.size} px) ==\n`);
  const imported = await run(tsx, ['bench/import.ts', '--count', String(args.count), '--size', args.size, '--keep']);
  say(...imported.stdout.trim().split('\n').map((l) => `  ${l}`));
  const kept = /kept (\S+)/.exec(imported.stderr)?.[1];
  if (!kept) throw new Error('bench/import.ts did not keep its workspace');
  const ws = path.join(kept, 'workspace');
  try {
    const dbBytes = ['facet.db', 'facet.db-wal'].map((f) => path.join(ws, f)).filter((f) => fs.existsSync(f)).reduce((n, f) => n + fs.statSync(f).size, 0);
    say(`  database:          ${mb(dbBytes)} (${((dbBytes / args.count) / 1024).toFixed(2)} KB per image)`);

    process.stderr.write(`\n== labeller grid in Chromium (${args.count} rows) ==\n`);
    const ui = await run(tsx, ['bench/ui.ts'], { BENCH_UI_COUNT: String(args.count) });
    const grid = JSON.parse(ui.stdout.trim().split('\n').filter((l) => l.startsWith('{')).at(-1) ?? '{}') as { firstGridPaintMs?: number; scrollFps?: number; scrollFrameP95Ms?: number; allRowsLoadedMs?: number };
    say(`  grid first paint:  ${grid.firstGridPaintMs} ms (target < 1000); all rows listed after ${grid.allRowsLoadedMs} ms`);
    say(`  grid scrolling:    ${grid.scrollFps} fps, p95 frame ${grid.scrollFrameP95Ms} ms (target ≥ 50)`);

    const cli = (argv: string[]) => run(process.execPath, [facet, '--workspace', ws, '--json', ...argv]);
    if (args.embeddings) {
      process.stderr.write('\n== embeddings and map ==\n');
      const e = await cli(['embed', '1']);
      say(`  embeddings:        ${e.seconds.toFixed(0)} s (${(args.count / e.seconds).toFixed(0)} images/s) ${e.stdout.replace(/\s+/g, ' ').slice(0, 160)}`);
      const m = await cli(['map', '1']);
      say(`  map:               ${m.seconds.toFixed(0)} s`);
    } else say('  embeddings, map:   not run (add --embeddings)');
    if (args.audit) {
      process.stderr.write('\n== audit ==\n');
      const a = await cli(['audit', '1']);
      say(`  audit:             ${a.seconds.toFixed(0)} s`);
    } else say('  audit:             not run (add --audit)');
  } finally {
    if (args.keep) process.stderr.write(`kept ${kept}\n`);
    else fs.rmSync(kept, { recursive: true, force: true });
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
