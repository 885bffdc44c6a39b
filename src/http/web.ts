/**
 * The web app's static assets and the security headers of every response.
 *
 * Headers: every response (API, docs, assets, errors, redirects) carries `X-Content-Type-Options:
 * nosniff`, a Referrer-Policy, a Permissions-Policy, `X-Frame-Options: DENY` and a strict
 * Content-Security-Policy (no inline script anywhere; Swagger UI under /docs alone may use inline
 * styles and data: images, which its widgets need).
 *
 * Assets: when the built app (`web/dist`, see `webRootDir`) exists, its files are served as they are
 * and every app route (`/`, `/join`, `/c/…`, …) answers with its index.html; /v1, /docs,
 * /openapi.json and /healthz never fall back to it. Without a build the API works as before, so
 * tests that do not need the pages do not build them.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

/** Paths of the single-page app; each answers with index.html (the client router picks the page). */
export const APP_ROUTES = ['/', '/join', '/c/*', '/receipts/*', '/funder', '/funder/*', '/audit', '/audit/*'] as const;

const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Swagger UI sets style attributes and draws data: images; its scripts stay external. */
const DOCS_CSP = APP_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

export function contentSecurityPolicy(path: string): string {
  return path === '/docs' || path.startsWith('/docs/') ? DOCS_CSP : APP_CSP;
}

export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
    reply.header('content-security-policy', contentSecurityPolicy(request.url.split('?')[0] ?? '/'));
    return payload;
  });
}

/**
 * The directory of the built web app: `WEB_DIST_DIR` when set, else `web/dist` in the repository
 * (found from this module, whether it runs from src/ or from dist/src/).
 */
export function webRootDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WEB_DIST_DIR !== undefined && env.WEB_DIST_DIR !== '') return env.WEB_DIST_DIR;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'web', 'dist');
    dir = dirname(dir);
  }
  return join(process.cwd(), 'web', 'dist');
}

/** Serves the built app when `root` holds one; returns whether it did. */
export async function registerWebApp(app: FastifyInstance, root: string | undefined): Promise<boolean> {
  if (root === undefined) return false;
  const indexPath = join(root, 'index.html');
  if (!existsSync(indexPath) || !statSync(indexPath).isFile()) return false;
  const index = readFileSync(indexPath);
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    index: false,
    wildcard: false,
    // Hashed file names under /assets/ never change; the rest (favicon) are revalidated.
    setHeaders: (res, path) => {
      res.setHeader('cache-control', path.includes(`${join(root, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  for (const url of APP_ROUTES) {
    app.get(url, { schema: { hide: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(index));
  }
  return true;
}
