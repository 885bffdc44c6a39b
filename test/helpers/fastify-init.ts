/**
 * A window into `buildApp` without changing it: Fastify publishes every new instance on the
 * `fastify.initialization` diagnostics channel before anything is registered on it, so a test can
 * add hooks (onRoute, onRegister) that see every route the real app factory registers.
 * Subscribed only while `build` runs; instances created by other code in that window are seen too.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { FastifyInstance, RouteOptions } from 'fastify';

const CHANNEL = 'fastify.initialization';

export async function withFastifyInit<T>(onInit: (app: FastifyInstance) => void, build: () => Promise<T>): Promise<T> {
  const listener = (message: unknown): void => onInit((message as { fastify: FastifyInstance }).fastify);
  subscribe(CHANNEL, listener);
  try {
    return await build();
  } finally {
    unsubscribe(CHANNEL, listener);
  }
}

/** Collects `METHOD /url` of every route registered on instances created while `build` runs. */
export async function collectRoutes<T>(build: () => Promise<T>): Promise<{ result: T; routes: string[] }> {
  const routes: string[] = [];
  const result = await withFastifyInit(
    (app) =>
      app.addHook('onRoute', (route: RouteOptions) => {
        for (const method of Array.isArray(route.method) ? route.method : [route.method]) routes.push(`${String(method)} ${route.url}`);
      }),
    build,
  );
  return { result, routes };
}
