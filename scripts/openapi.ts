/**
 * `npm run openapi` writes openapi/openapi.json from the route schemas;
 * `npm run openapi:check` exits 1 when the committed file differs from what the code generates.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateOpenApiDocument } from './lib/openapi-document.js';

const target = join(dirname(fileURLToPath(import.meta.url)), '..', 'openapi', 'openapi.json');
const mode = process.argv[2] ?? 'check';
const generated = await generateOpenApiDocument();

if (mode === 'write') {
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, generated);
  console.log(`wrote ${target}`);
} else {
  let committed = '';
  try {
    committed = readFileSync(target, 'utf8');
  } catch {
    // a missing file is drift like any other
  }
  if (committed !== generated) {
    const a = committed.split('\n');
    const b = generated.split('\n');
    const line = a.findIndex((l, i) => l !== b[i]);
    console.error(`openapi/openapi.json is out of date (first difference at line ${line + 1}); run \`npm run openapi\` and commit it.`);
    process.exit(1);
  }
  console.log('openapi/openapi.json matches the code');
}
