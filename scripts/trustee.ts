/**
 * A trustee's offline tool (issue 11.3):
 *
 *   npm run trustee -- keygen [--out key.json]
 *       makes an X25519 key pair; prints the public key to register (PUT /v1/me/trustee-key
 *       {"publicKey": …}) and writes the private key to --out (mode 0600) or prints it.
 *   npm run trustee -- decrypt-share --key <key.json | private key hex> --cycle <cycleId>
 *       --trustee <member:<id> | auditor:<id>> --sealed '<{"enc":…,"ct":…} or the share object
 *       of cycle.voting-opened>'
 *       opens the share sealed to you when voting opened and prints it as one line, exactly what
 *       POST /v1/cycles/{cycleId}/key-shares takes as {"share": …}.
 * Exit 0 on success, 2 on bad input.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { generateX25519 } from '../src/crypto/hpke-node.js';
import { decryptShare } from '../src/crypto/trustee-share.js';

const USAGE = `usage: npm run trustee -- keygen [--out key.json]
       npm run trustee -- decrypt-share --key <key.json | hex> --cycle <cycleId> --trustee <member:<id> | auditor:<id>> --sealed '<{"enc","ct"} JSON>'`;

function privateKeyFrom(value: string): string {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return value.toLowerCase();
  const parsed = JSON.parse(readFileSync(value, 'utf8')) as { privateKey?: unknown };
  if (typeof parsed.privateKey !== 'string' || !/^[0-9a-f]{64}$/.test(parsed.privateKey)) throw new Error(`${value} holds no "privateKey" of 64 hex digits`);
  return parsed.privateKey;
}

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  const { values } = parseArgs({ args: rest, options: { out: { type: 'string' }, key: { type: 'string' }, cycle: { type: 'string' }, trustee: { type: 'string' }, sealed: { type: 'string' } } });
  if (command === 'keygen') {
    const pair = generateX25519();
    const keys = { publicKey: pair.publicKey.toString('hex'), privateKey: pair.privateKey.toString('hex') };
    if (values.out !== undefined) {
      writeFileSync(values.out, `${JSON.stringify(keys)}\n`, { mode: 0o600 });
      console.log(JSON.stringify({ publicKey: keys.publicKey, privateKeyFile: values.out }));
    } else {
      console.log(JSON.stringify(keys));
    }
    return 0;
  }
  if (command === 'decrypt-share') {
    if (values.key === undefined || values.cycle === undefined || values.trustee === undefined || values.sealed === undefined) throw new Error(`decrypt-share needs --key, --cycle, --trustee and --sealed\n${USAGE}`);
    const given = JSON.parse(values.sealed) as { enc?: string; ct?: string; share?: { enc: string; ct: string } };
    const sealed = given.share ?? { enc: String(given.enc), ct: String(given.ct) };
    console.log(decryptShare(privateKeyFrom(values.key), values.cycle, values.trustee, sealed));
    return 0;
  }
  throw new Error(USAGE);
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  console.error(`trustee: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 2;
}
