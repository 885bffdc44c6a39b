/**
 * The OpenAPI document as the code generates it, without a database: the app is built around a
 * kysely instance whose driver never connects (building routes runs no query).
 */
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import type { Database } from '../../src/db/tables.js';
import { createServices, defaultDeps, serviceOptions } from '../../src/services/index.js';
import { buildApp } from '../../src/http/app.js';

export async function generateOpenApiDocument(): Promise<string> {
  const db = new Kysely<Database>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (k) => new PostgresIntrospector(k),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
  const app = await buildApp({ services: createServices(defaultDeps(db), serviceOptions('agora-ledger', '00'.repeat(32))), adminToken: 'openapi-generation-only' });
  try {
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
  }
}
