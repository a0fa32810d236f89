// Random identifiers for rows: 120 bits, base32 lower-case (URL- and filename-safe).
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import { randomBytes } from 'node:crypto';

export function generateId(bytes = 15): string {
  return encodeBase32LowerCaseNoPadding(randomBytes(bytes));
}
