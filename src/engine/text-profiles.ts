/**
 * perf script, perf report and cachegrind text → Profile.
 *
 * perf script: leaf frames with a DSO-relative ip are symbolized from the binary like perf.data samples (exact,
 * with inline chains); otherwise the srcline perf printed (real addr2line output) is used; otherwise the sample
 * counts for its function only. perf report rows and cachegrind rows are already per source line.
 */
import { basename } from 'node:path';
import { ipToNumber } from '../parsers/perf-script';
import {
  aggregatePerfScript,
  aggregatePerfScriptChunks,
  type ScriptChainCount,
  type ScriptChainFrame,
  type ScriptLeafCount,
} from '../parsers/perf-script-aggregate';
import type { CallchainFrame, ProfileCallchains } from '../model/call-graph';
import { parsePerfReport } from '../parsers/perf-report';
import { parseCachegrind } from '../parsers/cachegrind';
import { ProfileFormatError } from '../parsers/errors';
import { ProfileBuilder, type InlineFrame, type Profile, type ProfileMetadata } from '../model/profile';
import { symbolizeDso, type SymbolizedAddress } from './symbolize-dso';
import { coverageWarning } from './coverage';
import type { LoadOptions } from './load-profile';
import { shareOf } from '../model/share';
import { formatShare } from '../model/format';

export async function loadPerfScriptProfile(
  path: string,
  text: string | AsyncIterable<string>,
  options: LoadOptions,
): Promise<Profile> {
  const agg = typeof text === 'string' ? aggregatePerfScript(text, path) : await aggregatePerfScriptChunks(text, path);
  if (agg.events.length === 0) throw new ProfileFormatError(path, undefined, 'perf script output with no samples');
  // perf report weighs by period; an event whose samples printed no period weighs each sample 1, alone.
  const byPeriod = agg.events.map((e) => e.periodPrinted);
  const metadata: ProfileMetadata = {
    format: `perf script${agg.srclinePrinted ? ' (with srcline)' : ''}`,
    binaries: [],
  };
  const builder = new ProfileBuilder(
    path,
    agg.events.map((e, i) => ({ name: e.name, unit: byPeriod[i] ? 'period' : 'samples' })),
    metadata,
  );
  const n = agg.events.length;
  const countsOf = (event: number, c: { samples: number; period: number }): number[] => {
    const counts = new Array<number>(n).fill(0);
    counts[event] = byPeriod[event] ? c.period : c.samples;
    return counts;
  };
  builder.setTotals(agg.events.map((e, i) => (byPeriod[i] ? e.period : e.samples)));
  const samplesOnly = agg.events.filter((_, i) => !byPeriod[i]).map((e) => e.name);
  if (samplesOnly.length && samplesOnly.length < n) {
    builder.warn(
      `${basename(path)}: ${samplesOnly.join(', ')} printed no period, so ${samplesOnly.length > 1 ? 'they are' : 'it is'} counted in samples; the other events by period, as perf report does. Add \`-F +period\` to see them weighted.`,
    );
  }

  // Symbolize leaf ips where the DSO is known and the ip is DSO-relative (callchain form); -G ips are absolute.
  const byDso = new Map<string, ScriptLeafCount[]>();
  for (const leaf of agg.leaves) {
    if (!leaf.dso || !leaf.ip || leaf.absoluteIp || leaf.dso.startsWith('[') || ipToNumber(leaf.ip) === undefined)
      continue;
    const list = byDso.get(leaf.dso);
    if (list) list.push(leaf);
    else byDso.set(leaf.dso, [leaf]);
  }
  const placed = new Set<ScriptLeafCount>();
  const frameOffsets = scriptFrameOffsets(agg.chains);
  for (const dso of frameOffsets.keys()) if (!byDso.has(dso)) byDso.set(dso, []);
  const symbolizedOf = new Map<string, Map<number, SymbolizedAddress>>();
  for (const [dso, leaves] of byDso) {
    const offsets = new Set(leaves.map((l) => ipToNumber(l.ip)!));
    for (const o of frameOffsets.get(dso) ?? []) offsets.add(o);
    const chains = await symbolizeDso(dso, undefined, [...offsets], options, builder, metadata);
    if (!chains) continue;
    symbolizedOf.set(dso, chains);
    for (const leaf of leaves) {
      const r = chains.get(ipToNumber(leaf.ip)!);
      if (!r) continue;
      const chain = r.chain.length || !leaf.srcline ? r.chain : [{ function: '', ...leaf.srcline }];
      builder.addAddress({
        dso,
        address: r.vaddr,
        symbol: r.symbol ?? leaf.symbol ?? `${basename(dso)}+0x${r.vaddr.toString(16)}`,
        counts: countsOf(leaf.event, leaf),
        inlineChain: chain,
      });
      placed.add(leaf);
    }
  }
  // Without the binary, the leaf frame's own symbol names the function (as perf printed it) and its srcline, if
  // perf printed one, the line.
  for (const leaf of agg.leaves) {
    if (placed.has(leaf)) continue;
    const symbol = leaf.symbol && leaf.symbol !== '[unknown]' ? leaf.symbol : (leaf.dso ?? '[unknown]');
    builder.addSourceLine({
      dso: leaf.dso ?? '',
      symbol,
      file: leaf.srcline?.file,
      line: leaf.srcline?.line,
      counts: countsOf(leaf.event, leaf),
    });
  }
  if (agg.chains.some((c) => c.frames.length > 1))
    builder.setCallchains(scriptCallchains(agg.chains, n, byPeriod, symbolizedOf));
  if (placed.size === 0 && !agg.srclinePrinted) {
    builder.warn(
      `${basename(path)}: no srcline field and no binary to symbolize with, so samples are attributed to functions only. Re-run \`perf script -F +srcline\`, or set perfHeat.binaryPaths / --binary-path.`,
    );
  }
  const profile = builder.build();
  const coverage = coverageWarning(profile);
  return coverage ? { ...profile, warnings: [...profile.warnings, coverage] } : profile;
}

export function loadPerfReportProfile(path: string, text: string): Profile {
  const report = parsePerfReport(text, path);
  const events: string[] = [];
  for (const s of report.sections) for (const e of s.events) if (!events.includes(e)) events.push(e);
  const hasSrcline = report.sections.some((s) => s.columns.includes('Source:Line'));
  const metadata: ProfileMetadata = {
    format: `perf report --stdio${hasSrcline ? ' (srcline)' : ''}`,
    binaries: [],
    lostSamples: report.lostSamples,
  };
  const builder = new ProfileBuilder(
    path,
    events.map((name) => ({ name, unit: 'period' })),
    metadata,
  );
  const totals = events.map(() => 0);
  let bogus = 0;
  for (const section of report.sections) {
    const idx = section.events.map((e) => events.indexOf(e));
    // Shares become periods through the header's event count, so every format lands in one unit.
    const total = section.eventCount ?? 100;
    idx.forEach((i) => (totals[i] = total));
    for (const row of section.rows) {
      if (row.bogus) {
        bogus++;
        continue;
      }
      const counts = events.map(() => 0);
      idx.forEach((i, k) => (counts[i] = row.period?.[k] ?? ((row.overhead?.[k] ?? 0) / 100) * total));
      const symbol = row.symbol ?? row.srclineText?.replace(/\+\d+$/, '') ?? '';
      builder.addSourceLine({ dso: row.dso ?? '', symbol, file: row.srcline?.file, line: row.srcline?.line, counts });
    }
  }
  builder.setTotals(totals);
  if (!hasSrcline)
    builder.warn(
      `${basename(path)} is sorted by symbol, not source line: heat is per function. Use \`perf report --no-children -g none --sort srcline\`, or load the perf.data itself.`,
    );
  if (bogus)
    builder.warn(
      `${basename(path)}: ${bogus} children-mode rows like "sym+94578221826162" were skipped (perf artefacts); pass --no-children.`,
    );
  if (report.sections.some((s) => s.childrenMode))
    builder.warn(`${basename(path)} was made in children mode: self shares are used. Prefer --no-children -g none.`);
  const profile = builder.build();
  const over = overfullLine(profile);
  return over ? { ...profile, warnings: [...profile.warnings, `${basename(path)}: ${over}`] } : profile;
}

/**
 * A share above 100% cannot be right: rows of several reports of one event in one file, or a header event count
 * below the rows' periods. Said, with the first such line, rather than drawn as a hotter-than-everything line.
 */
function overfullLine(p: Profile): string | undefined {
  for (const [e, ev] of p.events.entries()) {
    const total = p.totals[e] ?? 0;
    if (!(total > 0)) continue;
    const l = p.lines.find((x) => (x.counts[e] ?? 0) > total * 1.0005);
    if (l) {
      return `${l.file}:${l.line} has ${formatShare(shareOf(l.counts[e]!, total))} of ${ev.name}, more than the whole profile: the text holds several reports of ${ev.name}, or its event count is smaller than its rows. Give one \`perf report --stdio\` per file.`;
    }
  }
  return undefined;
}

export function loadCachegrindProfile(path: string, text: string): Profile {
  const cg = parseCachegrind(text, path);
  const metadata: ProfileMetadata = { format: 'cachegrind', binaries: [], command: cg.cmd };
  const builder = new ProfileBuilder(
    path,
    cg.events.map((name) => ({ name, unit: 'count' })),
    metadata,
  );
  for (const w of cg.warnings) builder.warn(`${basename(path)}: ${w}`);
  for (const r of cg.rows) {
    const known = r.file !== '???' && r.line > 0;
    // fn= names the enclosing real function; fl= the innermost file (inlined header lines keep their own file).
    const chain: InlineFrame | undefined = known ? { function: '', file: r.file, line: r.line } : undefined;
    builder.addSourceLine({ dso: '', symbol: r.function, file: chain?.file, line: chain?.line, counts: r.counts });
  }
  builder.setTotals(cg.summary ?? cg.totals);
  return builder.build();
}

/**
 * Which frames of a perf script chain are callers' return addresses (taken ip − 1, as for perf.data): every frame
 * but the leaf and the first user frame after kernel frames (the ip the kernel was entered from).
 */
function returnAddresses(frames: readonly ScriptChainFrame[]): boolean[] {
  return frames.map((f, i) => i > 0 && !(isKernelDso(frames[i - 1]!.dso ?? '') && !isKernelDso(f.dso ?? '')));
}
const isKernelDso = (dso: string): boolean =>
  dso.startsWith('[kernel.kallsyms') || (/^\[[\w]+\]$/.test(dso) && dso !== '[unknown]' && dso !== '[vdso]');

/** DSO-relative frame ips worth symbolizing, per binary (callers one byte back). */
function scriptFrameOffsets(chains: readonly ScriptChainCount[]): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  for (const c of chains) {
    const ret = returnAddresses(c.frames);
    c.frames.forEach((f, i) => {
      const ip = ipToNumber(f.ip);
      if (!f.dso || f.dso.startsWith('[') || ip === undefined) return;
      let set = out.get(f.dso);
      if (!set) out.set(f.dso, (set = new Set()));
      set.add(ret[i] && ip > 0 ? ip - 1 : ip);
    });
  }
  return out;
}

/** perf script's chains as the profile's callchains: frames symbolized from the binary where found, else as printed. */
function scriptCallchains(
  chains: readonly ScriptChainCount[],
  nEvents: number,
  byPeriod: readonly boolean[],
  symbolizedOf: ReadonlyMap<string, ReadonlyMap<number, SymbolizedAddress>>,
): ProfileCallchains {
  const frames: CallchainFrame[] = [];
  const frameOf = new Map<string, number>();
  const out: ProfileCallchains['chains'] = [];
  for (const c of chains) {
    const ret = returnAddresses(c.frames);
    const ids = c.frames.map((f, i) => {
      const dso = f.dso ?? '[unknown]';
      const ip = ipToNumber(f.ip);
      const off = ip !== undefined && ret[i] && ip > 0 && !dso.startsWith('[') ? ip - 1 : ip;
      const key = `${dso}\0${f.ip}\0${ret[i] ? 1 : 0}`;
      let id = frameOf.get(key);
      if (id === undefined) {
        const r = off === undefined ? undefined : symbolizedOf.get(dso)?.get(off);
        const printed = f.symbol && f.symbol !== '[unknown]' ? f.symbol : dso;
        frameOf.set(key, (id = frames.length));
        frames.push(
          r ? { dso, symbol: r.symbol ?? printed, inlineChain: r.chain } : { dso, symbol: printed, inlineChain: [] },
        );
      }
      return id;
    });
    const counts = new Array<number>(nEvents).fill(0);
    counts[c.event] = byPeriod[c.event] ? c.period : c.samples;
    out.push({ frames: ids, counts });
  }
  return { frames, chains: out };
}
