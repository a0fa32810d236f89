// The server's shape, checked on every unit run: the import rules of .dependency-cruiser.cjs (a
// feature-blind transport, a deps.ts that imports no feature) and no module-level mutable state in
// server/src (each server instance keeps its state in what app.ts builds for it, so tests can run
// several servers in one process and nothing leaks between them).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type IViolation } from 'dependency-cruiser';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const sourceDir = path.join(root, 'server/src');
const rules = createRequire(import.meta.url)(path.join(root, '.dependency-cruiser.cjs'));

function describeViolation(v: IViolation): string {
  return `${v.rule.name}: ${v.from} → ${v.to}`;
}

async function importViolations(files: string[]): Promise<string[]> {
  const cwd = process.cwd();
  process.chdir(root); // dependency-cruiser resolves paths and the tsconfig from the working directory
  try {
    const result = await cruise(files, { ...rules.options, validate: true, ruleSet: { forbidden: rules.forbidden } });
    const output = result.output as Exclude<typeof result.output, string>;
    return output.summary.violations.map(describeViolation);
  } finally {
    process.chdir(cwd);
  }
}

/**
 * Module-level values that are mutated but are not a server's hidden state, each with why ("file:name"):
 * memos of pure projections keyed on immutable objects (they never answer differently, only faster),
 * constant data read once, and state that belongs to the process or thread rather than to a server.
 */
const ALLOWED_MODULE_STATE = new Map([
  ['auth/password-rules.ts:commonPasswords', 'constant data: the common-password list, read from disk on first use'],
  ['observability/request-log.ts:idCounter', 'the process-wide sequence that makes request ids unique'],
  ['observability/log-destination.ts:open', 'log destinations of the process, flushed when it exits'],
  ['recordings/live/encoder-worker.ts:sessions', 'the state of an encoder thread (this module is the thread)'],
  ['rooms/subscriber.ts:held', 'sockets corked during the current turn of the process’s event loop (empty between turns)'],
  ['rooms/subscriber.ts:onReleased', 'the current event-loop turn’s release (null between turns)'],
  ['auth/user.ts:publicUsers', 'frozen user rows projected once (toPublicUser)'],
  ['auth/public-session.ts:publicSessions', 'frozen session rows projected once (toPublicSession)'],
  ['transport/call-procedure.ts:chains', 'middleware chain of each procedure definition, built once'],
  ['db/pglite-query.ts:overlays', 'type parsers of each PGlite instance, built once'],
]);

const MUTATING_METHODS = new Set(['set', 'add', 'delete', 'clear', 'push', 'pop', 'shift', 'unshift', 'splice', 'sort', 'reverse', 'fill', 'copyWithin']);
const COLLECTIONS = new Set(['Map', 'Set', 'WeakMap', 'WeakSet']);

/** Top-level `let`/`var`, and top-level const collections or arrays the module mutates. */
export function findModuleState(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const candidates = new Set<string>();
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    const list = statement.declarationList;
    const isConst = (list.flags & ts.NodeFlags.Const) !== 0;
    for (const declaration of list.declarations) {
      if (!ts.isIdentifier(declaration.name)) continue;
      const name = declaration.name.text;
      if (!isConst) {
        found.push(`${name} (top-level ${list.flags & ts.NodeFlags.Let ? 'let' : 'var'})`);
        continue;
      }
      const init = declaration.initializer;
      const isCollection = init && ts.isNewExpression(init) && ts.isIdentifier(init.expression) && COLLECTIONS.has(init.expression.text);
      if (isCollection || (init && ts.isArrayLiteralExpression(init))) candidates.add(name);
    }
  }
  const mutated = new Set<string>();
  const visit = (node: ts.Node): void => {
    // name.set(...), name.push(...) ...
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && ts.isIdentifier(node.expression.expression)) {
      const target = node.expression.expression.text;
      if (candidates.has(target) && MUTATING_METHODS.has(node.expression.name.text)) mutated.add(target);
    }
    // name[i] = ..., name.length = ...
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const left = node.left;
      const target = ts.isElementAccessExpression(left) || ts.isPropertyAccessExpression(left) ? left.expression : null;
      if (target && ts.isIdentifier(target) && candidates.has(target.text)) mutated.add(target.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  for (const name of mutated) found.push(`${name} (top-level collection that the module changes)`);
  return found;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

describe('the server’s architecture', () => {
  it('keeps the transport feature-blind and deps.ts free of feature imports', async () => {
    expect(await importViolations(['server/src'])).toEqual([]);
  }, 60_000);

  it('fails when the transport or deps.ts imports a feature (the rules do bite)', async () => {
    const probeDir = path.join(sourceDir, 'transport');
    const probe = path.join(probeDir, '__probe-feature-import.ts');
    fs.writeFileSync(probe, "import type { appRouter } from '../trpc/router';\nimport { createGuest } from '../auth/guest';\nexport type Probe = [typeof appRouter, typeof createGuest];\n");
    try {
      const violations = await importViolations([path.relative(root, probe)]);
      expect(violations).toEqual(
        expect.arrayContaining([
          'transport-is-feature-blind: server/src/transport/__probe-feature-import.ts → server/src/trpc/router.ts',
          'transport-is-feature-blind: server/src/transport/__probe-feature-import.ts → server/src/auth/guest.ts',
        ]),
      );
    } finally {
      fs.rmSync(probe, { force: true });
    }
  }, 60_000);

  it('holds no module-level mutable state in server/src', () => {
    const found: string[] = [];
    for (const file of sourceFiles(sourceDir)) {
      const relative = path.relative(sourceDir, file);
      for (const entry of findModuleState(file, fs.readFileSync(file, 'utf8'))) {
        if (!ALLOWED_MODULE_STATE.has(`${relative}:${entry.split(' ')[0]}`)) found.push(`${relative}: ${entry}`);
      }
    }
    expect(found).toEqual([]);
  });

  it('recognises module-level state: a top-level let, a Map that is filled, an array that is pushed to', () => {
    const text = `let count = 0;\nconst cache = new Map();\nconst TABLE = new Map([[1, 2]]);\nconst list = [];\nexport function f() { cache.set(1, 2); list.push(1); return TABLE.get(1); }\n`;
    expect(findModuleState('probe.ts', text)).toEqual(['count (top-level let)', 'cache (top-level collection that the module changes)', 'list (top-level collection that the module changes)']);
  });
});
