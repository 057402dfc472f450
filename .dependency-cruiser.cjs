// The import-cycle check of `npm test` (npm run lint:cycles): any cycle among the source files fails,
// type-only imports included (a cycle through types is a design cycle all the same). The per-floor
// import rules are ESLint's (eslint.config.js), where the editor shows them.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Imports point down the floors (docs: DESIGN.md / docs/architecture.md); a cycle means two modules belong together or one needs a lower floor.',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.vue', '.mjs'] },
    moduleSystems: ['es6'],
  },
};
