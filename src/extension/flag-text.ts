/**
 * How a flag reads in the Flags view's rows and tooltips (pure, Node-tested): a value and where it comes from, or
 * "not defined" — never "undefined · undefined".
 */
import type { FlagItem } from '../protocol';

/** `1 · -D`, `0 · default hz3_config.h:12`, `not defined`: never "undefined · undefined". */
export function flagDescription(f: Pick<FlagItem, 'value' | 'source' | 'where'>): string {
  if (f.value === null) return f.source === 'user' ? 'not defined · your toggle' : 'not defined';
  return `${f.value === '' ? '(defined, empty)' : f.value} · ${sourceText(f)}${f.where ? ` ${f.where}` : ''}`;
}

export function sourceText(f: Pick<FlagItem, 'source'>): string {
  return f.source === 'user' ? 'your toggle' : f.source && f.source !== 'undefined' ? f.source : 'not defined';
}
