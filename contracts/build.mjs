#!/usr/bin/env node
// Compiles contracts/src and contracts/test with the pinned solc (npm `solc`, see package.json)
// and writes one artifact per deployable contract to contracts/out/<ContractName>.json.
//
//   node build.mjs          compile and write out/
//   node build.mjs --check  compile in memory; exit 1 if out/ differs from a fresh compile
//
// Any compiler error fails the build (exit 1); warnings are printed.

import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const solc = require('solc');

const ROOT = dirname(fileURLToPath(import.meta.url));
const OUT_DIR = join(ROOT, 'out');
const SOURCE_DIRS = ['src', 'test'];
// Contracts that get an artifact in out/.
const ARTIFACTS = ['Groth16Verifier', 'InferenceEscrow', 'TestToken', 'ReentrantAgent', 'GasLimitedCaller'];

const SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'cancun',
  metadata: { bytecodeHash: 'none', appendCBOR: false },
  outputSelection: {
    '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] },
  },
};

/** All .sol files under the source dirs, as sorted POSIX paths relative to ROOT. */
function listSources() {
  const found = [];
  const walk = (dir) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = posix.join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && entry.name.endsWith('.sol')) found.push(path);
    }
  };
  for (const dir of SOURCE_DIRS) if (existsSync(join(ROOT, dir))) walk(dir);
  return found.sort();
}

/** Import callback: solc has already resolved relative imports against the importing source's
 *  path; serve anything else that lies inside contracts/ (but not node_modules). */
function findImport(path) {
  const full = resolve(ROOT, path);
  const rel = relative(ROOT, full);
  if (rel.startsWith('..') || rel.split(sep)[0] === 'node_modules' || !existsSync(full)) {
    return { error: `import not found inside contracts/: ${path}` };
  }
  return { contents: readFileSync(full, 'utf8') };
}

function compile() {
  const sources = {};
  for (const path of listSources()) sources[path] = { content: readFileSync(join(ROOT, path), 'utf8') };
  const input = { language: 'Solidity', sources, settings: SETTINGS };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport }));

  let failed = false;
  for (const diag of output.errors ?? []) {
    const text = (diag.formattedMessage ?? diag.message).trimEnd();
    if (diag.severity === 'error') {
      failed = true;
      console.error(text);
    } else {
      console.warn(text);
    }
  }
  if (failed) {
    console.error('build.mjs: compilation failed');
    process.exit(1);
  }

  const version = solc.version();
  const artifacts = new Map();
  for (const name of ARTIFACTS) {
    const matches = Object.entries(output.contracts ?? {}).filter(([, contracts]) => name in contracts);
    if (matches.length !== 1) {
      console.error(`build.mjs: expected exactly one contract named ${name}, found ${matches.length}`);
      process.exit(1);
    }
    const [sourceName, contracts] = matches[0];
    const c = contracts[name];
    const artifact = {
      contractName: name,
      sourceName,
      solcVersion: version,
      abi: c.abi,
      bytecode: `0x${c.evm.bytecode.object}`,
      deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
    };
    if (artifact.bytecode === '0x') {
      console.error(`build.mjs: ${name} has no bytecode (abstract or interface?)`);
      process.exit(1);
    }
    artifacts.set(`${name}.json`, `${JSON.stringify(artifact, null, 2)}\n`);
  }
  return artifacts;
}

function existingArtifacts() {
  if (!existsSync(OUT_DIR)) return [];
  return readdirSync(OUT_DIR).filter((f) => f.endsWith('.json')).sort();
}

const args = process.argv.slice(2);
const check = args.includes('--check');
const unknown = args.filter((a) => a !== '--check');
if (unknown.length) {
  console.error(`usage: node build.mjs [--check]  (unknown: ${unknown.join(' ')})`);
  process.exit(2);
}

const artifacts = compile();

if (check) {
  const problems = [];
  for (const [file, text] of artifacts) {
    const path = join(OUT_DIR, file);
    if (!existsSync(path)) problems.push(`out/${file}: missing`);
    else if (readFileSync(path, 'utf8') !== text) problems.push(`out/${file}: differs from a fresh compile`);
  }
  for (const file of existingArtifacts()) {
    if (!artifacts.has(file)) problems.push(`out/${file}: not produced by a fresh compile`);
  }
  if (problems.length) {
    for (const p of problems) console.error(p);
    console.error('build.mjs --check: out/ is stale; run `npm run build --prefix contracts`');
    process.exit(1);
  }
  console.log(`build.mjs --check: out/ matches a fresh compile (${artifacts.size} artifacts, solc ${solc.version()})`);
} else {
  mkdirSync(OUT_DIR, { recursive: true });
  for (const file of existingArtifacts()) {
    if (!artifacts.has(file)) unlinkSync(join(OUT_DIR, file));
  }
  for (const [file, text] of artifacts) writeFileSync(join(OUT_DIR, file), text);
  console.log(`build.mjs: wrote ${artifacts.size} artifacts to out/ (solc ${solc.version()})`);
}
