// Builds the npm package axhook-wasm into dist/:
//   cargo (wasm32-unknown-unknown, profile wasm-release) → wasm-bindgen (web, bundler, nodejs)
//   → wasm-opt (npm binaryen) → the JS API (js/api.js) bound to each output, and the types.
//
//   dist/web/       ES module; `await init()` (or initSync) before use: browsers, Deno
//   dist/bundler/   ES module importing the .wasm (webpack asyncWebAssembly, Vite plugins)
//   dist/nodejs/    CommonJS + an ESM wrapper; the .wasm is embedded, no file system access
//   dist/workerd/   Cloudflare Workers (and wrangler): imports the .wasm as a module, sync init
//
// Build tool only (it may use Node built-ins); nothing here is shipped.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const pkg = path.resolve(here, '..');
const dist = path.join(pkg, 'dist');
const require = createRequire(import.meta.url);
const NAME = 'axhook_wasm';
const TARGETS = ['web', 'bundler', 'nodejs'];

const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: 'inherit', cwd: pkg, ...opts });
const capture = (cmd, args) => execFileSync(cmd, args, { cwd: pkg, encoding: 'utf8' });

// 1. The pinned wasm-bindgen version (Cargo.toml) must match the CLI on PATH.
const cargoToml = fs.readFileSync(path.join(pkg, 'Cargo.toml'), 'utf8');
const pinned = /wasm-bindgen\s*=\s*\{\s*version\s*=\s*"=([0-9.]+)"/.exec(cargoToml)?.[1];
if (!pinned) throw new Error('bindings/wasm/Cargo.toml must pin wasm-bindgen with "=X.Y.Z"');
let cli = '';
try {
  cli = capture('wasm-bindgen', ['--version']).trim();
} catch {
  cli = '(not found)';
}
if (!cli.endsWith(` ${pinned}`)) {
  throw new Error(
    `wasm-bindgen CLI ${pinned} is needed, found ${cli}: run \`make wasm-setup\` ` +
      `(cargo install wasm-bindgen-cli --version =${pinned})`,
  );
}

// 2. The .wasm. The release profile may strip; wasm-bindgen needs its custom sections.
const profile = process.env.AXHOOK_WASM_PROFILE ?? 'wasm-release';
run('cargo', ['build', '-p', 'axhook-wasm', '--target', 'wasm32-unknown-unknown', '--profile', profile], {
  env: { ...process.env, CARGO_PROFILE_RELEASE_STRIP: 'false' },
});
const targetDir = JSON.parse(capture('cargo', ['metadata', '--format-version', '1', '--no-deps'])).target_directory;
const input = path.join(targetDir, 'wasm32-unknown-unknown', profile === 'dev' ? 'debug' : profile, `${NAME}.wasm`);

// 3. wasm-bindgen, once per target.
fs.rmSync(dist, { recursive: true, force: true });
for (const target of TARGETS) {
  run('wasm-bindgen', [
    '--target', target, '--out-dir', path.join(dist, target), '--out-name', NAME,
    '--remove-name-section', '--remove-producers-section', input,
  ]);
}

// 4. wasm-opt from npm binaryen (Debian's breaks the output). The three .wasm files are the
// same module: optimise once and copy.
const wasmOpt = path.join(path.dirname(require.resolve('binaryen/package.json')), 'bin', 'wasm-opt');
const wasmFiles = TARGETS.map((t) => path.join(dist, t, `${NAME}_bg.wasm`));
const digest = (f) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');
const same = wasmFiles.every((f) => digest(f) === digest(wasmFiles[0]));
const optLevel = process.env.AXHOOK_WASM_OPT ?? '-O3';
for (const file of same ? wasmFiles.slice(0, 1) : wasmFiles) {
  run(process.execPath, [wasmOpt, optLevel, '--strip-debug', '--strip-producers', file, '-o', file]);
}
if (same) for (const file of wasmFiles.slice(1)) fs.copyFileSync(wasmFiles[0], file);

// 5. nodejs: embed the .wasm so that loading needs no `fs` (no Node built-ins in the package).
const nodeGlue = path.join(dist, 'nodejs', `${NAME}.js`);
const loader = /const wasmPath = `\$\{__dirname\}\/axhook_wasm_bg\.wasm`;\nconst wasmBytes = require\('fs'\)\.readFileSync\(wasmPath\);\n/;
const glue = fs.readFileSync(nodeGlue, 'utf8');
if (!loader.test(glue)) throw new Error(`unexpected wasm-bindgen ${pinned} nodejs loader: update scripts/build.js`);
fs.writeFileSync(nodeGlue, glue.replace(loader, `const wasmBytes = require('./${NAME}_bg.wasm.cjs');\n`));
const base64 = fs.readFileSync(wasmFiles[2]).toString('base64');
fs.writeFileSync(
  path.join(dist, 'nodejs', `${NAME}_bg.wasm.cjs`),
  `// ${NAME}_bg.wasm, embedded as base64.\n` +
    `const text = atob('${base64}');\n` +
    'const bytes = new Uint8Array(text.length);\n' +
    'for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);\n' +
    'module.exports = bytes;\n',
);
fs.rmSync(wasmFiles[2]);

// 6. The JS API next to each output, and the entry points.
const api = fs.readFileSync(path.join(pkg, 'js', 'api.js'), 'utf8');
const apiCjs = api.replace(/^export \{ createApi \};\s*$/m, 'module.exports = { createApi };\n');
if (apiCjs === api) throw new Error('js/api.js must end with `export { createApi };`');
const write = (rel, text) => fs.writeFileSync(path.join(dist, rel), text);
write('web/api.js', api);
write('bundler/api.js', api);
write('nodejs/api.cjs', apiCjs);
write('web/package.json', '{ "type": "module", "sideEffects": false }\n');
write('bundler/package.json', '{ "type": "module", "sideEffects": ["./axhook_wasm.js"] }\n');
write('nodejs/package.json', '{ "type": "commonjs" }\n');

write(
  'nodejs/index.cjs',
  `'use strict';\n// axhook-wasm for Node (CommonJS): ready on require.\n` +
    `const raw = require('./${NAME}.js');\nconst { createApi } = require('./api.cjs');\n` +
    `const api = createApi(raw);\n` +
    'module.exports = { ...api, init: async () => {}, initSync: () => {} };\n',
);
// The names the API exports, read from the API itself.
const nodeApi = require(path.join(dist, 'nodejs', 'index.cjs'));
const names = Object.keys(nodeApi).filter((n) => !['init', 'initSync', 'testing'].includes(n));
const list = names.join(', ');
const testingNames = Object.keys(nodeApi.testing).join(', ');

write(
  'nodejs/index.mjs',
  `// axhook-wasm for Node (ES module): ready on import.\nimport api from './index.cjs';\n\n` +
    `export const { ${list}, testing, initSync } = api;\nexport default api.init;\n`,
);
write('nodejs/testing.cjs', `'use strict';\nmodule.exports = require('./index.cjs').testing;\n`);
write('nodejs/testing.mjs', `import api from './index.cjs';\n\nexport const { ${testingNames} } = api.testing;\n`);

write(
  'web/index.js',
  '// axhook-wasm for browsers and Deno: `await init()` (or `initSync({ module })`) once, then use.\n' +
    `import initWasm, { initSync as initWasmSync } from './${NAME}.js';\n` +
    `import * as raw from './${NAME}.js';\nimport { createApi } from './api.js';\n\n` +
    'let ready = false;\nconst api = createApi(raw, () => ready);\n\n' +
    '/** Loads the .wasm (by default from next to this file); `input` is what wasm-bindgen\'s\n' +
    ' * init takes, e.g. `{ module_or_path: url | Response | WebAssembly.Module }`. */\n' +
    'export default async function init(input) {\n  await initWasm(input);\n  ready = true;\n}\n\n' +
    '/** Instantiates synchronously from `{ module }` (a WebAssembly.Module or the bytes). */\n' +
    'export function initSync(input) {\n  initWasmSync(input);\n  ready = true;\n}\n\n' +
    `export const { ${list}, testing } = api;\n`,
);
write('web/testing.js', `import { testing } from './index.js';\n\nexport const { ${testingNames} } = testing;\n`);

write(
  'bundler/index.js',
  '// axhook-wasm for bundlers that import .wasm as an ES module: ready on import.\n' +
    `import * as raw from './${NAME}.js';\nimport { createApi } from './api.js';\n\n` +
    'const api = createApi(raw);\n\nexport default async function init() {}\nexport function initSync() {}\n\n' +
    `export const { ${list}, testing } = api;\n`,
);
write('bundler/testing.js', `import { testing } from './index.js';\n\nexport const { ${testingNames} } = testing;\n`);

fs.mkdirSync(path.join(dist, 'workerd'));
write(
  'workerd/index.js',
  '// axhook-wasm for Cloudflare Workers: wrangler imports the .wasm as a WebAssembly.Module and\n' +
    '// the instance is created synchronously on import (Workers cannot compile wasm from bytes).\n' +
    `import module from '../web/${NAME}_bg.wasm';\nimport init, { initSync } from '../web/index.js';\n\n` +
    'initSync({ module });\n\nexport default init;\nexport * from \'../web/index.js\';\n',
);
write('workerd/testing.js', "import './index.js';\n\nexport * from '../web/testing.js';\n");

// 7. Types: one declaration file for every output, with the known event types from the core.
const known = nodeApi.knownEvents();
const dts = fs.readFileSync(path.join(pkg, 'js', 'index.d.ts'), 'utf8');
const union = known.map((t) => `  | '${t}'`).join('\n');
if (!dts.includes('/* KNOWN_EVENTS */')) throw new Error('js/index.d.ts lacks the /* KNOWN_EVENTS */ marker');
write('index.d.ts', dts.replace('/* KNOWN_EVENTS */', `\n${union}`));
fs.copyFileSync(path.join(pkg, 'js', 'testing.d.ts'), path.join(dist, 'testing.d.ts'));

const wasm = fs.readFileSync(wasmFiles[0]);
const { gzipSync } = await import('node:zlib');
console.log(
  `axhook-wasm built into ${path.relative(process.cwd(), dist) || 'dist'}: ${TARGETS.join(', ')}, workerd; ` +
    `.wasm ${wasm.length} bytes, ${gzipSync(wasm, { level: 9 }).length} gzipped`,
);
