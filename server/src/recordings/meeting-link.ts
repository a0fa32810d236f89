// meeting_link as people type it: "meet.google.com/abc-defg-hij" is stored as
// "https://meet.google.com/abc-defg-hij", an empty value means no link, and only http(s) links
// are kept — a javascript: or data: link would run in any client that renders it.
import { z } from 'zod';

const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

/** The link to store (null: none), or undefined when it is not an http(s) link. */
export function normalizeMeetingLink(value: string | null | undefined): string | null | undefined {
  const text = value?.trim() ?? '';
  if (text === '') return null;
  const scheme = SCHEME.exec(text);
  // "host:port/…" is a host, not a scheme: a scheme is never followed by digits alone.
  const hasScheme = scheme !== null && !/^[^/]*:\d+(\/|$)/.test(text);
  const candidate = hasScheme ? text : `https://${text.replace(/^\/\//, '')}`;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (!url.hostname || !url.hostname.includes('.') && url.hostname !== 'localhost') return undefined;
  return url.href.length <= 2000 ? url.href : undefined;
}

/** The schema of meetingLink / meeting_link everywhere a recording is made. */
export const meetingLinkInput = z
  .string()
  .max(2000)
  .nullish()
  .transform((value, ctx) => {
    const link = normalizeMeetingLink(value);
    if (link === undefined) {
      ctx.addIssue({ code: 'custom', message: 'expected an http(s) link such as https://meet.google.com/abc-defg-hij' });
      return z.NEVER;
    }
    return link;
  });
