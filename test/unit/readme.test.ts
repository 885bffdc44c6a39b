/** The README shows the authorization matrix exactly as the code enforces it. */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { accessTableMarkdown } from '../../src/http/access-table.js';
import { PROJECT_ROOT } from '../helpers/paths.js';

t.test('the README access table is the one generated from src/http/access.ts', async (t) => {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('<!-- access-table:start -->');
  const end = readme.indexOf('<!-- access-table:end -->');
  t.ok(start >= 0 && end > start, 'the README has the table markers');
  const table = readme.slice(start + '<!-- access-table:start -->'.length, end).trim();
  t.equal(table, accessTableMarkdown(), 'regenerate with: npx tsx -e "import(\'./src/http/access-table.ts\').then(m => console.log(m.accessTableMarkdown()))"');
});
