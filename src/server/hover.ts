/**
 * textDocument/hover on a heated line: every event's count and share, the share of its function, the instructions
 * that carry the samples, and the inline chain. Standard LSP, so every editor with an LSP client gets it.
 * Everything from the profile is escaped: symbol and file names are data, never markup.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Hover } from 'vscode-languageserver/node';
import { MarkupKind } from 'vscode-languageserver/node';
import { formatEventValue, formatPoints, formatShare } from '../model/format';
import type { ProfileService } from './profile-service';
import type { FlagService } from './flags';
import type { ServerContext } from './context';
import type { BlockInfo } from '../engine/cpp/flag-view';
import { shareOf } from '../model/share';
import type { AddressHeat } from '../model/profile';
import { instructionTexts } from './disassembly';
import { callGraphView, inclusiveHover } from './call-graph-view';

const MAX_INSTRUCTIONS = 8;

export function register({ connection, profiles, flags }: ServerContext): void {
  connection.onHover(async ({ textDocument, position }): Promise<Hover | null> => {
    const heatMap = profiles.heatMap;
    const index = profiles.index;
    if (!heatMap || !index || !textDocument.uri.startsWith('file:')) return null;
    const path = fileURLToPath(textDocument.uri);
    const line = position.line + 1;
    const heated = heatMap.linesOf(path).find((l) => l.line === line);
    const view = callGraphView(heatMap, profiles.mapper);
    const inclusive = view ? inclusiveHover(view, heatMap, path, line, esc) : [];
    if (!heated && inclusive.length === 0) return null;
    let parts: string[];
    if (heated) {
      // perf.data carries no instruction text: it comes from the disassembly of the sampled functions.
      const texts = await instructionTexts(
        heatMap.profile,
        index
          .addressesAt(path, line)
          .filter((a) => a.address >= 0)
          .slice(0, MAX_INSTRUCTIONS),
      );
      if (profiles.heatMap !== heatMap) return null;
      parts = [hoverMarkdown(profiles, path, line, heated.counts, texts), ...inclusive];
    } else parts = inclusive.slice(1);
    const diff = profiles.diff?.byFile.get(path)?.find((l) => l.line === line);
    if (diff) {
      const d = profiles.diff!;
      parts.push(
        '',
        `Against the baseline ${esc(d.baseline.source.split('/').pop() ?? '')}:`,
        '',
        '| event | baseline | this profile | change |',
        '|---|---:|---:|---:|',
        ...d.diff.events.map(
          (e, i) =>
            `| ${esc(e)} | ${formatShare(diff.baseShares[i])} | ${formatShare(diff.otherShares[i])} | ${formatPoints(diff.delta[i])} |`,
        ),
      );
    }
    const block = enclosingBlock(flags, path, line);
    if (block)
      parts.push(
        '',
        `In \`#${block.directive}${block.condition ? ' ' + code(block.condition) : ''}\` (line ${block.line}) = ${block.value ?? '?'}, ${block.active ? 'compiled' : flags.view(path).known ? 'not compiled' : 'not known to be compiled'} under ${esc(flags.view(path).base)}`,
      );
    return { contents: { kind: MarkupKind.Markdown, value: parts.join('\n') } };
  });
}

export function hoverMarkdown(
  profiles: ProfileService,
  path: string,
  line: number,
  counts: number[],
  texts?: ReadonlyMap<AddressHeat, string>,
): string {
  const heatMap = profiles.heatMap!;
  const index = profiles.index!;
  const events = heatMap.profile.events;
  const addresses = index.addressesAt(path, line);
  const fn = index.ownerOf(path, line);
  const out: string[] = [`**Perf Heat** · ${esc(path.split('/').pop() ?? path)}:${line}`, ''];
  out.push(`| event | value | share |${fn ? ' of function |' : ''}`, `|---|---:|---:|${fn ? '---:|' : ''}`);
  events.forEach((e, i) => {
    const ofFn = fn && fn.counts[i] > 0 ? ` ${formatShare(shareOf(counts[i], fn.counts[i]))} |` : fn ? ' – |' : '';
    out.push(
      `| ${esc(e.name)} | ${esc(formatEventValue(counts[i], e))} | ${formatShare(heatMap.share(counts[i], i))} |${ofFn}`,
    );
  });
  if (fn)
    out.push('', `in \`${code(fn.name)}\` (${formatShare(heatMap.share(fn.counts[0], 0))} of ${esc(events[0].name)})`);
  const real = addresses.filter((a) => a.address >= 0);
  if (real.length) {
    out.push('', 'Instructions carrying the samples:', '', '```');
    for (const a of real.slice(0, MAX_INSTRUCTIONS)) {
      out.push(
        `0x${a.address.toString(16).padStart(6, '0')}  ${(a.instruction ?? texts?.get(a) ?? '').padEnd(40)} ${formatShare(heatMap.share(a.counts[0], 0))}`.replace(
          /`{3,}/g,
          "'''",
        ),
      );
    }
    if (real.length > MAX_INSTRUCTIONS) out.push(`… ${real.length - MAX_INSTRUCTIONS} more`);
    out.push('```');
    // Perf Heat's own client runs this command (trusted for it alone); other editors show the link as text.
    const args = encodeURIComponent(JSON.stringify([{ uri: pathToFileURL(path).href, line: line - 1 }]));
    out.push(
      '',
      `[Show disassembly](command:perfHeat.showDisassembly?${args} "The function's instructions beside the source, this line's selected")`,
    );
  }
  const chain = addresses.find((a) => a.inlineChain.length > 1)?.inlineChain;
  if (chain) {
    out.push(
      '',
      'Inlined: ' +
        chain
          .map((f) => `\`${code(f.function || '?')}\` (${esc(f.file.split('/').pop() ?? f.file)}:${f.line})`)
          .join(' ← '),
    );
  }
  return out.join('\n');
}

/** The innermost #if branch around a line, under the current flag view. */
function enclosingBlock(flags: FlagService, path: string, line: number): BlockInfo | undefined {
  try {
    const r = flags.engine.evaluate(path, flags.view(path).view);
    return r.blocks.filter((b) => b.line < line && line <= b.endLine).sort((a, b) => b.depth - a.depth)[0];
  } catch {
    return undefined;
  }
}

/** Escapes Markdown and HTML metacharacters: profile text must render as text. */
export function esc(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>&~]/g, (c) => `\\${c}`);
}

/** Inside a code span only backticks matter. */
function code(s: string): string {
  return s.replace(/`/g, "'");
}
