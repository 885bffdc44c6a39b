/**
 * A throw-away database on a local PostgreSQL server (created empty, dropped with `force` after),
 * for runs that start the service as a separate process. Only a server on 127.0.0.1 is accepted:
 * crash and load runs must never reach another address.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const DEFAULT_SERVER_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface ScratchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export function assertLocalServer(serverUrl: string): URL {
  const url = new URL(serverUrl);
  if (url.hostname !== '127.0.0.1') throw new Error(`refusing PostgreSQL at ${url.hostname}: only 127.0.0.1 is allowed`);
  return url;
}

async function onServer(serverUrl: string, sqlText: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sqlText);
  } finally {
    await client.end();
  }
}

/** `prefix` must be a plain identifier; a random suffix keeps parallel runs apart. */
export async function createScratchDatabase(serverUrl: string, prefix: string): Promise<ScratchDatabase> {
  if (!/^[a-z_][a-z0-9_]*$/.test(prefix)) throw new Error(`not a plain identifier: ${prefix}`);
  const url = assertLocalServer(serverUrl);
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await onServer(serverUrl, `create database ${name}`);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop: () => onServer(serverUrl, `drop database if exists ${name} with (force)`) };
}
