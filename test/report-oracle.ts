/**
 * Reading the report's Markdown tables and perf's own per-symbol numbers, for the tests that check the report's
 * figures against perf (src/engine/report-tables.test.ts, the regression snapshots in src/engine/report.test.ts).
 * The expected side is always perf's text; nothing here calls the report's code but the CLI entry that writes it.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportCommand } from '../src/cli/report-command';
import { parseReportSymbols, PERF_IS_WRONG, type SymbolRow } from './perf-oracle';

export async function runReport(args: string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'perf-heat-report-'));
  try {
    const errors: string[] = [];
    const code = await reportCommand(
      [...args, '-o', join(dir, 'report.md')],
      () => undefined,
      (s) => errors.push(s),
    );
    assert.equal(code, 0, errors.join('\n'));
    return readFileSync(join(dir, 'report.md'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The first Markdown table after `heading`: header cells and rows, code spans and escapes removed. */
export function tableAfter(md: string, heading: string): { header: string[]; rows: Record<string, string>[] } {
  const lines = md.split('\n');
  const at = lines.findIndex((l) => l.startsWith(heading) || (l.startsWith('## ') && l.endsWith(` ${heading}`)));
  assert.ok(at >= 0, `no "${heading}" in the report`);
  const start = lines.findIndex((l, i) => i > at && l.startsWith('|'));
  const cells = (l: string): string[] =>
    l
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((c) =>
        c
          .trim()
          .replace(/^`+ ?| ?`+$/g, '')
          .replace(/\\(.)/g, '$1'),
      );
  const header = cells(lines[start]);
  const rows: Record<string, string>[] = [];
  for (let i = start + 2; i < lines.length && lines[i].startsWith('|'); i++)
    rows.push(Object.fromEntries(cells(lines[i]).map((c, k) => [header[k], c])));
  return { header, rows };
}

export const pct = (s: string): number => Number(s.replace(/%$/, ''));
export const num = (s: string): number => Number(s.replace(/,/g, ''));
/** How perf's symbols read as one source function: `@@GLIBC_…` versions and compiler clone suffixes dropped (a PLT stub stays itself). */
export const fn = (symbol: string): string =>
  symbol.endsWith('@plt')
    ? symbol
    : symbol.replace(/@.*$/, '').replace(/(\.(part|constprop|isra|lto_priv|cold|clone)(\.\d+)?)+$/, '');
export const sum = <T extends { percent: number; samples?: number }>(
  rows: readonly T[],
  keep: (r: T) => boolean,
): { percent: number; samples: number; n: number } =>
  rows
    .filter(keep)
    .reduce((s, r) => ({ percent: s.percent + r.percent, samples: s.samples + (r.samples ?? 0), n: s.n + 1 }), {
      percent: 0,
      samples: 0,
      n: 0,
    });
/** perf prints two decimals per row: a sum of n rows is within n × 0.005 of the exact share. */
export const near = (got: number, want: { percent: number; n: number }, what: string): void =>
  assert.ok(
    Math.abs(got - want.percent) <= 0.005 * Math.max(1, want.n) + 0.006,
    `${what}: report ${got}%, perf ${want.percent.toFixed(3)}% (${want.n} rows)`,
  );

export const perfSymbols = (file: string, event?: string): SymbolRow[] => {
  const m = parseReportSymbols(readFileSync(file, 'utf8'));
  return event ? m.get(event)! : [...m.values()][0];
};

export interface SymLineRow {
  percent: number;
  samples: number;
  symbol: string;
  file: string;
  line: number;
}

/**
 * `perf report --sort sym,srcline -n`: share and samples per (function, file:line), user-space rows with a line
 * only, perf's known misreads moved to the right file (PERF_IS_WRONG).
 */
export function parseSymSrcline(file: string): SymLineRow[] {
  const out: SymLineRow[] = [];
  for (const l of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s+([\d.]+)%\s+(\d+)\s+\[\.\] (.+?)\s{2,}(\S+):(\d+)\s*$/.exec(l);
    if (!m) continue;
    const [name, line] = [m[4].split('/').pop()!, Number(m[5])];
    const fix = PERF_IS_WRONG.find((w) => w.wrong === name && w.lines.includes(line));
    out.push({ percent: Number(m[1]), samples: Number(m[2]), symbol: m[3], file: fix ? fix.right : name, line });
  }
  return out;
}
