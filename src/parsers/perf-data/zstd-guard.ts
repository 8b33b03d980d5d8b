/**
 * Walks the frame and block structure of a zstd stream ahead of the decoder, without decoding anything.
 *
 * fzstd allocates the window a frame header asks for (up to 2 GiB) before it decodes a byte; a damaged
 * COMPRESSED record could make it do that. Block and frame sizes are readable without decoding, so this guard
 * sees every frame header first and refuses a window above libzstd's default decoder limit (2^27, the one perf
 * itself decodes with) or a block above zstd's 128 KiB maximum.
 */
export const MAX_WINDOW = 1 << 27;
const MAX_BLOCK = 128 * 1024;

/**
 * fzstd shifts its whole window buffer after every block (a copyWithin of `window` bytes): 15 ms per block for a
 * 2^27-byte window, so a damaged frame header asking for one turned the following few thousand tiny blocks into
 * 70 s of CPU. That work is charged here, per block, before fzstd does it, and a stream whose copying outgrows its
 * output by far is refused. The free allowance (8 GiB of copying, about a second) covers every real recording:
 * perf's default level uses a 512 KiB window, 16,384 blocks of it before the output ratio applies at all.
 */
export const FREE_WINDOW_WORK = 2 ** 33;
/** Copying allowed per byte of output beyond the free allowance (512 KiB windows over 512-byte blocks). */
export const WORK_PER_OUTPUT_BYTE = 1024;

export class ZstdGuard {
  private state: 'header' | 'block' | 'body' | 'skip' = 'header';
  /** Bytes left in the current block body, skippable frame or checksum. */
  private need = 0;
  private lastBlock = false;
  private checksum = false;
  private header: number[] = [];
  /** The current frame's window, and the window copying fzstd has been charged for so far. */
  private window = 0;
  private work = 0;
  /** Bytes the decoder has produced (told by the caller), which the copying is weighed against. */
  output = 0;

  /** Throws an Error saying what is wrong when `data` continues the stream in a way no valid stream does. */
  feed(data: Uint8Array): void {
    let i = 0;
    while (i < data.length) {
      if (this.state === 'body' || this.state === 'skip') {
        const n = Math.min(this.need, data.length - i);
        i += n;
        this.need -= n;
        if (this.need === 0) this.finish();
        continue;
      }
      this.header.push(data[i++]!);
      if (this.state === 'block') this.blockHeader();
      else this.frameHeader();
    }
  }

  private blockHeader(): void {
    const h = this.header;
    if (h.length < 3) return;
    const v = h[0]! | (h[1]! << 8) | (h[2]! << 16);
    this.header = [];
    this.lastBlock = (v & 1) === 1;
    const type = (v >> 1) & 3;
    const size = v >>> 3;
    if (type === 3) throw new Error('zstd block of reserved type 3');
    if (size > MAX_BLOCK) throw new Error(`zstd block of ${size} bytes, above the 128 KiB maximum`);
    this.work += this.window;
    if (this.work > FREE_WINDOW_WORK && this.work > WORK_PER_OUTPUT_BYTE * this.output) {
      throw new Error(
        `zstd blocks in a ${this.window}-byte window would cost the decoder ${this.work} bytes of copying for ${this.output} bytes of output (a damaged frame header?)`,
      );
    }
    this.state = 'body';
    // An RLE block stores one byte that is repeated `size` times.
    this.need = type === 1 ? 1 : size;
    if (this.need === 0) this.finish();
  }

  /** A block body, a skippable frame or a checksum has been passed: what comes next. */
  private finish(): void {
    if (this.state === 'skip') this.state = 'header';
    else if (!this.lastBlock) this.state = 'block';
    else if (this.checksum) {
      this.state = 'skip';
      this.need = 4;
      this.checksum = false;
    } else this.state = 'header';
  }

  private frameHeader(): void {
    const h = this.header;
    if (h.length < 5) return;
    const magic = (h[0]! | (h[1]! << 8) | (h[2]! << 16) | (h[3]! << 24)) >>> 0;
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      // Skippable frame: u32 magic, u32 size, then size bytes.
      if (h.length < 8) return;
      this.need = (h[4]! | (h[5]! << 8) | (h[6]! << 16) | (h[7]! << 24)) >>> 0;
      this.header = [];
      this.state = 'skip';
      if (this.need === 0) this.finish();
      return;
    }
    if (magic !== 0xfd2fb528) throw new Error(`not a zstd frame (magic 0x${magic.toString(16)})`);
    const fhd = h[4]!;
    const single = (fhd & 0x20) !== 0;
    const fcsFlag = fhd >> 6;
    const fcsSize = fcsFlag === 0 ? (single ? 1 : 0) : 1 << fcsFlag;
    const didSize = [0, 1, 2, 4][fhd & 3]!;
    if (fhd & 0x08) throw new Error('zstd frame header with the reserved bit set');
    const total = 5 + (single ? 0 : 1) + didSize + fcsSize;
    if (h.length < total) return;
    let window: number;
    if (single) {
      let fcs = 0;
      for (let k = fcsSize - 1; k >= 0; k--) fcs = fcs * 256 + h[total - fcsSize + k]!;
      window = fcsFlag === 1 ? fcs + 256 : fcs;
    } else {
      const wd = h[5]!;
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 7);
    }
    if (window > MAX_WINDOW)
      throw new Error(`zstd frame asks for a ${window}-byte window, above the ${MAX_WINDOW} limit`);
    this.window = window;
    this.checksum = (fhd & 0x04) !== 0;
    this.header = [];
    this.state = 'block';
  }
}
