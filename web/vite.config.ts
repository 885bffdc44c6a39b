/**
 * The web app's build: Vite with its own JSX transform (Preact's automatic runtime, no Babel).
 * The auditor's in-browser verifier imports the service's own ledger, audit, governance and rules
 * code; `node:crypto` resolves to a small shim over @noble (SHA-256, Ed25519 verify) there.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  publicDir: here('public'),
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  resolve: { alias: { 'node:crypto': here('src/shims/node-crypto.ts') } },
  worker: { format: 'es' },
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    target: 'es2022',
    // Inlined assets would become data: URLs; keep every file separate for a plain CSP.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1500,
  },
  server: { proxy: { '/v1': 'http://127.0.0.1:3000', '/openapi.json': 'http://127.0.0.1:3000' } },
});
