// Node module hooks that import a .wasm file as a compiled WebAssembly.Module, as workerd and
// wrangler do, so that the package's `workerd` entry runs under Node for the tests.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
      import fs from 'node:fs';
      export async function load(url, context, next) {
        if (!url.endsWith('.wasm')) return next(url, context);
        const bytes = fs.readFileSync(new URL(url)).toString('base64');
        return {
          format: 'module',
          shortCircuit: true,
          source: "const b = atob('" + bytes + "'); const u = new Uint8Array(b.length);" +
            "for (let i = 0; i < b.length; i++) u[i] = b.charCodeAt(i);" +
            "export default new WebAssembly.Module(u);",
        };
      }
    `),
  import.meta.url,
);
