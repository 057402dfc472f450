// Lint: typescript-eslint's recommended rules, Vue's for the renderer's .vue files, a few security
// rules (no eval, no string-compiled functions, no v-html of anything), and the import boundaries of
// DESIGN.md: each floor of src/main/core imports only the floors below it. The import-cycle check
// is dependency-cruiser's (.dependency-cruiser.cjs), run by `npm run lint` too.
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';

const NODE_MODULES = ['node:*', 'fs', 'path', 'os', 'child_process', 'better-sqlite3', 'sharp', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'electron'];

const CORE_BASE = [
  { group: ['electron'], message: 'The core never imports electron (DESIGN.md).' },
  { group: ['**/renderer/**'], message: 'The core never imports the renderer.' },
  { group: ['**/main/electron/**', '**/main/server/**', '**/main/cli/**', '**/main/cli.js'], message: 'The core never imports the faces over it (electron, server, cli).' },
];

/** The folders of src/main/core, by floor (DESIGN.md): a floor imports only the floors below it. */
const FLOORS = [
  ['platform'],
  ['datasets'],
  ['faces', 'embeddings'],
  ['training', 'suggestions'],
  ['quality', 'export'],
  ['queries'],
];
const TOP = ['index.js', 'job-process.js'];

/** Import patterns a folder of the core may not use: every folder on its own floor or above, the top files. */
function forbiddenFor(folder) {
  const floor = FLOORS.findIndex((f) => f.includes(folder));
  const above = FLOORS.slice(floor).flat().filter((f) => f !== folder);
  return [
    ...CORE_BASE,
    ...above.map((f) => ({ group: [`**/core/${f}/**`, `../${f}/**`, `../../${f}/**`, `../../../${f}/**`], message: `src/main/core/${folder} is below ${f} (DESIGN.md floors: platform → datasets → faces, embeddings → training, suggestions → quality, export → queries): move what both need down a floor.` })),
    { group: TOP.flatMap((t) => [`../${t}`, `../../${t}`, `../../../${t}`]), message: 'Only the faces import the core\'s handler table and job entry point.' },
  ];
}

export default tseslint.config(
  { ignores: ['bench/_*.ts', 'dist/**', 'node_modules/**', 'release/**', 'test-output/**', 'bench-output/**', 'build/**'] },
  ...tseslint.configs.recommended,
  // Vue's correctness rules; its formatting rules (strongly-recommended) are left out: the templates keep their own layout.
  ...pluginVue.configs['flat/essential'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Security (issue 23): no code from strings, no raw HTML into the page.
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      'vue/no-v-html': 'error',
    },
  },
  {
    // The core is plain Node: never Electron, never the UI, never the faces over it.
    files: ['src/main/core/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: CORE_BASE }] },
  },
  ...FLOORS.flat().map((folder) => ({
    files: [`src/main/core/${folder}/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns: forbiddenFor(folder) }] },
  })),
  {
    // Shared code runs everywhere: no Node, DOM-only or Electron modules.
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: NODE_MODULES, message: 'src/shared is runtime-neutral (DESIGN.md).' }, { group: ['**/main/**', '**/renderer/**'], message: 'src/shared imports nothing from main or renderer.' }] }],
    },
  },
  {
    // The renderer talks to the core only through the contract.
    files: ['src/renderer/**/*.ts', 'src/renderer/**/*.vue'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: NODE_MODULES, message: 'The renderer never imports Node modules (DESIGN.md).' }, { group: ['**/main/**'], message: 'The renderer reaches the core only through src/shared/contract.ts.' }] }],
    },
  },
  {
    // electron may be imported only by the Electron face; the faces share the core, not each other
    // (the CLI may start the server: `facet serve`).
    files: ['src/main/server/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['electron'], message: 'Only src/main/electron imports electron.' }, { group: ['**/electron/**', '**/cli/**', '../cli.js'], message: 'The server imports the core, not the other faces.' }] }] },
  },
  {
    files: ['src/main/cli/**/*.ts', 'src/main/cli.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['electron'], message: 'Only src/main/electron imports electron.' }, { group: ['**/electron/**'], message: 'The CLI imports the core (and the server for `facet serve`), not the Electron face.' }] }] },
  },
  {
    files: ['src/main/electron/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/server/**', '**/cli/**'], message: 'Electron imports the core (platform/media for its protocols), not the other faces.' }] }] },
  },
);
