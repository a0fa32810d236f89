// Writes sdk/src/router.generated.ts: the server's AppRouter spelled out as plain types (every
// procedure's input and output, the error shape), so the published .d.ts needs nothing from the
// server (drizzle, pino, ws, zod...) — only @trpc/server's own router types. Also writes two value
// modules: close-codes.generated.ts (the catalogue's WebSocket close codes) and
// sign-in-procedures.generated.ts (the mutations whose output carries a session token).
// Run: node --import tsx sdk/scripts/generate-router-types.ts [--check]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const sdkDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rootDir = path.resolve(sdkDir, '..');
const routerFile = path.join(rootDir, 'server/src/trpc/router.ts');
const outFile = path.join(sdkDir, 'src/router.generated.ts');
const closeCodesFile = path.join(sdkDir, 'src/close-codes.generated.ts');
const signInFile = path.join(sdkDir, 'src/sign-in-procedures.generated.ts');
const MAX_DEPTH = 12;

const program = ts.createProgram([routerFile], {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  strict: true,
  skipLibCheck: true,
  esModuleInterop: true,
  types: ['node'],
  noEmit: true,
});
const checker = program.getTypeChecker();
const source = program.getSourceFile(routerFile);
if (!source) throw new Error(`cannot read ${routerFile}`);
const moduleSymbol = checker.getSymbolAtLocation(source);
const routerSymbol = moduleSymbol && checker.getExportsOfModule(moduleSymbol).find((s) => s.name === 'appRouter');
if (!routerSymbol) throw new Error('appRouter not found in server/src/trpc/router.ts');
const routerType = checker.getTypeOfSymbol(routerSymbol);

function propertyType(type: ts.Type, name: string): ts.Type | undefined {
  const symbol = checker.getPropertyOfType(type, name);
  return symbol ? checker.getTypeOfSymbol(symbol) : undefined;
}

const indent = (level: number) => '  '.repeat(level);
const quoteKey = (name: string) => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name));

/** Prints a type structurally: no names from the server survive, only JSON-like shapes. */
function print(type: ts.Type, level: number, depth = 0): string {
  if (depth > MAX_DEPTH) return 'unknown';
  const flags = type.flags;
  if (flags & ts.TypeFlags.Any) return 'any';
  if (flags & ts.TypeFlags.Unknown) return 'unknown';
  if (flags & ts.TypeFlags.Never) return 'never';
  if (flags & ts.TypeFlags.Void) return 'void';
  if (flags & ts.TypeFlags.Undefined) return 'undefined';
  if (flags & ts.TypeFlags.Null) return 'null';
  if (flags & ts.TypeFlags.String) return 'string';
  if (flags & ts.TypeFlags.Number) return 'number';
  if (flags & ts.TypeFlags.BigInt) return 'bigint';
  if (flags & ts.TypeFlags.Boolean) return 'boolean';
  if (flags & ts.TypeFlags.ESSymbol || flags & ts.TypeFlags.UniqueESSymbol) return 'symbol';
  if (type.isStringLiteral()) return JSON.stringify(type.value);
  if (type.isNumberLiteral()) return String(type.value);
  if (flags & ts.TypeFlags.BooleanLiteral) return checker.typeToString(type);
  if (type.isUnion()) {
    const parts = [...new Set(type.types.map((t) => print(t, level, depth + 1)))];
    // TypeScript splits boolean into true | false; join them back for readability.
    if (parts.includes('true') && parts.includes('false')) parts.splice(parts.indexOf('true'), 1, 'boolean'), parts.splice(parts.indexOf('false'), 1);
    return parts.join(' | ');
  }
  if (type.isIntersection()) return type.types.map((t) => wrap(print(t, level, depth + 1))).join(' & ');
  if (checker.isTupleType(type)) {
    const elements = checker.getTypeArguments(type as ts.TypeReference);
    return `[${elements.map((t) => print(t, level, depth + 1)).join(', ')}]`;
  }
  if (checker.isArrayType(type)) {
    const [element] = checker.getTypeArguments(type as ts.TypeReference);
    return `Array<${element ? print(element, level, depth + 1) : 'unknown'}>`;
  }
  const symbolName = type.getSymbol()?.getName();
  if (symbolName === 'Date') return 'Date';
  if (symbolName === 'Uint8Array' || symbolName === 'Buffer' || symbolName === 'ArrayBuffer') return 'Uint8Array';
  if (symbolName === 'Blob' || symbolName === 'File' || symbolName === 'ReadableStream' || symbolName === 'FormData') return symbolName;
  if (flags & ts.TypeFlags.Object) return printObject(type, level, depth);
  return 'unknown';
}

function wrap(text: string): string {
  return text.includes(' | ') ? `(${text})` : text;
}

function printObject(type: ts.Type, level: number, depth: number): string {
  if (type.getCallSignatures().length) return '(...args: any[]) => unknown';
  const lines: string[] = [];
  const stringIndex = checker.getIndexInfoOfType(type, ts.IndexKind.String);
  if (stringIndex) lines.push(`${indent(level + 1)}[key: string]: ${print(stringIndex.type, level + 1, depth + 1)};`);
  for (const property of checker.getPropertiesOfType(type)) {
    if (property.getName().startsWith('__@')) continue;
    const optional = (property.flags & ts.SymbolFlags.Optional) !== 0;
    let propType = checker.getTypeOfSymbol(property);
    if (optional) propType = checker.getNonNullableType(propType) === propType ? propType : propType;
    const readonly = isReadonly(property) ? 'readonly ' : '';
    lines.push(`${indent(level + 1)}${readonly}${quoteKey(property.getName())}${optional ? '?' : ''}: ${print(propType, level + 1, depth + 1)};`);
  }
  if (!lines.length) return stringIndex ? '{}' : 'Record<string, never>';
  return `{\n${lines.join('\n')}\n${indent(level)}}`;
}

function isReadonly(symbol: ts.Symbol): boolean {
  const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
  if (!declaration) return false;
  return (ts.getCombinedModifierFlags(declaration) & ts.ModifierFlags.Readonly) !== 0;
}

/** The type a subscription yields: its async iterable's element, with tracked() envelopes kept as such. */
function printSubscriptionOutput(resolved: ts.Type, level: number): string {
  // A resolver may return a Promise of its async generator.
  const output = checker.getAwaitedType(resolved) ?? resolved;
  const iterator = checker.getPropertiesOfType(output).find((p) => p.getName().startsWith('__@asyncIterator'));
  if (!iterator) return `AsyncIterable<${print(output, level)}>`;
  const method = checker.getTypeOfSymbol(iterator);
  const iteratorType = method.getCallSignatures()[0]?.getReturnType();
  const nextType = iteratorType && propertyType(iteratorType, 'next')?.getCallSignatures()[0]?.getReturnType();
  const resultType = nextType && (checker.getAwaitedType(nextType) ?? nextType);
  // IteratorResult<T> = IteratorYieldResult<T> | IteratorReturnResult<R>: take the yield branch.
  const yieldBranch = resultType?.isUnion() ? resultType.types.find((t) => propertyType(t, 'done') && checker.typeToString(propertyType(t, 'done')!) !== 'true') : resultType;
  const yielded = yieldBranch && propertyType(yieldBranch, 'value');
  if (!yielded) return 'AsyncIterable<unknown>';
  return `AsyncIterable<${printYield(yielded, level)}>`;
}

function printYield(type: ts.Type, level: number): string {
  if (type.isUnion()) return type.types.map((t) => printYield(t, level)).join(' | ');
  if (checker.isTupleType(type)) {
    const [id, data, brand] = checker.getTypeArguments(type as ts.TypeReference);
    if (id && data && brand && brand.flags & ts.TypeFlags.UniqueESSymbol) return `TrackedEnvelope<${print(data, level)}>`;
  }
  return print(type, level);
}

type Entry = { name: string; text: string };

function printRecord(record: ts.Type, level: number): string {
  const entries: Entry[] = [];
  for (const property of checker.getPropertiesOfType(record)) {
    const value = checker.getTypeOfSymbol(property);
    const def = propertyType(value, '_def');
    const isRouter = def && checker.getPropertyOfType(def, 'router');
    if (def && !isRouter) {
      const kindType = propertyType(def, 'type');
      const kind = kindType?.isStringLiteral() ? kindType.value : 'query';
      const types = propertyType(def, '$types')!;
      const input = propertyType(types, 'input')!;
      const output = propertyType(types, 'output')!;
      const procedure = kind === 'mutation' ? 'TRPCMutationProcedure' : kind === 'subscription' ? 'TRPCSubscriptionProcedure' : 'TRPCQueryProcedure';
      const outputText = kind === 'subscription' ? printSubscriptionOutput(output, level + 2) : print(output, level + 2);
      entries.push({
        name: property.getName(),
        text: `${procedure}<{\n${indent(level + 2)}input: ${print(input, level + 2)};\n${indent(level + 2)}output: ${outputText};\n${indent(level + 2)}meta: object;\n${indent(level + 1)}}>`,
      });
    } else if (def) {
      entries.push({ name: property.getName(), text: printRecord(propertyType(def, 'record')!, level + 1) });
    } else {
      entries.push({ name: property.getName(), text: printRecord(value, level + 1) });
    }
  }
  entries.sort((a, b) => a.name.localeCompare(b.name));
  return `{\n${entries.map((e) => `${indent(level + 1)}${quoteKey(e.name)}: ${e.text};`).join('\n')}\n${indent(level)}}`;
}

/**
 * Mutations that start a session: their output (or one branch of it) carries `token`. The SDK keeps
 * that token; listing them here, from the types, means a new sign-in procedure can't be missed.
 */
function signInPaths(record: ts.Type, prefix: string): string[] {
  const paths: string[] = [];
  for (const property of checker.getPropertiesOfType(record)) {
    const value = checker.getTypeOfSymbol(property);
    const def = propertyType(value, '_def');
    const name = `${prefix}${property.getName()}`;
    if (def && !checker.getPropertyOfType(def, 'router')) {
      const kind = propertyType(def, 'type');
      if (!kind?.isStringLiteral() || kind.value !== 'mutation') continue;
      const output = propertyType(propertyType(def, '$types')!, 'output')!;
      const branches = output.isUnion() ? output.types : [output];
      if (branches.some((branch) => checker.getPropertyOfType(branch, 'token'))) paths.push(name);
    } else {
      paths.push(...signInPaths(def ? propertyType(def, 'record')! : value, `${name}.`));
    }
  }
  return paths.sort();
}

/** The catalogue's WebSocket close codes (server/src/errors.ts), as values the SDK can compare with. */
function printCloseCodes(): string {
  const errorsFile = program.getSourceFile(path.join(rootDir, 'server/src/errors.ts'));
  const errorsModule = errorsFile && checker.getSymbolAtLocation(errorsFile);
  const symbol = errorsModule && checker.getExportsOfModule(errorsModule).find((s) => s.name === 'closeCodes');
  if (!symbol) throw new Error('closeCodes not found in server/src/errors.ts');
  const lines = checker.getPropertiesOfType(checker.getTypeOfSymbol(symbol)).map((property) => {
    const value = checker.getTypeOfSymbol(property);
    if (!value.isNumberLiteral()) throw new Error(`closeCodes.${property.getName()} is not a number literal`);
    return `  ${property.getName()}: ${value.value},`;
  });
  return `{\n${lines.join('\n')}\n}`;
}

const routerDef = propertyType(routerType, '_def')!;
const configTypes = propertyType(propertyType(routerDef, '_config')!, '$types')!;
const errorShape = print(propertyType(configTypes, 'errorShape')!, 0);
const record = printRecord(propertyType(routerDef, 'record')!, 0);
const signIns = signInPaths(propertyType(routerDef, 'record')!, '');

const output = `// Generated by sdk/scripts/generate-router-types.ts from server/src/trpc/router.ts. Do not edit.
// The server's router as plain types: what the SDK's declaration files ship instead of the server.
import type {
  TRPCBuiltRouter,
  TRPCMutationProcedure,
  TRPCQueryProcedure,
  TRPCSubscriptionProcedure,
  TrackedEnvelope,
} from '@trpc/server';

/** The shape of every error the server sends (\`error.data\` on the client). */
export type ParleyErrorShape = ${errorShape};

type ParleyRootTypes = { ctx: object; meta: object; errorShape: ParleyErrorShape; transformer: false };

/** Every procedure of the Parley server, by the server's own names. */
export type ParleyRouterRecord = ${record};

/** The server's AppRouter, without the server. */
export type AppRouter = TRPCBuiltRouter<ParleyRootTypes, ParleyRouterRecord>;

`;

// Value modules of their own: the bundle (and its source map) must not carry the router's text.
const closeCodesOutput = `// Generated by sdk/scripts/generate-router-types.ts from the server's error catalogue. Do not edit.
/** WebSocket close codes the server uses, by meaning. */
export const closeCodes = ${printCloseCodes()} as const;
`;
const signInOutput = `// Generated by sdk/scripts/generate-router-types.ts from the router's output types. Do not edit.

/** Mutations whose output carries a session \`token\`: the SDK keeps it (session-procedures.ts). */
export const SIGN_IN_PROCEDURES = [
${signIns.map((p) => `  ${JSON.stringify(p)},`).join('\n')}
] as const;
`;

for (const [file, text] of [[outFile, output], [closeCodesFile, closeCodesOutput], [signInFile, signInOutput]] as const) {
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (current !== text) {
      console.error(`${path.relative(rootDir, file)} is out of date: run pnpm --filter @parley/sdk generate`);
      process.exit(1);
    }
  } else {
    fs.writeFileSync(file, text);
    console.log(`wrote ${path.relative(rootDir, file)}`);
  }
}
