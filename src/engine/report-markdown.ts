/**
 * Markdown building blocks for the analysis report. Everything that comes from a profile or a source file (function
 * names, paths, source text, event names) goes through `code`, `text` or `fence`, so a name like `operator
 * delete[]`, a `|` in a condition or a backtick in a comment cannot break a table or open a link or HTML tag.
 */
import { maxOf } from '../model/extremes';
import { shareOf } from '../model/share';

/** Plain text in a table cell or a sentence: Markdown and HTML punctuation escaped. */
export function text(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').replace(/([\\`*_[\]<>|#!~])/g, '\\$1');
}

/** A code span, with a backtick run longer than any inside; `|` escaped (GFM splits table cells on it even there). */
export function code(s: string): string {
  const flat = s.replace(/[\r\n]+/g, ' ').replace(/\|/g, '\\|');
  const longest = maxOf(flat.match(/`+/g) ?? [], (m) => m.length, 0);
  const ticks = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || flat === '' ? ' ' : '';
  return `${ticks}${pad}${flat}${pad}${ticks}`;
}

/** A fenced block whose fence is longer than any backtick run in the content. */
export function fence(lang: string, lines: readonly string[]): string[] {
  const longest = Math.max(
    2,
    maxOf(lines, (l) => maxOf(l.match(/`+/g) ?? [], (m) => m.length, 0)),
  );
  const f = '`'.repeat(longest + 1);
  return [`${f}${lang}`, ...lines, f];
}

/** A GFM table; `align` per column: 'l' or 'r'. Cells must already be escaped. */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align: string = 'l' + 'r'.repeat(header.length - 1),
): string[] {
  const sep = header.map((_, k) => (align[k] === 'r' ? '---:' : '---'));
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(sep), ...rows.map(line)];
}

/** `12.34%` of a total; `0.00%` when the total is 0. */
export function share(count: number, total: number, digits = 2): string {
  return `${shareOf(count, total).toFixed(digits)}%`;
}

/** Signed percentage points: `+3.10`, `-0.42`, `0.00`. */
export function points(p: number, digits = 2): string {
  const r = Number(p.toFixed(digits));
  return r === 0 ? (0).toFixed(digits) : `${r > 0 ? '+' : '-'}${Math.abs(r).toFixed(digits)}`;
}

/** Integer counts grouped (`1,737,250,000`); fractional ones (annotate shares) with one decimal. */
export function count(n: number): string {
  const s = Number.isInteger(n) ? String(n) : n.toFixed(1);
  const [int, frac] = s.split('.');
  return int.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (frac ? `.${frac}` : '');
}
