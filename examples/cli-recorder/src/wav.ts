// Finds where the samples of a PCM WAV file start, so the file streams live as raw PCM
// (/ws/record takes pcm_s16le_<rate>_<mono|stereo>, webm and ogg; WAV goes by its samples).
import fs from 'node:fs/promises';

export type WavLayout = { format: string; dataOffset: number; dataBytes: number };

export async function readWavLayout(file: string): Promise<WavLayout> {
  const handle = await fs.open(file, 'r');
  try {
    const header = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(header, 0, header.length, 0);
    const bytes = header.subarray(0, bytesRead);
    if (bytes.toString('ascii', 0, 4) !== 'RIFF' || bytes.toString('ascii', 8, 12) !== 'WAVE') throw new Error(`${file} is not a WAV file`);
    let offset = 12;
    let sampleRate = 0;
    let channels = 0;
    while (offset + 8 <= bytes.length) {
      const id = bytes.toString('ascii', offset, offset + 4);
      const size = bytes.readUInt32LE(offset + 4);
      if (id === 'fmt ') {
        const audioFormat = bytes.readUInt16LE(offset + 8);
        channels = bytes.readUInt16LE(offset + 10);
        sampleRate = bytes.readUInt32LE(offset + 12);
        const bits = bytes.readUInt16LE(offset + 22);
        if ((audioFormat !== 1 && audioFormat !== 0xfffe) || bits !== 16 || channels > 2) {
          throw new Error(`${file}: only 16-bit PCM WAV in mono or stereo streams live; convert it (sox in.wav -b 16 out.wav)`);
        }
      } else if (id === 'data') {
        if (!sampleRate) break;
        return { format: `pcm_s16le_${sampleRate}_${channels === 2 ? 'stereo' : 'mono'}`, dataOffset: offset + 8, dataBytes: size };
      }
      offset += 8 + size + (size % 2);
    }
    throw new Error(`${file}: no audio data found in the WAV header`);
  } finally {
    await handle.close();
  }
}
