/**
 * The `#if` structure the report breaks a hot function down by, behind a small interface so the proper
 * preprocessor engine (src/engine/cpp: pairing, conditions, which branch a build compiled) can replace the minimal
 * line scan here without touching the report.
 *
 * The line scan pairs `#if/#ifdef/#ifndef/#elif/#else/#endif` by directive only (never by trailing `#endif //`
 * comments, which are often stale), skips directives inside block comments, joins `\` continuations, and leaves out
 * a header's include guard (it would otherwise be one block holding the whole file). It knows nothing of flag values,
 * so it cannot say which branch was compiled; samples say that anyway: a branch with samples was compiled.
 */

export type BlockKind = 'if' | 'ifdef' | 'ifndef' | 'elif' | 'elifdef' | 'elifndef' | 'else';

export interface SourceBlock {
  kind: BlockKind;
  /** The directive's line, 1-based. */
  line: number;
  /** Last line of the branch's body (the line before the next branch's directive or the `#endif`). */
  endLine: number;
  /** As written, comments removed, whitespace collapsed; '' for `#else`. */
  condition: string;
  /** Index (in the same array) of the group's first branch: the `#if` an `#else` belongs to. */
  groupFirst: number;
  /** Index of the enclosing branch, -1 at file level. */
  parent: number;
  /** 1 at file level. */
  depth: number;
  /** Whether the build compiled this branch, when the provider knows the flags. */
  active?: boolean;
}

export interface BlockProvider {
  /** How the blocks were found, for the report's reader ("a line scan …", "gcc -E with the build's flags"). */
  readonly description: string;
  /** Every branch of every `#if` group of the file, in source order, without an include guard. */
  blocks(file: string, text: string): SourceBlock[];
}

const DIRECTIVE = /^\s*#\s*(if|ifdef|ifndef|elif|elifdef|elifndef|else|endif|define)\b(.*)$/;

/** Lines with comments blanked (block comments may span lines), continuations joined onto their first line. */
function logicalLines(text: string): { line: number; code: string }[] {
  const out: { line: number; code: string }[] = [];
  let inBlock = false;
  let pending: { line: number; code: string } | undefined;
  text.split('\n').forEach((raw, i) => {
    let code = '';
    let quote = '';
    for (let k = 0; k < raw.length; k++) {
      const ch = raw[k];
      if (inBlock) {
        if (ch === '*' && raw[k + 1] === '/') [inBlock, k] = [false, k + 1];
        continue;
      }
      if (quote) {
        code += ch;
        if (ch === '\\') code += raw[++k] ?? '';
        else if (ch === quote) quote = '';
        continue;
      }
      if (ch === '/' && raw[k + 1] === '*') [inBlock, k, code] = [true, k + 1, code + ' '];
      else if (ch === '/' && raw[k + 1] === '/') break;
      else {
        if (ch === '"' || ch === "'") quote = ch;
        code += ch;
      }
    }
    code = code.replace(/\r$/, '');
    const continued = /\\\s*$/.test(code);
    if (continued) code = code.replace(/\\\s*$/, ' ');
    if (pending) pending.code += code;
    else pending = { line: i + 1, code };
    if (!continued || inBlock) {
      out.push(pending);
      pending = undefined;
    }
  });
  if (pending) out.push(pending);
  return out;
}

function scan(text: string): { blocks: SourceBlock[]; directives: { line: number; kind: string; arg: string }[]; lastLine: number } {
  const directives: { line: number; kind: string; arg: string }[] = [];
  for (const { line, code } of logicalLines(text)) {
    const m = DIRECTIVE.exec(code);
    if (m) directives.push({ line, kind: m[1], arg: m[2].replace(/\s+/g, ' ').trim() });
  }
  const lastLine = text.split('\n').length;
  const blocks: SourceBlock[] = [];
  // Open groups: the index of their first branch and of their current branch.
  const open: { first: number; current: number }[] = [];
  const close = (endLine: number): void => {
    const g = open[open.length - 1];
    if (g) blocks[g.current].endLine = endLine;
  };
  for (const d of directives) {
    const parent = open.length ? open[open.length - 1].current : -1;
    if (d.kind === 'if' || d.kind === 'ifdef' || d.kind === 'ifndef') {
      blocks.push({ kind: d.kind, line: d.line, endLine: lastLine, condition: d.arg, groupFirst: blocks.length, parent, depth: open.length + 1 });
      open.push({ first: blocks.length - 1, current: blocks.length - 1 });
    } else if (d.kind === 'elif' || d.kind === 'elifdef' || d.kind === 'elifndef' || d.kind === 'else') {
      const g = open[open.length - 1];
      if (!g) continue; // stray: gcc reports and ignores it
      close(d.line - 1);
      const first = blocks[g.first];
      blocks.push({ kind: d.kind, line: d.line, endLine: lastLine, condition: d.kind === 'else' ? '' : d.arg, groupFirst: g.first, parent: first.parent, depth: first.depth });
      g.current = blocks.length - 1;
    } else if (d.kind === 'endif') {
      if (!open.length) continue;
      close(d.line - 1);
      open.pop();
    }
  }
  return { blocks, directives, lastLine };
}

/** `#ifndef X` / `#define X` first, its `#endif` the last directive: an include guard. */
function withoutGuard(blocks: SourceBlock[], directives: { line: number; kind: string; arg: string }[]): SourceBlock[] {
  const [first, second] = directives;
  const last = directives[directives.length - 1];
  const guard = blocks[0];
  const isGuard =
    first?.kind === 'ifndef' && second?.kind === 'define' && second.arg.split(/[\s(]/)[0] === first.arg && last?.kind === 'endif' && guard && guard.line === first.line && guard.endLine === last.line - 1 && !blocks.some((b, i) => i > 0 && b.groupFirst === 0);
  if (!isGuard) return blocks;
  return blocks.slice(1).map((b) => ({ ...b, groupFirst: b.groupFirst - 1, parent: b.parent <= 0 ? -1 : b.parent - 1, depth: b.depth - 1 }));
}

export const lineScanBlocks: BlockProvider = {
  description: 'a line scan of `#if`/`#elif`/`#else`/`#endif` (flag values unknown: a block with samples was compiled)',
  blocks(_file: string, text: string): SourceBlock[] {
    const { blocks, directives } = scan(text);
    return withoutGuard(blocks, directives);
  },
};

/** The innermost branch holding a line (its body, not its directive), or -1. */
export function blockOfLine(blocks: readonly SourceBlock[], line: number): number {
  let best = -1;
  blocks.forEach((b, i) => {
    if (line > b.line && line <= b.endLine && (best < 0 || b.depth > blocks[best].depth)) best = i;
  });
  return best;
}

/** `#if HZ3_S154`, `#elif defined(X)`, `#else`. */
export function directiveText(b: SourceBlock): string {
  return `#${b.kind}${b.condition ? ` ${b.condition}` : ''}`;
}

/** The directives from the outermost enclosing branch down to this one. */
export function blockPath(blocks: readonly SourceBlock[], index: number): SourceBlock[] {
  const path: SourceBlock[] = [];
  for (let i = index; i >= 0; i = blocks[i].parent) path.unshift(blocks[i]);
  return path;
}
