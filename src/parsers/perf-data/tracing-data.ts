/**
 * perf's tracing data (HEADER_TRACING_DATA: the file-mode feature section, or the payload after pipe mode's
 * PERF_RECORD_HEADER_TRACING_DATA record), read only as far as the event format files, for one thing: the
 * tracepoint id → `system:name` map. An old pipe-mode file names its tracepoint events nowhere else (no
 * EVENT_DESC, no EVENT_UPDATE), and perf then names them from here (`sched:sched_switch`).
 *
 * Layout (perf's trace-event-read.c, trace_report): the bytes 23 8 68, `tracing`, a NUL-terminated version, one
 * byte big-endian flag, one byte sizeof(long), u32 page size; `header_page\0` + u64 size + bytes; `header_event\0`
 * + u64 size + bytes; u32 count of ftrace format files, each u64 size + text (system `ftrace`); u32 count of
 * systems, each a NUL-terminated system name, u32 count of format files, each u64 size + text. After that come
 * kallsyms, printk formats and saved cmdlines, which names do not need. A format file's text has `name: X` and
 * `ID: N` lines. Numbers are in the byte order the data's own flag gives.
 *
 * Hostile input: every size is checked against the bytes that remain, every count is bounded by what those bytes
 * could hold; a damaged or cut part ends the reading with the names found so far and a one-line reason.
 */

export interface TracingNames {
  /** Tracepoint id (the attr's config) → `system:name`. */
  events: Map<number, string>;
  /** Why reading stopped before the event format files ended, if it did. */
  problem?: string;
}

const MAGIC = [23, 8, 68];

class Cut extends Error {}

export function parseTracingData(buf: Uint8Array): TracingNames {
  const events = new Map<number, string>();
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let p = 0;
  let be = false;
  const need = (n: number, what: string): void => {
    if (n > b.length - p) throw new Cut(`${what} needs ${n} bytes at offset ${p}, ${b.length - p} left`);
  };
  const u8 = (what: string): number => {
    need(1, what);
    return b[p++]!;
  };
  const u32 = (what: string): number => {
    need(4, what);
    const v = be ? b.readUInt32BE(p) : b.readUInt32LE(p);
    p += 4;
    return v;
  };
  const u64 = (what: string): number => {
    need(8, what);
    const hi = be ? b.readUInt32BE(p) : b.readUInt32LE(p + 4);
    const lo = be ? b.readUInt32BE(p + 4) : b.readUInt32LE(p);
    p += 8;
    // A size above what remains is caught by the caller's need(); one above 2^32 cannot be in a buffer at all.
    return hi ? Infinity : lo;
  };
  const cstr = (what: string): string => {
    const end = b.indexOf(0, p);
    if (end < 0) throw new Cut(`${what} at offset ${p} has no terminating NUL`);
    const s = b.toString('latin1', p, end);
    p = end + 1;
    return s;
  };
  const tag = (text: string): void => {
    need(text.length + 1, `the "${text}" tag`);
    if (b.toString('latin1', p, p + text.length) !== text || b[p + text.length] !== 0)
      throw new Cut(`no "${text}" tag at offset ${p}`);
    p += text.length + 1;
  };
  const sized = (what: string): Buffer => {
    const size = u64(`${what}'s size`);
    if (size > b.length - p) throw new Cut(`${what} of ${size} bytes at offset ${p}, ${b.length - p} left`);
    const s = b.subarray(p, p + size);
    p += size;
    return s;
  };
  /** A count of entries each at least `min` bytes long: more than the remaining bytes can hold is damage. */
  const count = (what: string, min: number): number => {
    const n = u32(what);
    if (n > (b.length - p) / min)
      throw new Cut(`${what} ${n} at offset ${p - 4}: more than the ${b.length - p} bytes left can hold`);
    return n;
  };
  const format = (system: string, text: Buffer): void => {
    const s = text.toString('latin1');
    const name = /^name:\s*(\S+)/m.exec(s)?.[1];
    const id = /^ID:\s*(\d+)/m.exec(s)?.[1];
    if (name && id !== undefined && Number.isSafeInteger(Number(id))) events.set(Number(id), `${system}:${name}`);
  };
  try {
    need(MAGIC.length + 7, 'the tracing data magic');
    if (MAGIC.some((m, i) => b[i] !== m) || b.toString('latin1', 3, 10) !== 'tracing')
      return { events, problem: 'no tracing data magic (23 8 68 "tracing")' };
    p = 10;
    cstr('the version');
    be = u8('the byte-order flag') !== 0;
    u8('the long size');
    u32('the page size');
    tag('header_page');
    sized('header_page');
    tag('header_event');
    sized('header_event');
    for (let i = 0, n = count('the ftrace file count', 8); i < n; i++) format('ftrace', sized('an ftrace format file'));
    for (let s = 0, systems = count('the system count', 5); s < systems; s++) {
      const system = cstr('a system name');
      for (let i = 0, n = count(`${system}'s format file count`, 8); i < n; i++)
        format(system, sized(`a ${system} format file`));
    }
    return { events };
  } catch (e) {
    if (e instanceof Cut) return { events, problem: e.message };
    throw e;
  }
}
