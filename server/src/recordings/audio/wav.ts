// Streaming RIFF/WAVE reader: finds the fmt and data chunks without buffering the file and
// turns PCM 8/16/24/32-bit integer or 32/64-bit float samples into s16le, channels interleaved.
import { AppError } from '../../errors';

export type WavFormat = { sampleRate: number; channels: number; bitsPerSample: number; encoding: 'int' | 'float' };

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_FLOAT = 3;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** A header bigger than this is not a recording we want (metadata chunks are small). */
const MAX_HEADER_BYTES = 1 << 20;

function unsupported(message: string): AppError {
  return new AppError('UNSUPPORTED_MEDIA', { message });
}

export type WavReader = {
  /** Returns the s16le samples in this chunk (empty while still in the header). */
  read(chunk: Buffer): Buffer;
  readonly format: WavFormat | null;
};

export function createWavReader(): WavReader {
  let header: Buffer = Buffer.alloc(0);
  let format: WavFormat | null = null;
  let inData = false;
  let dataLeft = Infinity;
  let carry: Buffer = Buffer.alloc(0);

  function parseHeader(): Buffer | null {
    if (header.length < 12) return null;
    if (header.toString('latin1', 0, 4) !== 'RIFF' || header.toString('latin1', 8, 12) !== 'WAVE') {
      throw unsupported('Not a RIFF/WAVE file');
    }
    let at = 12;
    while (at + 8 <= header.length) {
      const id = header.toString('latin1', at, at + 4);
      const size = header.readUInt32LE(at + 4);
      if (id === 'data') {
        if (!format) throw unsupported('WAV file has no fmt chunk before its data');
        inData = true;
        // 0 and 0xFFFFFFFF mean "unknown length" in WAVs written to a pipe.
        dataLeft = size === 0 || size === 0xffffffff ? Infinity : size;
        return header.subarray(at + 8);
      }
      const end = at + 8 + size + (size % 2); // chunks are padded to even sizes
      if (end > header.length) break;
      if (id === 'fmt ') format = parseFmt(header.subarray(at + 8, at + 8 + size));
      at = end;
    }
    if (header.length > MAX_HEADER_BYTES) throw unsupported('WAV header too large or no data chunk');
    return null;
  }

  return {
    read(chunk) {
      let body = chunk;
      if (!inData) {
        header = Buffer.concat([header, chunk]);
        const rest = parseHeader();
        if (rest === null) return Buffer.alloc(0);
        header = Buffer.alloc(0);
        body = rest;
      }
      if (dataLeft !== Infinity) {
        body = body.subarray(0, Math.min(body.length, dataLeft));
        dataLeft -= body.length;
      }
      const bytes = carry.length > 0 ? Buffer.concat([carry, body]) : body;
      const sampleBytes = format!.bitsPerSample / 8;
      const usable = bytes.length - (bytes.length % sampleBytes);
      carry = Buffer.from(bytes.subarray(usable));
      return convertToS16(bytes.subarray(0, usable), format!);
    },
    get format() {
      return format;
    },
  };
}

function parseFmt(fmt: Buffer): WavFormat {
  if (fmt.length < 16) throw unsupported('WAV fmt chunk is too short');
  let tag = fmt.readUInt16LE(0);
  const channels = fmt.readUInt16LE(2);
  const sampleRate = fmt.readUInt32LE(4);
  const bitsPerSample = fmt.readUInt16LE(14);
  if (tag === WAVE_FORMAT_EXTENSIBLE && fmt.length >= 26) tag = fmt.readUInt16LE(24); // SubFormat GUID's first field
  const encoding = tag === WAVE_FORMAT_PCM ? 'int' : tag === WAVE_FORMAT_FLOAT ? 'float' : null;
  if (!encoding) throw unsupported(`WAV encoding ${tag} is not supported (use PCM integer or float)`);
  const validBits = encoding === 'int' ? [8, 16, 24, 32] : [32, 64];
  if (!validBits.includes(bitsPerSample)) throw unsupported(`WAV with ${bitsPerSample}-bit ${encoding} samples is not supported`);
  if (channels < 1 || channels > 8) throw unsupported(`WAV with ${channels} channels is not supported`);
  if (sampleRate < 8000 || sampleRate > 192000) throw unsupported(`WAV sample rate ${sampleRate} Hz is not supported`);
  return { sampleRate, channels, bitsPerSample, encoding };
}

function convertToS16(bytes: Buffer, format: WavFormat): Buffer {
  if (format.encoding === 'int' && format.bitsPerSample === 16) return bytes;
  const step = format.bitsPerSample / 8;
  const count = bytes.length / step;
  const out = Buffer.alloc(count * 2);
  for (let n = 0, at = 0; n < count; n++, at += step) {
    let value: number;
    if (format.encoding === 'float') {
      const f = step === 4 ? bytes.readFloatLE(at) : bytes.readDoubleLE(at);
      value = Math.round(Math.max(-1, Math.min(1, f)) * 32767);
    } else if (step === 1) value = (bytes[at]! - 128) << 8; // 8-bit WAV is unsigned
    else if (step === 3) value = bytes.readIntLE(at, 3) >> 8;
    else value = bytes.readInt32LE(at) >> 16;
    out.writeInt16LE(value, n * 2);
  }
  return out;
}
