/**
 * Heat follows the user's edits (pure, Node-tested: heat-edits.test.ts): the drawn lines of a file move with the
 * code they belong to until the server is asked again.
 */
import type { FileHeat } from '../protocol';

/** One edit, in the shape of a VS Code content change, reduced to lines. */
export interface LineEdit {
  startLine: number;
  endLine: number;
  /** Newlines in the inserted text. */
  insertedLines: number;
}

/**
 * Moves heat with edits, so it stays on the code it belongs to: lines below an edit shift by the lines it added or
 * removed; lines an edit deleted lose their heat (the code is gone); the edit's first line keeps its own.
 * Edits are applied in the order given, as VS Code reports them.
 */
export function shiftHeat(heat: FileHeat, edits: readonly LineEdit[]): FileHeat {
  let lines = heat.lines;
  let functions = heat.functions;
  let hottest = heat.hottest;
  for (const e of edits) {
    const delta = e.insertedLines - (e.endLine - e.startLine);
    if (delta === 0 && e.startLine === e.endLine) continue;
    const move = (line: number): number | undefined =>
      line <= e.startLine ? line : line > e.endLine ? line + delta : undefined;
    lines = lines.flatMap((l) => {
      const to = move(l.line);
      return to === undefined ? [] : [{ ...l, line: to }];
    });
    functions = functions.flatMap((f) => {
      const to = move(f.line);
      return to === undefined ? [] : [{ ...f, line: to }];
    });
    hottest = hottest === undefined ? undefined : move(hottest);
  }
  const shifted: FileHeat = { ...heat, lines, functions };
  if (hottest === undefined) delete shifted.hottest;
  else shifted.hottest = hottest;
  return shifted;
}
