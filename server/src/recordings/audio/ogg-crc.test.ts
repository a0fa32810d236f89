import { describe, expect, it } from 'vitest';
import { computeOggCrc } from './ogg-crc';

describe('computeOggCrc', () => {
  it('matches the CRC-32 check value of the Ogg variant (poly 0x04C11DB7, init 0, unreflected)', () => {
    expect(computeOggCrc(Buffer.from('123456789'))).toBe(0x89a1897f);
  });

  it('gives 0 for no bytes and can be continued chunk by chunk', () => {
    expect(computeOggCrc(Buffer.alloc(0))).toBe(0);
    const whole = computeOggCrc(Buffer.from('hello ogg world'));
    expect(computeOggCrc(Buffer.from('ogg world'), computeOggCrc(Buffer.from('hello ')))).toBe(whole);
  });

  it('verifies a page written by libogg (ffmpeg)', () => {
    // First page (OpusHead) of `ffmpeg -c:a libopus out.ogg`.
    const page = Buffer.from(PAGE_HEX, 'hex');
    const stored = page.readUInt32LE(22);
    page.writeUInt32LE(0, 22);
    expect(computeOggCrc(page)).toBe(stored);
  });
});

const PAGE_HEX = '4f67675300020000000000000000d5d43c6f000000008ccebb0a01134f7075734865616401013801803e0000000000';
