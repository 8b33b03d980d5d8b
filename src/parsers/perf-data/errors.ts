/**
 * The only errors the perf.data reader throws on bad input. Every message names the file, the byte offset and
 * what was wrong, so a user can hexdump the spot; `kind` lets callers tell a damaged file from a foreign one.
 * A file that merely ends early is not an error: the reader yields what is complete and reports the loss.
 */
export type PerfDataErrorKind =
  /** Not a perf.data file (or perf's old v1 format). */
  | 'bad-magic'
  /** The file header's sizes or offsets cannot be right. */
  | 'bad-header'
  /** An attr slot size, or an attr's own size, that no perf writes. */
  | 'bad-attr'
  /** A record whose size is 0, below its header, or runs past the end of the data section. */
  | 'bad-record'
  /** A SAMPLE whose fields, as its attr's sample_type says, do not fit in the record. */
  | 'bad-sample'
  /** The zstd stream inside COMPRESSED records does not decode. */
  | 'bad-compressed'
  /** The file ends before its header and attrs do: there is nothing that could be decoded. */
  | 'truncated-header';

export class PerfDataError extends Error {
  override readonly name = 'PerfDataError';
  constructor(
    readonly kind: PerfDataErrorKind,
    readonly path: string,
    readonly offset: number,
    readonly detail: string,
  ) {
    super(`${path}: byte ${offset}: ${detail}`);
  }
}
