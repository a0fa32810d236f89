// Phone numbers kept for account recovery only: normalized to E.164, never shown to other people.
import { parsePhoneNumberFromString } from 'libphonenumber-js';

/** "+44 20 7946 0958" or "0044 20 7946 0958" → "+442079460958"; null when not a valid international number. */
export function normalizePhone(input: string): string | null {
  // Without a country to assume, only international numbers are unambiguous.
  const international = input.trim().replace(/^00/, '+');
  if (!international.startsWith('+')) return null;
  const parsed = parsePhoneNumberFromString(international);
  return parsed?.isValid() ? parsed.number : null;
}
