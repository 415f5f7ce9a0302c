/**
 * The worker loads the workflow modules once per V8 context and shares them, deep-frozen, between
 * every workflow it runs (worker/workflow-bundle.ts `preloadModules`). That is only correct while no
 * such module keeps state of its own at module level or reads the clock or randomness when it loads:
 * a module-level `let`, a Map or Set (not frozen), or a `Date.now()` evaluated at load would leak
 * from one workflow to the next or differ between the first run and its replay.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const ENTRY = path.join(ROOT, 'workflows/index.ts');
const STATEFUL = new Set(['Map', 'Set', 'WeakMap', 'WeakSet', 'Date']);

function parse(file: string) {
  return ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
}

/** Our modules the bundle evaluates: relative imports and re-exports that are not type-only, from the entry. */
function bundledModules(): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const statement of parse(file).statements) {
      const spec =
        (ts.isImportDeclaration(statement) && !statement.importClause?.isTypeOnly) || (ts.isExportDeclaration(statement) && !statement.isTypeOnly)
          ? statement.moduleSpecifier
          : undefined;
      if (spec && ts.isStringLiteral(spec) && spec.text.startsWith('.')) visit(path.resolve(path.dirname(file), `${spec.text}.ts`));
    }
  };
  visit(ENTRY);
  return [...seen];
}

/** What a module does at load time that would not be safe to share: one line per finding. */
function loadTimeState(file: string): string[] {
  const source = parse(file);
  const findings: string[] = [];
  const where = (node: ts.Node) => `${path.relative(ROOT, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  // Code inside functions runs per call, inside the workflow: only what runs at load matters.
  const atLoad = (node: ts.Node) => {
    if (ts.isFunctionLike(node) || ts.isClassLike(node)) return;
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && STATEFUL.has(node.expression.text)) {
      findings.push(`${where(node)} new ${node.expression.text}`);
    }
    if (ts.isCallExpression(node) && /^(Date\.now|Math\.random)$/.test(node.expression.getText(source))) {
      findings.push(`${where(node)} ${node.expression.getText(source)}()`);
    }
    ts.forEachChild(node, atLoad);
  };
  for (const statement of source.statements) {
    if (ts.isVariableStatement(statement) && !(statement.declarationList.flags & ts.NodeFlags.Const)) {
      findings.push(`${where(statement)} module-level let/var`);
    }
    atLoad(statement);
  }
  return findings;
}

describe('workflow modules shared by every workflow of a worker', () => {
  it('reach every workflow and the domain rules they use', () => {
    const modules = bundledModules().map((file) => path.relative(ROOT, file));
    expect(modules).toEqual(expect.arrayContaining(['workflows/password-link.ts', 'workflows/validity.ts', 'domain/dates.ts']));
  });

  it('keep no state and read no clock at load', () => {
    expect(bundledModules().flatMap(loadTimeState)).toEqual([]);
  });

  it('the check itself sees a module-level let, a Map and a clock read', () => {
    const file = path.join(ROOT, 'test/fixtures/stateful-workflow-module.ts');
    expect(loadTimeState(file)).toEqual([
      'test/fixtures/stateful-workflow-module.ts:3 module-level let/var',
      'test/fixtures/stateful-workflow-module.ts:4 new Map',
      'test/fixtures/stateful-workflow-module.ts:5 Date.now()',
    ]);
  });
});
