/** `npm run readme:access`: rewrites the authorization table in README.md from src/http/access.ts. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { accessTableMarkdown } from '../src/http/access-table.js';

const path = join(import.meta.dirname, '..', 'README.md');
const readme = readFileSync(path, 'utf8');
const start = '<!-- access-table:start -->';
const end = '<!-- access-table:end -->';
const before = readme.slice(0, readme.indexOf(start) + start.length);
const after = readme.slice(readme.indexOf(end));
writeFileSync(path, `${before}\n${accessTableMarkdown()}\n${after}`);
console.log('README.md access table updated');
