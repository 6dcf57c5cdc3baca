// Dependency rules for src/ (docs/dev/layers.md explains the layers). Run: npm run lint:deps
//
//   L0  api, testing
//   L1  machinery, store
//   L2  apiserver, controllers, scheduler, agent, proxy, dns, netpol, dashboard, ingress   (no imports between these)
//   L3  server, cluster-nodes
//   L4  cli
//   (test/ and bench/ sit above everything and may import anything from src/)
//
// A layer imports only its own and lower layers; no cycles anywhere, also inside a component.
// Tests (src/**/*.test.ts and other test support: *.test-suite.ts, files under a testing/ folder) follow
// the rules of their folder, and only they may import src/testing.
// Static, type-only and dynamic `import()` dependencies all count.

const LAYERS = [
  ['api', 'testing'],
  ['machinery', 'store'],
  ['apiserver', 'controllers', 'scheduler', 'agent', 'proxy', 'dns', 'netpol', 'dashboard', 'ingress'],
  ['server', 'cluster-nodes'],
  ['cli'],
];
const ABOVE_SRC = '^(test|bench)/';
const TEST_CODE = '(\\.test\\.ts|\\.test-suite\\.ts)$|/testing/';

const folders = (names) => `^src/(${names.join('|')})/`;

const upward = LAYERS.map((layer, i) => {
  const higher = LAYERS.slice(i + 1).flat();
  return {
    name: `no-upward-from-L${i}`,
    comment:
      `L${i} (${layer.join(', ')}) must not import a higher layer (${[...higher, 'test', 'bench'].join(', ')}); ` +
      'move the shared part down (docs/dev/layers.md)',
    severity: 'error',
    from: { path: folders(layer) },
    to: { path: higher.length > 0 ? [folders(higher), ABOVE_SRC] : ABOVE_SRC },
  };
});

const sideways = {
  name: 'no-sideways-between-components',
  comment:
    `the L2 components (${LAYERS[2].join(', ')}) must not import each other; ` +
    'share code through machinery/, store/ or api/, compose them in L3 (docs/dev/layers.md)',
  severity: 'error',
  from: { path: folders(LAYERS[2]) },
  to: { path: folders(LAYERS[2]), pathNot: '^src/$1/' },
};

const testingOnlyInTests = {
  name: 'testing-only-in-tests',
  comment: 'src/testing is test support: only tests (and other test support) may import it',
  severity: 'error',
  from: { path: '^src/', pathNot: [TEST_CODE, '^src/testing/'] },
  to: { path: '^src/testing/' },
};

const noCircular = {
  name: 'no-circular',
  comment: 'no import cycles, also not inside a component',
  severity: 'error',
  from: {},
  to: { circular: true },
};

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [...upward, sideways, testingOnlyInTests, noCircular],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/|^dist/' },
    // type-only imports are dependencies too
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.json'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
