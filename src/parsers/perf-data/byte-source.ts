/**
 * Where perf.data bytes come from: a file, or memory. The reader only ever asks for a range at an offset, as
 * quipper's DataReader does, so the fuzz tier can feed it thousands of mutated files without writing one to disk
 * and a caller holding a buffer (a test, a network stream already received) need not spill it to a temp file.
 */
import { open } from 'node:fs/promises';

export interface ByteSource {
  /** The size the reader may read up to (a file's size when it was opened). */
  readonly size: number;
  /** Reads up to `length` bytes at `position` into `into[at…]`; returns how many were read (0 at the end). */
  read(into: Buffer, at: number, length: number, position: number): Promise<number>;
  close(): Promise<void>;
}

/** Opens a fresh source for each pass over the data (the header pass, then each `batches()` walk). */
export type ByteSourceOpener = () => Promise<ByteSource>;

export function fileSource(path: string): ByteSourceOpener {
  return async () => {
    const fh = await open(path, 'r');
    try {
      const size = (await fh.stat()).size;
      return {
        size,
        read: async (into, at, length, position) => (await fh.read(into, at, length, position)).bytesRead,
        close: () => fh.close(),
      };
    } catch (e) {
      await fh.close();
      throw e;
    }
  };
}

export function memorySource(bytes: Uint8Array): ByteSourceOpener {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const source: ByteSource = {
    size: data.length,
    read: async (into, at, length, position) => {
      if (position >= data.length) return 0;
      return data.copy(into, at, position, Math.min(data.length, position + length));
    },
    close: async () => {},
  };
  return async () => source;
}
