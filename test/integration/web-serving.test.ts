/**
 * The service serves the built web app at `/` and its app routes, never in place of the API or the
 * docs; every response carries the security headers, and every one the CSP (strict for the app,
 * inline styles only for Swagger UI). A tiny stand-in build keeps this test from running Vite.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { databaseKinds, eachDatabase } from '../helpers/db.js';
import { startTestApp } from '../helpers/app.js';

const INDEX = '<!doctype html><html lang="en"><head><title>Agora Ledger</title><script type="module" src="/assets/app-1.js"></script></head><body><div id="app"></div></body></html>';

function standInBuild(t: Test): string {
  const root = mkdtempSync(join(tmpdir(), 'agl-web-stand-in-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), INDEX);
  writeFileSync(join(root, 'assets', 'app-1.js'), 'console.log("app");\n');
  writeFileSync(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

function assertHeaders(t: Test, headers: Record<string, unknown>, what: string, docs = false) {
  t.equal(headers['x-content-type-options'], 'nosniff', `${what}: nosniff`);
  t.equal(headers['referrer-policy'], 'no-referrer', `${what}: Referrer-Policy`);
  t.match(String(headers['permissions-policy']), /camera=\(\)/, `${what}: Permissions-Policy`);
  const csp = String(headers['content-security-policy']);
  t.match(csp, /default-src 'self'/, `${what}: CSP default-src`);
  t.match(csp, /script-src 'self'(;|$)/, `${what}: scripts only from the origin`);
  t.match(csp, /frame-ancestors 'none'/, `${what}: never framed`);
  t.notMatch(csp.match(/script-src[^;]*/)?.[0] ?? '', /unsafe/, `${what}: no unsafe script source`);
  if (!docs) t.notMatch(csp, /unsafe-inline/, `${what}: no inline styles either`);
}

for (const kind of databaseKinds()) {
  t.test(`${kind}: the app, its routes and its headers`, async (t) => {
    const api = await startTestApp(t, kind, { webRoot: standInBuild(t) });
    for (const path of ['/', '/join', '/c/3f0e/cycles/9a1b', '/c/3f0e/members', '/receipts/abc', '/funder', '/funder/equity', '/audit']) {
      const res = await api.call('GET', path);
      t.equal(res.statusCode, 200, `${path} answers`);
      t.match(res.headers['content-type'], /^text\/html/, `${path} is the app's page`);
      t.equal(res.body, INDEX, `${path} is index.html`);
      assertHeaders(t, res.headers, path);
    }
    const asset = await api.call('GET', '/assets/app-1.js');
    t.equal(asset.statusCode, 200, 'assets are served');
    t.match(asset.headers['content-type'], /javascript/, 'with their type');
    assertHeaders(t, asset.headers, 'an asset');
    t.equal((await api.call('GET', '/favicon.svg')).statusCode, 200, 'the favicon exists');

    for (const path of ['/v1/nothing-here', '/docs/nothing-here', '/nothing-here', '/index.htm']) {
      const res = await api.call('GET', path);
      t.equal(res.statusCode, 404, `${path}: 404`);
      t.match(res.headers['content-type'], /^application\/problem\+json/, `${path}: a problem, not the app`);
      assertHeaders(t, res.headers, path, path.startsWith('/docs/'));
    }
    const health = await api.call('GET', '/healthz');
    t.same(health.json(), { status: 'ok' }, '/healthz is the API');
    assertHeaders(t, health.headers, '/healthz');
    const doc = await api.call('GET', '/openapi.json');
    t.match(doc.headers['content-type'], /^application\/json/, '/openapi.json is the document');
    const unauthorized = await api.call('GET', '/v1/communities');
    t.equal(unauthorized.statusCode, 401, 'an API refusal');
    assertHeaders(t, unauthorized.headers, 'a 401');

    const docs = await api.call('GET', '/docs');
    t.match(docs.headers['content-type'], /^text\/html/, 'Swagger UI');
    assertHeaders(t, docs.headers, '/docs', true);
    const redirect = await api.call('GET', '/docs/static/index.html');
    t.ok(redirect.statusCode >= 300 && redirect.statusCode < 400, `a redirect (${redirect.statusCode})`);
    assertHeaders(t, redirect.headers, 'a redirect', true);
  });
}

eachDatabase(t, 'without a build the API works and / is a plain 404', async (t, kind) => {
  const api = await startTestApp(t, kind);
  const res = await api.call('GET', '/');
  t.equal(res.statusCode, 404, 'no app');
  t.match(res.headers['content-type'], /^application\/problem\+json/);
  assertHeaders(t, res.headers, '/ without a build');
  t.same((await api.call('GET', '/healthz')).json(), { status: 'ok' });
});
