import { describe, expect, it } from 'vitest';
import { parseRange } from './download-route';
import { closeReason, parseFrame } from './live/protocol';

describe('parseRange', () => {
  it('reads start-end, open-ended and suffix ranges, clamped to the file', () => {
    expect(parseRange('bytes=0-99', 1000)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=900-', 1000)).toEqual({ start: 900, end: 999 });
    expect(parseRange('bytes=-100', 1000)).toEqual({ start: 900, end: 999 });
    expect(parseRange('bytes=990-2000', 1000)).toEqual({ start: 990, end: 999 });
  });
  it('calls ranges past the end unsatisfiable and ignores what it does not understand', () => {
    expect(parseRange('bytes=1000-', 1000)).toBe('unsatisfiable');
    expect(parseRange('bytes=5-2', 1000)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-1,5-6', 1000)).toBeNull();
    expect(parseRange('items=0-1', 1000)).toBeNull();
    expect(parseRange(undefined, 1000)).toBeNull();
  });
});

describe('/ws/record frames', () => {
  it('splits a big-endian uint32 seq from the payload and refuses frames without audio', () => {
    const frame = Buffer.from([0, 0, 1, 2, 9, 9]);
    expect(parseFrame(frame)).toEqual({ seq: 258, payload: Buffer.from([9, 9]) });
    expect(parseFrame(Buffer.from([0, 0, 0, 1]))).toHaveProperty('error');
  });
  it('keeps close reasons within the 123 bytes RFC 6455 allows', () => {
    expect(Buffer.byteLength(closeReason('é'.repeat(200)))).toBeLessThanOrEqual(123);
  });
});
