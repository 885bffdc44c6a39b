/** Proving an Ethereum address as a member does: ask for the challenge, sign it (EIP-191), send both. */
import type { Wallet } from 'ethers';
import type { LightMyRequestResponse } from 'fastify';
import type { TestApp } from './app.js';

export async function challengeFor(api: TestApp, token: string): Promise<string> {
  const res = await api.call('GET', '/v1/me/address/challenge', { token });
  if (res.statusCode !== 200) throw new Error(`challenge: ${res.statusCode} ${res.body}`);
  return (res.json() as { message: string }).message;
}

/** Registers `wallet`'s address for the member of `token`; returns the raw answer (200 when proved). */
export async function proveAddress(api: TestApp, token: string, wallet: Pick<Wallet, 'address' | 'signMessage'>): Promise<LightMyRequestResponse> {
  const message = await challengeFor(api, token);
  return api.call('PUT', '/v1/me/address', { token, body: { address: wallet.address, signature: await wallet.signMessage(message) } });
}
