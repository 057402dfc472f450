// npm run bench — every benchmark in turn, printing its figures. Targets live here, not in unit tests.
// Run one alone with npm run bench:<name>; pass --only name,name to pick some.
import { spawnSync } from 'node:child_process';

const all = [
  ['import', ['--count', '2000']],
  ['engine', ['--quick']],
  ['train', []],
  ['ui', []],
  ['audit', []],
  ['faces', []],
  ['labelling', []],
  // The map above its fit cap (UMAP on 20,000, the rest placed); ~1.5 min here.
  ['map', ['--count', '100000']],
  ['embed', ['--transfer']],
  // 100,000 images take ~15 min here; the full figure: npm run bench:scale -- --count 100000
  ['scale', ['--count', '20000']],
];
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? new Set(process.argv[onlyAt + 1].split(',')) : null;
const failed = [];
for (const [name, args] of all) {
  if (only && !only.has(name)) continue;
  console.log(`\n=== bench:${name} ${args.join(' ')} ===`);
  const r = spawnSync('npm', ['run', '--silent', `bench:${name}`, '--', ...args], { stdio: 'inherit' });
  if (r.status !== 0) failed.push(name);
}
if (failed.length) {
  console.log(`\nbenchmarks that failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
