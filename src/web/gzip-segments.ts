// A gzip body put together from pieces compressed at different times: most of them once, when a
// page is made, and a few small ones on each request. Deflate allows it: a raw deflate stream
// flushed with Z_SYNC_FLUSH ends on a byte boundary without a final block, so such streams
// concatenate into one valid stream; gzip wraps it in a 10-byte header and a CRC-32/length
// trailer. Node has no API for this, hence the hand-written parts below (the block formats are
// RFC 1951 §3.2.4, the gzip frame RFC 1952, the CRC combination zlib's crc32_combine).
//
// Why not compress each response: the signed-in article page with 300 comments is 140 KB, and
// compressing it took 3.3 ms with brotli 4 and 8 ms with gzip 6 (measured here, on a busy
// machine), more than the whole budget of a request at the 2,000+ req/s this page is meant to
// reach; joining these pieces costs a copy and a CRC combination per piece.
import { constants, crc32, deflateRawSync } from 'node:zlib';

/** Raw bytes, the deflate blocks that decode to them (byte-aligned, not final), and their CRC. */
export interface Piece {
  raw: Buffer;
  packed: Buffer;
  crc: number;
  /** The CRC operator for appending `raw.length` bytes (see crcAppend). */
  op: number;
}

/** The farthest a back-reference reaches, and so the longest useful dictionary. */
export const WINDOW = 32 * 1024;

/**
 * Compresses `raw` as blocks that can follow `dictionary` in a stream: references may reach back
 * into the dictionary, so the decoder must have produced exactly those bytes just before (where
 * it has not, the caller fills the dictionary with bytes `raw` never contains, so no reference
 * can land there). Synchronous on purpose: a page's ~150 pieces took 20–50 ms this way and
 * 160–720 ms as tasks on the thread pool (per-task set-up, on a loaded 2-core machine).
 */
export function deflatePiece(raw: Buffer, dictionary?: Buffer): Piece {
  const dict = dictionary && dictionary.length > WINDOW ? dictionary.subarray(dictionary.length - WINDOW) : dictionary;
  const packed = deflateRawSync(raw, {
    level: 9,
    memLevel: 9,
    finishFlush: constants.Z_SYNC_FLUSH,
    ...(dict && dict.length > 0 ? { dictionary: dict } : {}),
  });
  return { raw, packed, crc: crc32(raw), op: crcOperator(raw.length) };
}

/** `raw` as stored (uncompressed) blocks: for a small piece made per request, nothing to compute. */
export function storedPiece(raw: Buffer): Piece {
  return { raw, packed: storedBlocks(raw), crc: crc32(raw), op: crcOperator(raw.length) };
}

function storedBlocks(raw: Buffer): Buffer {
  const blocks: Buffer[] = [];
  for (let at = 0; at === 0 || at < raw.length; at += 0xffff) {
    const chunk = raw.subarray(at, at + 0xffff);
    const head = Buffer.alloc(5);
    // BFINAL 0, BTYPE 00, padded to the byte; then LEN and its complement, little-endian.
    head.writeUInt16LE(chunk.length, 1);
    head.writeUInt16LE(~chunk.length & 0xffff, 3);
    blocks.push(head, chunk);
  }
  return Buffer.concat(blocks);
}

// ---- A repeat as a back-reference: a fixed-Huffman block (RFC 1951 §3.2.6) ----

const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DISTANCE_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385,
  24577,
];
const DISTANCE_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];

/** Deflate's bit order: values least significant bit first, Huffman codes most significant first. */
class BitWriter {
  private readonly bytes: number[] = [];
  private bits = 0;
  private count = 0;
  value(v: number, n: number): void {
    this.bits |= v << this.count;
    this.count += n;
    while (this.count >= 8) {
      this.bytes.push(this.bits & 0xff);
      this.bits >>>= 8;
      this.count -= 8;
    }
  }
  code(c: number, n: number): void {
    for (let i = n - 1; i >= 0; i--) this.value((c >> i) & 1, 1);
  }
  /** Pads to the byte with an empty stored block, so the next piece starts on a byte. */
  align(): Buffer {
    this.value(0, 3);
    if (this.count > 0) this.value(0, 8 - this.count);
    this.bytes.push(0, 0, 0xff, 0xff);
    return Buffer.from(this.bytes);
  }
}

const lastIndexAtMost = (table: number[], v: number) => {
  let i = table.length - 1;
  while (table[i]! > v) i--;
  return i;
};

/**
 * The same bytes as `piece`, told as "repeat what came `distance` bytes earlier": a few bytes
 * instead of the piece itself. The caller guarantees those bytes are there (1 ≤ distance ≤ WINDOW).
 */
export function repeatPiece(piece: Piece, distance: number): Piece {
  const out = new BitWriter();
  out.value(0, 1); // not the final block
  out.value(1, 2); // fixed Huffman codes
  for (let left = piece.raw.length; left > 0; ) {
    // A length of 1 or 2 cannot be a match: leave 3 for the last one.
    const length = left <= 258 ? left : left - 258 < 3 ? left - 3 : 258;
    const l = lastIndexAtMost(LENGTH_BASE, length);
    const symbol = 257 + l;
    if (symbol <= 279) out.code(symbol - 256, 7);
    else out.code(0xc0 + symbol - 280, 8);
    out.value(length - LENGTH_BASE[l]!, LENGTH_EXTRA[l]!);
    const d = lastIndexAtMost(DISTANCE_BASE, distance);
    out.code(d, 5);
    out.value(distance - DISTANCE_BASE[d]!, DISTANCE_EXTRA[d]!);
    left -= length;
  }
  out.code(0, 7); // end of block
  return { ...piece, packed: out.align() };
}

const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
/** An empty stored block with BFINAL set: ends the deflate stream. */
const FINAL_BLOCK = Buffer.from([0x01, 0x00, 0x00, 0xff, 0xff]);

/** One gzip member holding the pieces in order: decompresses to their raw bytes concatenated. */
export function gzipOf(pieces: readonly Piece[]): Buffer {
  const out: Buffer[] = [GZIP_HEADER];
  let crc = 0;
  let length = 0;
  for (const piece of pieces) {
    out.push(piece.packed);
    crc = crcAppend(crc, piece.crc, piece.op);
    length += piece.raw.length;
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(length >>> 0, 4);
  out.push(FINAL_BLOCK, trailer);
  return Buffer.concat(out);
}

/** The pieces' raw bytes, for a client that takes no compression. */
export function rawOf(pieces: readonly Piece[]): Buffer {
  return Buffer.concat(pieces.map((p) => p.raw));
}

// ---- CRC-32 of a concatenation from the pieces' CRCs (zlib's crc32_combine, its x2nmodp form) ----
// Computing the CRC of the whole page per request would read all of it (110 µs for 140 KB here);
// combining costs 32 shifts per piece.

const POLY = 0xedb88320 | 0;

/**
 * a·b modulo the CRC polynomial, bits reflected (zlib's multmodp), in int32 arithmetic so it
 * stays on V8's fast path: a's bits from the top, b multiplied by x at each step.
 */
function multiplyModP(a: number, b: number): number {
  let p = 0;
  let x = a | 0;
  let y = b | 0;
  while (x !== 0) {
    p ^= y & (x >> 31);
    x <<= 1;
    y = (y >>> 1) ^ (POLY & -(y & 1));
  }
  return p >>> 0;
}

/** x^(2^k) modulo the polynomial, k = 0..31. */
const X2N: number[] = (() => {
  const table: number[] = [];
  let p = 0x40000000; // x^1
  table.push(p);
  for (let n = 1; n < 32; n++) {
    p = multiplyModP(p, p);
    table.push(p);
  }
  return table;
})();

/** The operator that appends `bytes` bytes to a CRC: x^(8·bytes) modulo the polynomial. */
export function crcOperator(bytes: number): number {
  let p = 0x80000000; // x^0
  let k = 3;
  for (let n = bytes; n > 0; n = Math.floor(n / 2), k++) {
    if (n & 1) p = multiplyModP(X2N[k & 31]!, p);
  }
  return p;
}

/** The CRC of A followed by B, from CRC(A), CRC(B) and B's operator. */
export function crcAppend(crcA: number, crcB: number, opB: number): number {
  return (multiplyModP(opB, crcA) ^ crcB) >>> 0;
}
