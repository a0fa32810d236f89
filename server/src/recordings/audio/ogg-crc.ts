// The CRC-32 of Ogg pages (RFC 3533 §6): polynomial 0x04C11DB7, initial value 0, no bit
// reflection and no final XOR — not the zlib CRC-32, which is why node:zlib's crc32 can't be used.

const TABLE = buildTable();

function buildTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let bit = 0; bit < 8; bit++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
}

export function computeOggCrc(bytes: Uint8Array, initial = 0): number {
  let crc = initial;
  for (let i = 0; i < bytes.length; i++) crc = ((crc << 8) ^ TABLE[((crc >>> 24) ^ bytes[i]!) & 0xff]!) >>> 0;
  return crc >>> 0;
}
