/**
 * Secrets that are generated on first start and kept in DATA_DIR (mode 0600): the admin token and
 * the ledger signing key. An environment value always wins; a generated one is reported once.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LoadedSecret {
  value: string;
  source: 'environment' | 'file' | 'generated';
  path: string | undefined;
}

export function loadOrCreateSecret(dataDir: string, fileName: string, fromEnv: string | undefined, generate: () => string): LoadedSecret {
  if (fromEnv !== undefined) return { value: fromEnv, source: 'environment', path: undefined };
  const path = join(dataDir, fileName);
  if (existsSync(path)) return { value: readFileSync(path, 'utf8').trim(), source: 'file', path };
  mkdirSync(dataDir, { recursive: true });
  const value = generate();
  // 'wx' fails if another process created it in between: never overwrite a secret.
  writeFileSync(path, `${value}\n`, { mode: 0o600, flag: 'wx' });
  return { value, source: 'generated', path };
}

export const generateAdminToken = (): string => `agl_admin_${randomBytes(32).toString('base64url')}`;
export const generateSigningSeed = (): string => randomBytes(32).toString('hex');
