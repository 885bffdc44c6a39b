// Lint: typescript-eslint's type-checked rules, the habits ../shared/STYLE.md asks for, and the
// layering of the README's "How it fits together" enforced by folder: http → services → db, domain
// folders pure. Nothing under src/ is ignored; test/ (with test/support) and scripts/ are linted too.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Pure domain folders: no I/O libraries, no services/db/http, no clock, randomness or environment. */
const DOMAIN = ['src/ledger/**', 'src/governance/**', 'src/rules/**', 'src/funding/**', 'src/anchoring/**', 'src/pabulib/**', 'src/events/**', 'src/audit/**', 'src/webhooks/**'];
/** The adapters that live beside their ports in a domain folder and may use the library they adapt. */
const DOMAIN_ADAPTERS = ['src/anchoring/ethers-chain-client.ts'];

const io = (...names) => names.map((name) => ({ group: [name, `${name}/**`], message: 'domain folders stay pure: I/O libraries belong in src/db, src/services or src/http' }));
const layer = (folder, message) => ({ group: [`**/${folder}`, `**/${folder}/**`, `src/${folder}/**`], message });

const noClockRandomEnv = [
  { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'domain code takes the time as an argument (a Clock in services), never Date.now()' },
  { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'domain code takes the time as an argument, never new Date()' },
  { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'domain code takes randomness as an argument, never Math.random()' },
  { selector: "MemberExpression[object.name='process'][property.name='env']", message: 'only src/config.ts reads the environment' },
  { selector: "CallExpression[callee.name=/^(randomBytes|randomUUID|getRandomValues)$/]", message: 'domain code takes randomness as an argument' },
  { selector: "CallExpression[callee.property.name=/^(randomBytes|randomUUID|getRandomValues)$/]", message: 'domain code takes randomness as an argument' },
];

export default tseslint.config(
  // Build output, tap's files and data/ (the default DATA_DIR of a local run) are not source.
  { ignores: ['dist/', 'web/dist/', 'node_modules/', 'coverage/', '.tap/', 'data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // Template literals of numbers and bigints are how amounts are spelled in messages.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: true, allow: [{ name: ['BigInt', 'bigint'], from: 'lib' }] }],
      // fastify plugins and handlers are async by contract, awaited or not
      '@typescript-eslint/require-await': 'off',
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    files: DOMAIN,
    ignores: DOMAIN_ADAPTERS,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...io('kysely', 'pg', '@electric-sql/pglite', 'fastify', '@fastify/*', 'fastify-type-provider-zod', 'ethers', 'hardhat'),
            { group: ['node:fs', 'node:fs/*', 'node:net', 'node:http', 'node:https', 'node:child_process', 'fs', 'net', 'http', 'https'], message: 'domain folders do no I/O' },
            layer('db', 'domain folders do not reach the database: services load the facts and pass them in'),
            layer('services', 'domain folders do not call services (dependencies point inward)'),
            layer('http', 'domain folders know nothing of HTTP'),
          ],
        },
      ],
      'no-restricted-syntax': ['error', ...noClockRandomEnv],
      'no-restricted-globals': ['error', { name: 'fetch', message: 'domain folders do no I/O' }],
    },
  },
  {
    files: ['src/http/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            layer('db', 'routes call services; only services reach the database (src/db)'),
            ...['kysely', 'pg'].map((name) => ({ group: [name, `${name}/**`], message: 'routes call services; only services reach the database' })),
          ],
        },
      ],
    },
  },
  {
    files: ['src/services/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            layer('http', 'services know nothing of HTTP (dependencies point inward)'),
            { group: ['fastify', '@fastify/*'], message: 'services know nothing of HTTP' },
            { group: ['kysely'], importNames: ['sql'], message: 'SQL lives in src/db repositories; services call them' },
          ],
          paths: [{ name: '../db/ledger.repository.js', importNames: ['appendEntry', 'appendEntries', 'appendStandalone'], message: 'services append typed events through LedgerWriter (src/services/ledger-writer.ts)' }],
        },
      ],
    },
  },
  {
    files: ['src/services/ledger-writer.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['src/db/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [layer('services', 'repositories only run queries'), layer('http', 'repositories only run queries'), { group: ['fastify', '@fastify/*'], message: 'repositories only run queries' }] }],
    },
  },
  {
    files: ['scripts/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/test/**', '../test/*'], message: 'scripts must not import from test/: shared harnesses live in scripts/lib' }] }] },
  },
  { files: ['**/*.js', '**/*.cjs', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', process: 'readonly', __dirname: 'readonly' } }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
  {
    // tap's `t.test(...)` at the top of a test file is awaited by the runner, not by the file; tests
    // and scripts (harnesses over the HTTP API) reach into responses freely.
    files: ['test/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { args: 'none', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
