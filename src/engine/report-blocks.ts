/**
 * The `#if` structure the report breaks a hot function down by, behind a small interface so a provider that knows
 * the build's flags (which branch was compiled) can plug in without touching the report.
 *
 * The default provider is the `#if` engine's own scanner (src/engine/cpp/scanner.ts: pairing by directive only,
 * never by trailing `#endif //` comments, directives in comments skipped, continuations joined, unbalanced input
 * closed as gcc does), with a header's include guard left out (it would otherwise be one block holding the whole
 * file). It knows nothing of flag values; samples say which branch was compiled anyway.
 */
import { scanText, type Branch, type FileScan, type Group } from './cpp/scanner';
import type { FlagViewEngine } from './cpp/flag-view';
import type { BuildView } from './report-builds';

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
  /** Position among the file's branches in the scanner's order (include guard counted). */
  index?: number;
  /** Whether the build compiled this branch, when the provider knows the flags. */
  active?: boolean;
  /** Chosen in its group (its condition held and no earlier branch's did), when the flags are known. */
  taken?: boolean;
}

export interface BlockProvider {
  /** How the blocks were found, for the report's reader ("a line scan …", "gcc -E with the build's flags"). */
  readonly description: string;
  /**
   * Every branch of every `#if` group of the file, in source order, without an include guard. `file` is the path
   * as the report shows it, `path` the file on this machine when it was found.
   */
  blocks(file: string, text: string, path?: string): SourceBlock[];
}

/**
 * A header's include guard: the file's first directive is `#ifndef X`, the next `#define X`, and the group they open
 * is the only one at file level, closed by the file's last directive.
 */
function includeGuard(scan: FileScan): Group | undefined {
  const [first, second] = scan.directives;
  const last = scan.directives[scan.directives.length - 1];
  const g = scan.groups[0];
  if (!g || first?.name !== 'ifndef' || second?.name !== 'define' || g.branches.length !== 1 || g.line !== first.line)
    return undefined;
  const guarded = first.text.trim().split(/\s+/)[0];
  if (!guarded || second.text.trim().split(/[\s(]/)[0] !== guarded) return undefined;
  if (!g.terminated || g.endLine !== last.line || scan.groups.some((x) => x !== g && x.depth === 1)) return undefined;
  return g;
}

/**
 * The `#if` structure from the preprocessor engine's scanner (src/engine/cpp/scanner.ts): the same pairing, comment,
 * continuation and unbalanced-input rules as the Flags view, so the report and the editor agree on every block.
 */
export function scannedBlocks(text: string, scan: FileScan = scanText(text)): SourceBlock[] {
  const guard = includeGuard(scan);
  const kept = scan.branches.filter((b) => b.group !== guard);
  const at = new Map<Branch, number>(kept.map((b, i) => [b, i]));
  const shift = guard ? 1 : 0;
  return kept.map((b) => ({
    kind: b.kind,
    line: b.line,
    endLine: b.endLine,
    condition: b.condition,
    groupFirst: at.get(b.group.branches[0])!,
    parent: b.group.parent ? (at.get(b.group.parent) ?? -1) : -1,
    depth: b.group.depth - shift,
    index: b.index,
  }));
}

/**
 * The blocks of a file as the Flags view sees them under one build: the structure from the engine's scan (cached by
 * content), each branch's `active`/`taken` from the engine's evaluation of the file in its translation unit. Without
 * a view (the build's flags unknown) the structure only.
 */
export function engineBlocks(
  engine: FlagViewEngine,
  path: string,
  text: string,
  build: BuildView | undefined,
): SourceBlock[] {
  const blocks = scannedBlocks(text, engine.scans.get(path, text));
  if (!build) return blocks;
  const r = engine.evaluate(path, build.view, { unit: build.unit, flags: false });
  const byIndex = new Map(r.blocks.map((b) => [b.index, b]));
  return blocks.map((b) => {
    const info = byIndex.get(b.index!);
    return info ? { ...b, active: info.active, taken: info.taken } : b;
  });
}

/** A provider over the `#if` engine with one build's flags (`view` answers per file). */
export function flagViewBlocks(
  engine: FlagViewEngine,
  description: string,
  view: (path: string) => BuildView | undefined,
): BlockProvider {
  return {
    description,
    blocks(_file: string, text: string, path?: string): SourceBlock[] {
      return path ? engineBlocks(engine, path, text, view(path)) : scannedBlocks(text, engine.scans.get(_file, text));
    },
  };
}

/** The directives of a branch's group, in order: `#if X / #elif Y / #else`. */
export function groupChain(blocks: readonly SourceBlock[], index: number): SourceBlock[] {
  const first = blocks[index].groupFirst;
  return blocks.filter((b) => b.groupFirst === first && b.depth === blocks[first].depth);
}

export const lineScanBlocks: BlockProvider = {
  description:
    'the directive scanner of the `#if` engine (flag values unknown here: a block with samples was compiled)',
  blocks(_file: string, text: string): SourceBlock[] {
    return scannedBlocks(text);
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
