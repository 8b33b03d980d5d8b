/**
 * Reading text profiles without holding more of them than needed. `textChunks` streams a file as UTF-8 text in
 * pieces (a multi-byte character cut between two reads is decoded whole), for the formats whose parser is fed in
 * pieces (perf script). `readTextCapped` reads a file whole for the parsers that need the whole text (annotate,
 * report, cachegrind: outputs that are small for real programs), refusing sizes that would not fit in memory
 * rather than failing inside V8 with "Invalid string length" or "File size is greater than 2 GiB", which name no
 * file. Every error is a ProfileFormatError naming the file.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { ProfileFormatError } from './errors';

/** Bytes per read: large enough for speed, small beside the 400 MB a load may use. */
export const TEXT_CHUNK_BYTES = 4 << 20;
/** Text formats read whole are refused above this (they take about twice their size in memory once parsed). */
export const MAX_WHOLE_TEXT_BYTES = 192 << 20;

async function openText(path: string): Promise<FileHandle> {
  return open(path, 'r').catch((e: NodeJS.ErrnoException) => {
    throw new ProfileFormatError(
      path,
      undefined,
      e.code === 'ENOENT'
        ? 'no such file'
        : e.code === 'EISDIR'
          ? 'is a directory, not a profile'
          : `cannot be read (${e.code ?? e.message})`,
    );
  });
}

export async function* textChunks(
  path: string,
  opts: { chunkBytes?: number; signal?: AbortSignal } = {},
): AsyncGenerator<string, void, undefined> {
  const fh = await openText(path);
  try {
    const buf = Buffer.allocUnsafe(opts.chunkBytes ?? TEXT_CHUNK_BYTES);
    const decoder = new StringDecoder('utf8');
    for (let pos = 0; ;) {
      opts.signal?.throwIfAborted();
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos).catch((e: NodeJS.ErrnoException) => {
        throw new ProfileFormatError(path, { offset: pos }, `cannot be read (${e.code ?? e.message})`);
      });
      if (bytesRead === 0) break;
      pos += bytesRead;
      const text = decoder.write(buf.subarray(0, bytesRead));
      if (text) yield text;
    }
    const tail = decoder.end();
    if (tail) yield tail;
  } finally {
    await fh.close();
  }
}

export async function readTextCapped(path: string, what: string, cap = MAX_WHOLE_TEXT_BYTES): Promise<string> {
  const fh = await openText(path);
  let size: number;
  try {
    size = (await fh.stat()).size;
  } finally {
    await fh.close();
  }
  if (size > cap) {
    const mb = (n: number) => (n >= 1 << 20 ? `${Math.round(n / (1 << 20))} MB` : `${n} bytes`);
    throw new ProfileFormatError(
      path,
      undefined,
      `${mb(size)} of ${what}: this format is read whole, and files above ${mb(cap)} are refused; load the perf.data itself, or perf script output, which is streamed`,
    );
  }
  const parts: string[] = [];
  for await (const t of textChunks(path)) parts.push(t);
  return parts.join('');
}
