// Draws the app icons as PNGs (no image tools needed): node scripts/icons.mjs
import { deflateSync } from 'node:zlib';
import { mkdirSync, writeFileSync } from 'node:fs';

const BLUE = [11, 61, 145], WHITE = [255, 255, 255], YELLOW = [255, 204, 0];

function crc32(buf) {
  let c, crc = 0xffffffff;
  for (const b of buf) {
    c = (crc ^ b) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

function png(size, pad) {
  const rows = [];
  const inner = size * (1 - 2 * pad);
  const x0 = size * pad, y0 = size * pad;
  for (let y = 0; y < size; y++) {
    const row = [0];
    for (let x = 0; x < size; x++) {
      const u = (x - x0) / inner, v = (y - y0) / inner; // 0..1 inside the safe zone
      let c = BLUE;
      const inBook = u > 0.2 && u < 0.8 && v > 0.18 && v < 0.82;
      if (inBook) {
        c = WHITE;
        if (Math.abs(u - 0.5) < 0.02) c = BLUE; // spine
        const line = (v - 0.3) / 0.1;
        if (v > 0.28 && v < 0.72 && Math.abs(line - Math.round(line)) < 0.12 && Math.abs(u - 0.5) > 0.07 && u > 0.27 && u < 0.73) c = BLUE;
      }
      if (u > 0.6 && u < 0.7 && v > 0.12 && v < 0.34) c = YELLOW; // bookmark
      row.push(...c);
    }
    rows.push(Buffer.from(row));
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0); ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; ihdr[9] = 2; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

mkdirSync('public/icons', { recursive: true });
writeFileSync('public/icons/icon-192.png', png(192, 0));
writeFileSync('public/icons/icon-512.png', png(512, 0));
writeFileSync('public/icons/icon-maskable-512.png', png(512, 0.1));
writeFileSync('public/icons/apple-touch-icon.png', png(180, 0.05));
