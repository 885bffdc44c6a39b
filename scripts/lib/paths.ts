/**
 * Where scripts and tests find the project root and the shared data set (`../shared/data` beside the
 * checkout, or AGORA_SHARED_DATA). Data is always read through `sharedData`, which fails with a
 * sentence saying what is missing and where it was looked for, instead of an ENOENT deep in a test.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHARED_DATA_DIR = process.env.AGORA_SHARED_DATA ?? join(PROJECT_ROOT, '..', 'shared', 'data');

export function sharedData(...parts: string[]): string {
  const path = join(SHARED_DATA_DIR, ...parts);
  if (!existsSync(path)) {
    throw new Error(
      `the shared data set is missing ${join(...parts)} (looked in ${path}): check out ../shared beside this project, or point AGORA_SHARED_DATA at its data folder`,
    );
  }
  return path;
}
