#!/usr/bin/env node
// `npm run build`: compiles src/ to plain ES-module JavaScript in dist/, one file for each source file (not a
// bundle), with a source map beside each, so that production runs `node dist/main.js` without tsx and its
// loader thread (README → "Production guide").
//
//   node scripts/build.mjs                 src/ → dist/
//   node scripts/build.mjs --out <root>    into <root>/dist/ (and <root>/bench/.build/): test/deploy/build.test.ts
//   node scripts/build.mjs --bench         also the benchmark's bot and bare Bolt children → bench/.build/
//
// Each file is transpiled from its own syntax by TypeScript (tsconfig.json's options, no imports resolved and
// no type checker: isolatedModules and verbatimModuleSyntax make that exactly what a checked emit produces).
// Types are not checked here: that is `npm run typecheck`. Relative imports are rewritten to the compiled file
// they name (`./app.ts` → `./app.js`; from bench/.build, `../src/app.ts` →
// `../../dist/app.js`). dist/ keeps src/'s layout at the same depth below the repository, so what the code
// finds relative to its own file (`../../migrations/sqlite`, `../../package.json`, the example config)
// resolves from dist/ exactly as from src/.
//
// Plain JavaScript so that Node runs it as it is, with nothing but `typescript` (a devDependency).

import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The benchmark's children that run the measured code: compiled, so B1, B2 and B6 measure what ships. */
const BENCH_ENTRIES = ['bench/serve-foothold.ts', 'bench/bare-bolt.ts'];

/** tsconfig.json's compiler options, made to emit ES modules with source maps. */
function compilerOptions() {
  const { config, error } = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const { options, errors } = ts.convertCompilerOptionsFromJson(config.compilerOptions, ROOT);
  if (errors.length > 0) throw new Error(ts.flattenDiagnosticMessageText(errors[0].messageText, '\n'));
  return {
    ...options,
    // transpileModule cannot see package.json's "type": "module" that NodeNext reads; ESNext emits the same
    // ES module syntax (import attributes included).
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    noEmit: false,
    sourceMap: true,
    declaration: false,
    // A computed `import(path)` ending in .ts gets the same rewrite at run time.
    rewriteRelativeImportExtensions: true,
  };
}

function tsFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...tsFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const isRelative = (spec) => spec.startsWith('./') || spec.startsWith('../');
const posix = (path) => path.split(sep).join('/');

/**
 * Compiles `files` (absolute paths, all under `rootDir`) into `outDir`. Relative imports of a file being
 * compiled (or of src/, always compiled) point at its output; other relative imports (package.json) at the same
 * file as before, seen from the output's folder.
 */
function compile(files, { rootDir, outDir, outputOf, options }) {
  const target = (fromSource, spec) => {
    const abs = resolve(dirname(fromSource), spec);
    const out = abs.endsWith('.ts') ? outputOf(abs) : abs;
    if (out === undefined)
      throw new Error(`${relative(ROOT, fromSource)} imports ${spec}, which is not built`);
    const rel = posix(relative(dirname(outputOf(fromSource)), out));
    return rel.startsWith('.') ? rel : `./${rel}`;
  };
  const rewrite = (ctx) => (sourceFile) => {
    const file = resolve(sourceFile.fileName);
    const literal = (node) =>
      node && ts.isStringLiteral(node) && isRelative(node.text)
        ? ctx.factory.createStringLiteral(target(file, node.text), true)
        : node;
    const visit = (node) => {
      if (ts.isImportDeclaration(node) && literal(node.moduleSpecifier) !== node.moduleSpecifier) {
        return ctx.factory.updateImportDeclaration(
          node,
          node.modifiers,
          node.importClause,
          literal(node.moduleSpecifier),
          node.attributes,
        );
      }
      if (ts.isExportDeclaration(node) && literal(node.moduleSpecifier) !== node.moduleSpecifier) {
        return ctx.factory.updateExportDeclaration(
          node,
          node.modifiers,
          node.isTypeOnly,
          node.exportClause,
          literal(node.moduleSpecifier),
          node.attributes,
        );
      }
      if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
        const [first, ...rest] = node.arguments;
        if (first && literal(first) !== first) {
          return ctx.factory.updateCallExpression(node, node.expression, node.typeArguments, [
            literal(first),
            ...rest,
          ]);
        }
      }
      return ts.visitEachChild(node, visit, ctx);
    };
    return ts.visitNode(sourceFile, visit);
  };
  // One program for all the files, but nothing resolved, no lib and no checker: each file is emitted from its
  // own syntax alone, as isolatedModules guarantees is possible.
  const program = ts.createProgram(files, {
    ...options,
    rootDir,
    outDir,
    noResolve: true,
    noLib: true,
    noCheck: true,
    types: [],
  });
  const syntax = program.getSyntacticDiagnostics();
  const result = program.emit(undefined, undefined, undefined, false, { before: [rewrite] });
  const errors = [...syntax, ...result.diagnostics].filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0 || result.emitSkipped) {
    throw new Error(
      ts.formatDiagnostics(errors, {
        getCanonicalFileName: (f) => f,
        getCurrentDirectory: () => ROOT,
        getNewLine: () => '\n',
      }),
    );
  }
}

/** bench/ files the entries reach through relative imports (src/ is compiled whole). */
function benchClosure(entries) {
  const seen = new Set();
  const queue = entries.map((e) => join(ROOT, e));
  while (queue.length > 0) {
    const file = queue.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    const source = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of source.importedFiles) {
      const abs = resolve(dirname(file), fileName);
      if (isRelative(fileName) && abs.endsWith('.ts') && abs.startsWith(join(ROOT, 'bench') + sep)) {
        queue.push(abs);
      }
    }
  }
  return [...seen];
}

export function build({ outRoot = ROOT, bench = false } = {}) {
  const started = performance.now();
  const options = compilerOptions();
  const srcDir = join(ROOT, 'src');
  const distDir = join(outRoot, 'dist');
  const benchDir = join(ROOT, 'bench');
  const benchOut = join(outRoot, 'bench', '.build');
  const outputOf = (file) => {
    const js = file.replace(/\.ts$/, '.js');
    if (file.startsWith(srcDir + sep)) return join(distDir, relative(srcDir, js));
    if (bench && file.startsWith(benchDir + sep)) return join(benchOut, relative(benchDir, js));
    return undefined;
  };
  const sources = tsFiles(srcDir);
  // Built beside dist/ and swapped in whole: a process running from dist/ never finds it half written, and the
  // output of a deleted source file does not linger.
  const next = `${distDir}.next-${process.pid}`;
  const old = `${distDir}.old-${process.pid}`;
  try {
    compile(sources, { rootDir: srcDir, outDir: next, outputOf, options });
    // Written last: bin/foothold.js compares its time with src/'s to tell a stale build in a checkout.
    writeFileSync(
      join(next, '.build.json'),
      `${JSON.stringify({ files: sources.length, typescript: ts.version }, null, 2)}\n`,
    );
    if (existsSync(distDir)) renameSync(distDir, old);
    renameSync(next, distDir);
  } finally {
    rmSync(next, { recursive: true, force: true });
    rmSync(old, { recursive: true, force: true });
  }
  let benchFiles = [];
  if (bench) {
    benchFiles = benchClosure(BENCH_ENTRIES);
    rmSync(benchOut, { recursive: true, force: true });
    compile(benchFiles, { rootDir: benchDir, outDir: benchOut, outputOf, options });
  }
  return { files: sources.length + benchFiles.length, ms: Math.round(performance.now() - started) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--out');
  const outRoot = at >= 0 ? resolve(args[at + 1] ?? '') : ROOT;
  const { files, ms } = build({ outRoot, bench: args.includes('--bench') });
  process.stdout.write(
    `foothold build: ${files} files → ${relative(process.cwd(), join(outRoot, 'dist')) || '.'} in ${ms} ms\n`,
  );
}
