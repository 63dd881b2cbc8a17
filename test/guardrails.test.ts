// The layer rules and the cycle check (biome.json) shown failing on deliberate violations. The
// linter runs with the project's own biome.json on a throw-away project laid out like src/, so
// the rules are tested exactly as they are configured, and the real tree never holds a violation.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';

const biome = resolve('node_modules', '.bin', 'biome');

/** Each file of the throw-away project, and whether the layer rules should refuse it. */
const fixtures: { path: string; source: string; refused: boolean }[] = [
  // Refused: a lower layer reaching up, or the browser script reaching into the server.
  {
    path: 'src/discussion/reaches-web.ts',
    source: "import { createApp } from '../web/app.ts';\nexport const x = createApp;\n",
    refused: true,
  },
  {
    path: 'src/discussion/types-from-web.ts',
    source: "import type { AppContext } from '../web/context.ts';\nexport type X = AppContext;\n",
    refused: true,
  },
  {
    path: 'src/content/reaches-commands.ts',
    source: "import { extraCommands } from '../commands/index.ts';\nexport const x = extraCommands;\n",
    refused: true,
  },
  { path: 'src/content/reaches-cli.ts', source: "import '../cli.ts';\nexport const x = 1;\n", refused: true },
  { path: 'src/store/reaches-web.ts', source: "import { apiError } from '../web/errors.ts';\nexport const x = apiError;\n", refused: true },
  { path: 'src/store/reaches-commands.ts', source: "export const x = await import('../commands/backup.ts');\n", refused: true },
  {
    path: 'src/client/reaches-server.ts',
    source: "import { nameKey } from '../discussion/names.ts';\nexport const x = nameKey;\n",
    refused: true,
  },
  {
    path: 'src/client/reaches-node.ts',
    source: "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n",
    refused: true,
  },
  {
    path: 'src/discussion/reaches-store.ts',
    source: "import type { SqlStore } from '../store/sql-store.ts';\nexport type X = SqlStore;\n",
    refused: true,
  },
  {
    path: 'src/web/pages/reaches-store.tsx',
    source: "import type { Store } from '../../store/store.ts';\nexport type X = Store;\n",
    refused: true,
  },
  {
    path: 'src/web/routes/reaches-store.ts',
    source: "import { openStore } from '../../store/open.ts';\nexport const x = openStore;\n",
    refused: true,
  },
  {
    path: 'src/web/reaches-commands.ts',
    source: "import { extraCommands } from '../commands/index.ts';\nexport const x = extraCommands;\n",
    refused: true,
  },
  // Allowed: dependencies that point down, and modules beside each other.
  {
    path: 'src/web/uses-domain.ts',
    source: "import { Discussion } from '../discussion/service.ts';\nexport const x = Discussion;\n",
    refused: false,
  },
  {
    path: 'src/discussion/uses-sibling.ts',
    source: "import { createHash } from 'node:crypto';\nimport { nameKey } from './names.ts';\nexport const x = [createHash, nameKey];\n",
    refused: false,
  },
  {
    path: 'src/client/uses-sibling.ts',
    source: "import { copyButtons } from './copy.ts';\nexport const x = copyButtons;\n",
    refused: false,
  },
  {
    path: 'src/web/uses-store-to-compose.ts',
    source: "import type { Store } from '../store/store.ts';\nexport type X = Store;\n",
    refused: false,
  },
  {
    path: 'src/commands/uses-store.ts',
    source: "import { openStore } from '../store/open.ts';\nexport const x = openStore;\n",
    refused: false,
  },
  // A cycle of two modules.
  { path: 'src/web/cycle-a.ts', source: "import { b } from './cycle-b.ts';\nexport const a = () => b;\n", refused: false },
  { path: 'src/web/cycle-b.ts', source: "import { a } from './cycle-a.ts';\nexport const b = () => a;\n", refused: false },
];

interface Diagnostic {
  category: string;
  severity: string;
  location: { path: string };
}

let project = '';
let diagnostics: Diagnostic[] = [];

before(() => {
  project = mkdtempSync(join(tmpdir(), 'byline-layers-'));
  copyFileSync('biome.json', join(project, 'biome.json'));
  for (const fixture of fixtures) {
    mkdirSync(dirname(join(project, fixture.path)), { recursive: true });
    writeFileSync(join(project, fixture.path), fixture.source);
  }
  const run = spawnSync(biome, ['lint', '--reporter=json', '--max-diagnostics=none', '.'], { cwd: project, encoding: 'utf8' });
  assert.notEqual(run.status, 0, 'the linter fails on the violations');
  diagnostics = (JSON.parse(run.stdout) as { diagnostics: Diagnostic[] }).diagnostics;
});

after(() => rmSync(project, { recursive: true, force: true }));

const found = (path: string, category: string) => diagnostics.filter((d) => d.location.path === path && d.category === category);

describe('layer rules (noRestrictedImports in biome.json)', () => {
  for (const fixture of fixtures.filter((f) => !f.path.includes('cycle'))) {
    test(`${fixture.path} is ${fixture.refused ? 'refused' : 'allowed'}`, () => {
      const errors = found(fixture.path, 'lint/style/noRestrictedImports');
      if (fixture.refused)
        assert.ok(errors.length > 0 && errors.every((d) => d.severity === 'error'), `no layer error for ${fixture.path}`);
      else assert.deepEqual(errors, [], `${fixture.path} is allowed`);
    });
  }
});

describe('import cycles (noImportCycles in biome.json)', () => {
  test('both modules of a cycle are reported as errors', () => {
    for (const path of ['src/web/cycle-a.ts', 'src/web/cycle-b.ts']) {
      assert.deepEqual(
        found(path, 'lint/suspicious/noImportCycles').map((d) => d.severity),
        ['error'],
        path,
      );
    }
    assert.deepEqual(found('src/web/uses-domain.ts', 'lint/suspicious/noImportCycles'), []);
  });
});
