/**
 * Secrets the service must be able to use again (webhook signing secrets, election private keys)
 * are stored only encrypted: AES-256-GCM under the sealing key from configuration (`SEALING_KEY`,
 * or HKDF-SHA256 of the ledger signing seed when unset), which every process of a deployment
 * shares and which never enters the database. The associated data names what a ciphertext is
 * (e.g. `webhook-secret:<id>`), so a ciphertext moved to another row does not open.
 *
 * Stored form: `v1.<nonce b64url>.<ciphertext+tag b64url>`.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  static fromKey(keyHex: string): SecretBox {
    const key = Buffer.from(keyHex, 'hex');
    if (key.length !== 32) throw new SecretBoxError('the sealing key must be 32 bytes (64 hex characters)');
    return new SecretBox(key);
  }

  /** The key every process derives from the same ledger signing seed when SEALING_KEY is not set. */
  static derivedFromSigningSeed(seedHex: string): SecretBox {
    const derived = Buffer.from(hkdfSync('sha256', Buffer.from(seedHex, 'hex'), Buffer.alloc(0), 'agora-ledger sealing key', 32));
    return new SecretBox(derived);
  }

  seal(plaintext: Uint8Array | string, context: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}.${nonce.toString('base64url')}.${body.toString('base64url')}`;
  }

  open(sealed: string, context: string): Buffer {
    const [version, nonceText, bodyText] = sealed.split('.');
    if (version !== VERSION || nonceText === undefined || bodyText === undefined) throw new SecretBoxError('not a sealed secret of this service');
    const nonce = Buffer.from(nonceText, 'base64url');
    const body = Buffer.from(bodyText, 'base64url');
    if (nonce.length !== NONCE_BYTES || body.length < TAG_BYTES) throw new SecretBoxError('a sealed secret is truncated');
    const decipher = createDecipheriv('aes-256-gcm', this.key, nonce);
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new SecretBoxError(`the sealed secret for ${context} does not open with this sealing key (another key, another row, or tampered)`);
    }
  }

  /** HMAC-SHA256 under a key derived from the sealing key for `context` (hex): a hash nobody without the key can recompute. */
  mac(text: string, context: string): string {
    const key = Buffer.from(hkdfSync('sha256', this.key, Buffer.alloc(0), `agora-ledger mac ${context}`, 32));
    return createHmac('sha256', key).update(text, 'utf8').digest('hex');
  }

  openText(sealed: string, context: string): string {
    return this.open(sealed, context).toString('utf8');
  }
}
