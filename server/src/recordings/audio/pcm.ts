// Raw PCM handling between the wire and the Opus encoder: s16le bytes → mono samples (any
// chunking, odd byte counts included), a streaming rational resampler with a windowed-sinc
// low-pass, and fixed-size framing. Every stage carries only a small, serializable remainder.

/** Turns interleaved s16le bytes into mono samples, keeping an incomplete sample frame for later. */
export function createPcmReader(channels: number, leftover: Buffer = Buffer.alloc(0)) {
  const frameBytes = 2 * channels;
  let carry = leftover;
  return {
    read(chunk: Buffer): Int16Array {
      const bytes = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      const usable = bytes.length - (bytes.length % frameBytes);
      carry = Buffer.from(bytes.subarray(usable));
      return downmixToMono(toInt16(bytes.subarray(0, usable)), channels);
    },
    leftover: () => carry,
  };
}

/** A view (or an aligned copy) of s16le bytes as samples; assumes a little-endian host (x64, arm64). */
export function toInt16(bytes: Buffer): Int16Array {
  if (bytes.byteOffset % 2 === 0) return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length >> 1);
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return new Int16Array(copy.buffer, 0, bytes.length >> 1);
}

export function int16ToBuffer(samples: Int16Array): Buffer {
  return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
}

/** Averages the channels of interleaved samples. */
export function downmixToMono(interleaved: Int16Array, channels: number): Int16Array {
  if (channels === 1) return interleaved;
  const frames = Math.floor(interleaved.length / channels);
  const out = new Int16Array(frames);
  for (let f = 0, i = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += interleaved[i++]!;
    out[f] = Math.round(sum / channels);
  }
  return out;
}

export type ResamplerState = { phase: number; offset: number; history: string };

export type Resampler = {
  /** Resamples the next chunk; output lags the input by the filter's half-width. */
  process(input: Int16Array): Int16Array;
  /** Flushes the tail (zero-padded): call once at the end of the stream. */
  end(): Int16Array;
  state(): ResamplerState;
};

/** Zero crossings of the sinc on each side: 16 gives > 60 dB stop-band with the Blackman window. */
const ZERO_CROSSINGS = 16;
/** Pass-band edge as a fraction of the lower Nyquist rate: leaves room for the transition band. */
const ROLLOFF = 0.9;

/**
 * Rational polyphase resampler (out/in = L/M). Output sample n sits at input time n·M/L; its
 * value is the input convolved with a Blackman-windowed sinc whose cutoff is below both Nyquist
 * rates, so 48 kHz → 16 kHz loses nothing audible and aliases nothing.
 */
export function createResampler(inRate: number, outRate: number, resumeFrom?: ResamplerState): Resampler {
  if (inRate === outRate) {
    return { process: (input) => input, end: () => new Int16Array(0), state: () => ({ phase: 0, offset: 0, history: '' }) };
  }
  const g = gcd(inRate, outRate);
  const L = outRate / g;
  const M = inRate / g;
  const cutoff = (Math.min(inRate, outRate) / inRate) * ROLLOFF; // cycles per input sample × 2
  const halfWidth = Math.ceil(ZERO_CROSSINGS / cutoff);
  const taps = 2 * halfWidth;
  const table = new Float32Array(L * taps);
  for (let p = 0; p < L; p++) {
    const frac = p / L;
    for (let k = 0; k < taps; k++) {
      const t = frac - (k - halfWidth + 1); // distance from input sample j = i - halfWidth + 1 + k
      const x = t * cutoff;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const w = t / halfWidth; // -1..1
      const window = Math.abs(w) >= 1 ? 0 : 0.42 + 0.5 * Math.cos(Math.PI * w) + 0.08 * Math.cos(2 * Math.PI * w);
      table[p * taps + k] = cutoff * sinc * window;
    }
  }

  // history[0] is input index `base`; `offset` is the index (relative to base) of the next output's i.
  let history = new Float32Array(0);
  let phase = 0;
  let offset = halfWidth - 1; // starts with halfWidth - 1 zeros of history before the first sample
  if (resumeFrom) {
    const restored = toInt16(Buffer.from(resumeFrom.history, 'base64'));
    history = Float32Array.from(restored);
    phase = resumeFrom.phase;
    offset = resumeFrom.offset;
  } else {
    history = new Float32Array(halfWidth - 1);
  }

  function run(input: Int16Array): Int16Array {
    const buf = new Float32Array(history.length + input.length);
    buf.set(history);
    buf.set(input, history.length);
    const capacity = Math.ceil(((buf.length - offset) * L) / M) + 1;
    const out = new Int16Array(Math.max(0, capacity));
    let n = 0;
    let i = offset;
    // Output at input time i + phase/L needs inputs i - halfWidth + 1 .. i + halfWidth.
    while (i + halfWidth < buf.length) {
      const row = phase * taps;
      const start = i - halfWidth + 1;
      let acc = 0;
      for (let k = 0; k < taps; k++) acc += buf[start + k]! * table[row + k]!;
      out[n++] = acc > 32767 ? 32767 : acc < -32768 ? -32768 : Math.round(acc);
      phase += M;
      while (phase >= L) {
        phase -= L;
        i++;
      }
    }
    const keepFrom = Math.min(i - halfWidth + 1, buf.length);
    history = buf.slice(keepFrom);
    offset = i - keepFrom;
    return out.subarray(0, n);
  }

  return {
    process: run,
    end() {
      const owed = pendingOutputs();
      return run(new Int16Array(halfWidth + 1)).subarray(0, Math.max(0, owed));
    },
    state: () => ({ phase, offset, history: int16ToBuffer(Int16Array.from(history, Math.round)).toString('base64') }),
  };

  /** Outputs still owed for real input: positions before the end of the input received. */
  function pendingOutputs(): number {
    const realSamples = history.length - offset; // input samples at or after i
    return Math.ceil((realSamples * L - phase) / M);
  }
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Cuts a sample stream into frames of exactly `size` samples; keeps the rest for the next call. */
export function createFramer(size: number, remainder: Int16Array = new Int16Array(0)) {
  let rest = remainder;
  return {
    push(samples: Int16Array): Int16Array[] {
      const all = rest.length > 0 ? concatInt16(rest, samples) : samples;
      const frames: Int16Array[] = [];
      let at = 0;
      for (; at + size <= all.length; at += size) frames.push(all.subarray(at, at + size));
      rest = all.slice(at);
      return frames;
    },
    remainder: () => rest,
  };
}

export function concatInt16(a: Int16Array, b: Int16Array): Int16Array {
  const out = new Int16Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
