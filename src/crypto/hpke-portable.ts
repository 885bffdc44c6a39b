/**
 * The portable HPKE suite of the verifiers (offline and in the browser): @hpke/core with the
 * pure-JavaScript DHKEM(X25519, HKDF-SHA256) of @hpke/dhkem-x25519, HKDF-SHA256 and AES-128-GCM.
 * It runs wherever WebCrypto has AES-GCM and HMAC; X25519 itself needs no WebCrypto support.
 */
import { Aes128Gcm, CipherSuite, HkdfSha256 } from '@hpke/core';
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519';
import type { HpkeSuite } from '../governance/sealed-ballot.js';

/** A fresh ArrayBuffer of exactly these bytes (a Buffer may be a view into a shared pool). */
function buffer(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy.buffer;
}

/* eslint-disable @typescript-eslint/no-unsafe-assignment -- @hpke/core's key types are WebCrypto CryptoKeys, which the lint project's libs do not name; tsc checks them */
export function portableHpke(): HpkeSuite {
  const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes128Gcm() });
  return {
    async seal(publicKey, info, aad, plaintext) {
      const recipientPublicKey = await suite.kem.deserializePublicKey(buffer(publicKey));
      const sealed = await suite.seal({ recipientPublicKey, info: buffer(info) }, buffer(plaintext), buffer(aad));
      return { enc: new Uint8Array(sealed.enc), ct: new Uint8Array(sealed.ct) };
    },
    async open(privateKey, enc, info, aad, ct) {
      const recipientKey = await suite.kem.deserializePrivateKey(buffer(privateKey));
      return new Uint8Array(await suite.open({ recipientKey, enc: buffer(enc), info: buffer(info) }, buffer(ct), buffer(aad)));
    },
  };
}
/* eslint-enable @typescript-eslint/no-unsafe-assignment */
