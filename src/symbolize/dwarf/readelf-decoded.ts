/**
 * Test support: reads `readelf -W --debug-dump=decodedline` output (binutils 2.40), the ground truth the line
 * reader is checked against, and answers lookups from it by the definition the line table implements — a naive
 * reference, linear in the number of rows.
 */
import { posix } from 'node:path';

export interface ReadelfRow {
  /** The file entry's name as readelf prints it (not joined with its directory). */
  name: string;
  /** undefined on the end_sequence row (readelf prints `-`). */
  line: number | undefined;
  address: number;
  isStmt: boolean;
  /** The `dir/name:` (or `CU: dir/name:`) header readelf printed last in this unit. */
  header: string | undefined;
  /** Index of the unit (one per `CU:` header). */
  unit: number;
}

export interface ReadelfSequence {
  start: number;
  end: number;
  rows: ReadelfRow[];
}

export interface ReadelfDecoded {
  rows: ReadelfRow[];
  sequences: ReadelfSequence[];
}

const ROW = /^(\S+)\s+(\d+|-)\s+(0x[0-9a-f]+)(?:\[\d+\])?(?:\s+(\d+))?(?:\s+(x))?\s*$/;

export function parseReadelfDecoded(text: string): ReadelfDecoded {
  const rows: ReadelfRow[] = [];
  const sequences: ReadelfSequence[] = [];
  let unit = -1;
  let header: string | undefined;
  let current: ReadelfRow[] = [];
  for (const raw of text.split('\n')) {
    const l = raw.trimEnd();
    if (l === '' || l.startsWith('Contents of the') || l.startsWith('File name ')) continue;
    const cu = /^CU: (.*):$/.exec(l);
    if (cu) {
      unit++;
      header = cu[1];
      continue;
    }
    const m = ROW.exec(l);
    if (m) {
      const row: ReadelfRow = {
        name: m[1]!,
        line: m[2] === '-' ? undefined : Number(m[2]),
        address: parseInt(m[3]!, 16),
        isStmt: m[5] === 'x',
        header,
        unit,
      };
      rows.push(row);
      current.push(row);
      if (row.line === undefined) {
        sequences.push({ start: current[0]!.address, end: row.address, rows: current });
        current = [];
      }
      continue;
    }
    const h = /^(\S.*?):(?:\[\+\+\])?$/.exec(l);
    if (h && !l.startsWith(' ') && !/^UNKNOWN|^readelf/.test(l)) header = h[1];
  }
  return { rows, sequences };
}

/**
 * What a lookup must answer at `address`, from readelf's rows: the containing sequence with the greatest start
 * (later in the output on ties), and in it the last row with the greatest address ≤ `address`.
 */
export function readelfLookup(decoded: ReadelfDecoded, address: number): ReadelfRow | undefined {
  let best: ReadelfSequence | undefined;
  for (const s of decoded.sequences) {
    if (s.start <= address && address < s.end && (!best || s.start >= best.start)) best = s;
  }
  if (!best) return undefined;
  let row: ReadelfRow | undefined;
  for (const r of best.rows)
    if (r.line !== undefined && r.address <= address && (!row || r.address >= row.address)) row = r;
  return row;
}

/** DW_AT_comp_dir of each unit, from `readelf --debug-dump=info | grep DW_AT_comp_dir`. */
export function parseCompDirs(text: string): string[] {
  return text
    .split('\n')
    .map((l) => /DW_AT_comp_dir\s*:\s*(?:\([^)]*\):\s*)?(.*)$/.exec(l)?.[1])
    .filter((s): s is string => s !== undefined);
}

/**
 * Whether a full path from the line table is the file readelf names in `row`. Always: an absolute name is the
 * path itself, a relative one is its tail. When readelf's last header names the same file (same base name), the
 * header joined to the comp dir must also be the path (both normalised: readelf prints `./x.c` and `src//abs`).
 * Returns a reason when it is not, undefined when it is. `<unknown>` (readelf cannot resolve DW_FORM_strp
 * names in decoded mode) is not checked.
 */
export function fileMismatch(path: string, row: ReadelfRow, compDir: string | undefined): string | undefined {
  if (row.name === '<unknown>') return undefined;
  if (row.name.startsWith('/')) return path === row.name ? undefined : `expected the absolute name ${row.name}`;
  if (path !== row.name && !path.endsWith('/' + row.name)) return `expected a path ending in /${row.name}`;
  const h = row.header;
  if (h && !h.includes('unknown') && posix.basename(h) === posix.basename(row.name) && !h.includes('//')) {
    const expected = h.startsWith('/') ? h : compDir ? `${compDir}/${h}` : h;
    if (posix.normalize(expected) !== posix.normalize(path))
      return `expected ${posix.normalize(expected)} (readelf header ${h}, comp dir ${compDir})`;
  }
  return undefined;
}
