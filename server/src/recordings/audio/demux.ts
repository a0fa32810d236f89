// Synchronous, resumable wrappers around prism-media's Ogg and WebM Opus demuxers. The demuxers
// are driven through their _transform directly (prism 1.3.5 parses synchronously) so a live
// frame's packets are known before it is acknowledged, and their few parsing fields are saved in
// the recording's resume state so a restarted server continues mid-stream.
import prism from 'prism-media';
import { AppError } from '../../errors';

export type DemuxerKind = 'ogg' | 'webm';
export type DemuxerState = { kind: DemuxerKind; fields: Record<string, unknown>; head: string | null };

/** The parsing state of each prism demuxer (see prism-media/src/opus/OggDemuxer.js, core/WebmBase.js). */
const STATE_FIELDS: Record<DemuxerKind, string[]> = {
  ogg: ['_remainder', '_head', '_bitstream'],
  webm: ['_remainder', '_length', '_count', '_skipUntil', '_track', '_incompleteTrack', '_ebmlFound'],
};

type PrismDemuxer = Record<string, unknown> & {
  _transform(chunk: Buffer, encoding: BufferEncoding | undefined, done: (error?: Error | null) => void): void;
  push(packet: Buffer): boolean;
  on(event: 'head', listener: (head: Buffer) => void): void;
};

export type OpusDemuxer = {
  /** Returns the Opus packets completed by this chunk; `head` is set once the OpusHead is seen. */
  push(chunk: Buffer): Buffer[];
  readonly head: Buffer | null;
  state(): DemuxerState;
};

export function createOpusDemuxer(kind: DemuxerKind, resumeFrom?: DemuxerState): OpusDemuxer {
  const demuxer = (kind === 'ogg' ? new prism.opus.OggDemuxer() : new prism.opus.WebmDemuxer()) as unknown as PrismDemuxer;
  let packets: Buffer[] = [];
  let head: Buffer | null = resumeFrom?.head ? Buffer.from(resumeFrom.head, 'base64') : null;
  demuxer.push = (packet) => {
    packets.push(packet);
    return true;
  };
  demuxer.on('head', (h) => {
    head = Buffer.from(h);
  });
  if (resumeFrom) for (const [field, value] of Object.entries(resumeFrom.fields)) demuxer[field] = revive(value);

  return {
    push(chunk) {
      // prism drops its buffered bytes when it fails: keep them so a rejected chunk changes nothing.
      const before = STATE_FIELDS[kind].map((field) => [field, copyField(demuxer[field])] as const);
      let failure: Error | null | undefined;
      demuxer._transform(chunk, undefined, (error) => {
        failure = error;
      });
      const out = packets;
      packets = [];
      if (failure) {
        for (const [field, value] of before) demuxer[field] = value;
        const what = kind === 'ogg' ? 'Ogg/Opus' : 'WebM/Opus';
        throw new AppError('UNSUPPORTED_MEDIA', { message: `Invalid ${what} data: ${failure.message}`, cause: failure });
      }
      return out;
    },
    get head() {
      return head;
    },
    state() {
      const fields: Record<string, unknown> = {};
      for (const field of STATE_FIELDS[kind]) fields[field] = freeze(demuxer[field]);
      return { kind, fields, head: head ? head.toString('base64') : null };
    },
  };
}

function copyField(value: unknown): unknown {
  return value && typeof value === 'object' && !Buffer.isBuffer(value) ? { ...value } : value;
}

/** Buffers become {base64}; everything else in these fields is already plain JSON. */
function freeze(value: unknown): unknown {
  return Buffer.isBuffer(value) ? { base64: value.toString('base64') } : value;
}

function revive(value: unknown): unknown {
  if (value && typeof value === 'object' && 'base64' in value) return Buffer.from((value as { base64: string }).base64, 'base64');
  return value;
}
