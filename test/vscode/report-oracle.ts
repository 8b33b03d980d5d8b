/**
 * Reads perf's own answers for cross-checks. Kept deliberately separate from src/parsers: a test must not use the
 * code it checks as its oracle.
 */

export interface ReportRow {
  file: string;
  line: number;
  samples: number;
}

/** `perf report --stdio --no-children -g none --sort srcline -n`: `  12.34%   567  file.inc:123`. */
export function parseReportSrclineCounts(text: string): ReportRow[] {
  const rows: ReportRow[] = [];
  for (const l of text.split('\n')) {
    const m = /^\s+[\d.]+%\s+(\d+)\s+(\S+):(\d+)\s*$/.exec(l);
    if (m) rows.push({ samples: Number(m[1]), file: m[2].split('/').pop()!, line: Number(m[3]) });
  }
  return rows;
}

/** Sum of the per-symbol sample counts in annotate headers: the denominator of every share an annotate file gives. */
export function annotateSampleTotal(text: string): number {
  let total = 0;
  for (const m of text.matchAll(/Source code & Disassembly of .+ for .+ \((\d+) samples/g)) total += Number(m[1]);
  return total;
}
