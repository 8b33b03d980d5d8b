/**
 * Generators for the memory benchmark (and the tests that bound memory): big inputs written straight to a file in
 * pieces, never built in memory. Both are shapes perf itself writes:
 * - perf script text with callchains and srclines (`perf script -F comm,tid,time,event,period,ip,sym,dso,srcline`
 *   over a `-g` recording), over a few hundred distinct leaf addresses of one binary (memory is bounded by distinct
 *   chains, as perf's own callchain tree is, so the generator keeps their number fixed);
 * - a pipe-mode perf.data (`perf record -o -`) with no FINISHED_ROUND records, two CPUs' records interleaved out of
 *   time order, as `perf inject` output or a pipe recording without rounds is.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { RecordType as T, SampleType as S } from '../../src/parsers/perf-data/constants';
import { ByteSink, writeAttr, writeMmap, writeRecord, writeSample } from '../../src/parsers/perf-data/testing/writer';

const FLUSH = 8 << 20;

/** Writes about `bytes` of perf script text; returns the number of samples written (each weighs period 250000). */
export function writePerfScriptText(path: string, bytes: number): { samples: number; bytes: number } {
  const fd = openSync(path, 'w');
  let written = 0;
  let samples = 0;
  let piece = '';
  try {
    for (let i = 0; written + piece.length < bytes; i++) {
      const t = (1000 + i / 4000).toFixed(6);
      // A frame's symbol is a function of its address, as perf prints it (one address, one sym+off): 509 leaf
      // addresses in 37 functions, 61 call sites in 11, so 31,049 distinct chains however big the file grows.
      const l = i % 509;
      const c = i % 61;
      const leaf = 0x1130 + l * 4;
      piece +=
        `bench  4242 ${t.padStart(12)}:     250000 cpu-clock: \n` +
        `\t${leaf.toString(16).padStart(16)} hot_${l % 37}+0x${l.toString(16)} (/bench/prog)\n  prog.c:${10 + l}\n` +
        `\t${(0x2000 + c * 8).toString(16).padStart(16)} caller_${c % 11}+0x${c.toString(16)} (/bench/prog)\n  prog.c:${700 + c}\n` +
        `\t${(0x2400).toString(16).padStart(16)} main+0x40 (/bench/prog)\n  prog.c:900\n\n`;
      samples++;
      if (piece.length >= FLUSH) {
        written += writeSync(fd, piece);
        piece = '';
      }
    }
    if (piece) written += writeSync(fd, piece);
  } finally {
    closeSync(fd);
  }
  return { samples, bytes: written };
}

export const BENCH_ATTR = {
  type: 1,
  config: 0n,
  sampleType: S.IP | S.TID | S.TIME | S.CPU | S.PERIOD,
  samplePeriod: 250000,
  sampleIdAll: true,
  mmap: true,
};

/** Writes about `bytes` of round-less pipe-mode perf.data; returns the number of samples written. */
export function writeRoundlessPipe(path: string, bytes: number): { samples: number; bytes: number } {
  const fd = openSync(path, 'w');
  let written = 0;
  let samples = 0;
  const out = (w: ByteSink) => {
    written += writeSync(fd, w.toBuffer());
  };
  try {
    const head = new ByteSink(true);
    head.bytes(Buffer.from('PERFILE2', 'latin1')).u64(16);
    writeRecord(head, T.HEADER_ATTR, 0, () => writeAttr(head, BENCH_ATTR, 128));
    writeMmap(
      head,
      {
        type: T.MMAP,
        pid: 4242,
        tid: 4242,
        addr: 0x400000,
        len: 0x10000,
        pgoff: 0,
        filename: '/bench/prog',
        sampleId: { pid: 4242, tid: 4242, time: 1, cpu: 0, event: 0 },
      },
      BENCH_ATTR.sampleType,
    );
    out(head);
    // Blocks of 64 records per CPU, each CPU's times increasing, the two CPUs interleaved: out of order overall.
    let w = new ByteSink(true);
    for (let block = 0; written + w.length < bytes; block++) {
      const cpu = block & 1;
      for (let k = 0; k < 64; k++) {
        const i = (block >> 1) * 64 + k;
        writeSample(w, BENCH_ATTR, {
          ip: 0x401130 + (i % 509) * 4,
          pid: 4242,
          tid: 4242,
          time: 1_000_000 + i * 2 + cpu,
          cpu,
          period: 250000,
        });
        samples++;
      }
      if (w.length >= FLUSH) {
        out(w);
        w = new ByteSink(true);
      }
    }
    if (w.length) out(w);
  } finally {
    closeSync(fd);
  }
  return { samples, bytes: written };
}
