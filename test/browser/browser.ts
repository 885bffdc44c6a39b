/**
 * Browser test support: the web app built once into a scratch folder, the service in-process on
 * 127.0.0.1 (PGlite), Debian's Chromium driven by playwright-core (never a downloaded browser),
 * and on every page: axe-core (no serious or critical violation), no console error, no uncaught
 * error, no failing request unless the test expects that refusal.
 *
 * Signing in follows the sessions contract (CONVENTIONS "Sessions"): the invitation URL the
 * service returns is opened. Until the service implements sessions, `inviteFor` falls back to a
 * stand-in of that contract inside the browser (page.route answers /v1/session(s) and sends the
 * person's bearer token with each API call), so the journeys run against today's service too.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { chromium, type BrowserContext, type Page, type Response } from 'playwright-core';
import { build } from 'vite';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { PROJECT_ROOT } from '../helpers/paths.js';

export const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function chromiumMissing(): boolean {
  return !existsSync(CHROMIUM);
}

/** Builds the web app into a scratch folder (removed when the test ends). */
export async function buildWeb(t: Test): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'agl-web-'));
  t.teardown(() => rmSync(outDir, { recursive: true, force: true }));
  await build({ configFile: join(PROJECT_ROOT, 'web', 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  return outDir;
}

export interface Served {
  api: TestApp;
  origin: string;
}

export async function serve(t: Test, webRoot: string): Promise<Served> {
  const api = await startTestApp(t, 'pglite', { webRoot });
  await api.app.listen({ host: '127.0.0.1', port: 0 });
  const address = api.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { api, origin: `http://127.0.0.1:${address.port}` };
}

export interface Person {
  name: string;
  kind: 'member' | 'funder' | 'auditor';
  id: string;
  token: string;
  communityId: string | null;
  communityName: string | null;
  roles: string[];
  /** what the service returned, when it implements invitations */
  inviteUrl?: string;
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** every serious/critical axe violation and every unexpected error seen so far */
  problems: string[];
  /** refusals the test provokes on purpose: `METHOD path-regex status` */
  expectFailure(method: string, path: RegExp, status: number): void;
  /** runs axe-core on the page as it is now */
  axe(label: string): Promise<void>;
  close(): Promise<void>;
}

const AXE_SOURCE = readFileSync(join(PROJECT_ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

export async function openBrowser(t: Test, origin: string, person: Person, viewport = { width: 1000, height: 900 }): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'agl-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport, locale: 'en-US', acceptDownloads: true });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  const expected: { method: string; path: RegExp; status: number }[] = [];
  const isExpected = (response: Response) => {
    const url = new URL(response.url());
    return expected.some((e) => e.method === response.request().method() && e.path.test(url.pathname) && e.status === response.status());
  };
  page.on('pageerror', (err) => problems.push(`uncaught error: ${err.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    // Chromium logs every non-2xx fetch as a console error; the response check below judges those.
    if (/Failed to load resource: the server responded with a status of/.test(message.text())) return;
    problems.push(`console error: ${message.text()}`);
  });
  page.on('requestfailed', (request) => {
    if (request.failure()?.errorText === 'net::ERR_ABORTED' && request.resourceType() === 'document') return;
    problems.push(`request failed: ${request.method()} ${request.url()} ${request.failure()?.errorText ?? ''}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400 && !isExpected(response)) problems.push(`${response.status()} for ${response.request().method()} ${response.url()}`);
    if (response.request().resourceType() === 'document' && response.url().startsWith(origin)) {
      const csp = response.headers()['content-security-policy'] ?? '';
      if (!csp.includes("script-src 'self'") || csp.includes('unsafe-inline') || !csp.includes("frame-ancestors 'none'")) problems.push(`weak or missing CSP on ${response.url()}: ${csp}`);
    }
  });
  if (person.inviteUrl === undefined) await standInSessions(page, origin, person);
  const browser: Browser = {
    context,
    page,
    problems,
    expectFailure: (method, path, status) => void expected.push({ method, path, status }),
    axe: async (label) => {
      await page.evaluate(AXE_SOURCE);
      const result = (await page.evaluate("axe.run(document, { resultTypes: ['violations'] })")) as { violations: { id: string; impact: string | null; help: string; nodes: { target: unknown }[] }[] };
      for (const v of result.violations) {
        if (v.impact === 'serious' || v.impact === 'critical') problems.push(`axe on ${label}: ${v.id} (${v.impact}) ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`);
      }
      const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
      if (overflow > 1) problems.push(`${label}: the page is ${overflow}px wider than the ${viewport.width}px window`);
    },
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
  t.teardown(() => browser.close().catch(() => undefined));
  return browser;
}

/** The invitation link of a person: the service's own, or the stand-in's. */
export function inviteFor(origin: string, person: Person): string {
  return `${origin}${person.inviteUrl ?? `/join#stand-in-${person.id}`}`;
}

/** Stand-in of the sessions contract, inside the browser only (see the file comment). */
async function standInSessions(page: Page, origin: string, person: Person): Promise<void> {
  const membership = { kind: person.kind, id: person.id, communityId: person.communityId, communityName: person.communityName, roles: person.roles };
  const session = { memberships: [membership], csrfToken: 'stand-in-csrf' };
  await page.route(`${origin}/v1/**`, async (route) => {
    const request = route.request();
    const path = new URL(request.url()).pathname;
    if (path === '/v1/sessions' && request.method() === 'POST') return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(session) });
    if (path === '/v1/session' && request.method() === 'GET') return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(session) });
    if (path === '/v1/session' && request.method() === 'DELETE') return route.fulfill({ status: 204 });
    return route.continue({ headers: { ...request.headers(), authorization: `Bearer ${person.token}` } });
  });
}
