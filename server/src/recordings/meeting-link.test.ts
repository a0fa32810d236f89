import { describe, expect, it } from 'vitest';
import { meetingLinkInput, normalizeMeetingLink } from './meeting-link';

describe('normalizeMeetingLink', () => {
  it.each([
    ['meet.google.com/abc-defg-hij', 'https://meet.google.com/abc-defg-hij'],
    ['  zoom.us/j/123?pwd=x ', 'https://zoom.us/j/123?pwd=x'],
    ['localhost:3000/room', 'https://localhost:3000/room'],
  ])('adds https:// to a link typed without a scheme (%j)', (typed, stored) => {
    expect(normalizeMeetingLink(typed)).toBe(stored);
  });

  it('keeps http and https links', () => {
    expect(normalizeMeetingLink('https://meet.google.com/x')).toBe('https://meet.google.com/x');
    expect(normalizeMeetingLink('http://intranet.example/x')).toBe('http://intranet.example/x');
  });

  it('treats an empty value as no link', () => {
    expect(normalizeMeetingLink('')).toBeNull();
    expect(normalizeMeetingLink('   ')).toBeNull();
    expect(normalizeMeetingLink(null)).toBeNull();
    expect(normalizeMeetingLink(undefined)).toBeNull();
  });

  it('refuses every other scheme and what is not a link', () => {
    for (const bad of ['javascript:alert(1)', 'JavaScript:alert(1)', 'data:text/html,<script>1</script>', 'ftp://example.com/x', 'mailto:a@b.c', 'vbscript:x', 'not a link', 'https://']) {
      expect(normalizeMeetingLink(bad), bad).toBeUndefined();
    }
  });

  it('is the zod schema of meeting links: normalised or a clear issue', () => {
    expect(meetingLinkInput.parse('meet.google.com/x')).toBe('https://meet.google.com/x');
    expect(meetingLinkInput.parse('')).toBeNull();
    const result = meetingLinkInput.safeParse('javascript:alert(1)');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/http\(s\) link/);
  });
});
