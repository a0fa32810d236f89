// Two-factor codes as an authenticator app makes them, computed by the tests themselves (RFC 6238
// with RFC 4226 truncation over node:crypto), independent of the server's library.
import { createHmac } from 'node:crypto';

export function decodeBase32(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of text.replace(/=+$/, '')) bits += alphabet.indexOf(char).toString(2).padStart(5, '0');
  return Buffer.from(bits.match(/.{8}/g)!.map((byte) => parseInt(byte, 2)));
}

export const currentStep = () => Math.floor(Date.now() / 30_000);

/** HMAC-SHA-1 of the 8-byte big-endian step, 6 digits. */
export function totp(secret: Buffer, step = currentStep()): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', secret).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}
