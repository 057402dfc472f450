// Lint: typescript-eslint's recommended rules plus the import boundaries of DESIGN.md.
import tseslint from 'typescript-eslint';

const NODE_MODULES = ['node:*', 'fs', 'path', 'os', 'child_process', 'better-sqlite3', 'sharp', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'electron'];

export default tseslint.config(
  { ignores: ['bench/_*.ts', 'dist/**', 'node_modules/**', 'release/**', 'test-output/**', 'bench-output/**', '**/*.vue'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // The core is plain Node: never Electron, never the UI.
    files: ['src/main/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['electron'], message: 'The core never imports electron (DESIGN.md).' }, { group: ['**/renderer/**'], message: 'The core never imports the renderer.' }] }],
    },
  },
  {
    // Shared code runs everywhere: no Node, DOM-only or Electron modules.
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: NODE_MODULES, message: 'src/shared is runtime-neutral (DESIGN.md).' }, { group: ['**/main/**', '**/renderer/**'], message: 'src/shared imports nothing from main or renderer.' }] }],
    },
  },
  {
    // The renderer talks to the core only through the contract.
    files: ['src/renderer/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: NODE_MODULES, message: 'The renderer never imports Node modules (DESIGN.md).' }, { group: ['**/main/**'], message: 'The renderer reaches the core only through src/shared/contract.ts.' }] }],
    },
  },
  {
    // electron may be imported only by the Electron face.
    files: ['src/main/server/**/*.ts', 'src/main/cli/**/*.ts', 'src/main/cli.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['electron'], message: 'Only src/main/electron imports electron.' }] }],
    },
  },
);
