/**
 * perfHeat/disassembly: a sampled function's instructions with their counts, the source lines and inline chains
 * between them, laid out line by line for the client's read-only document (engine/disassembly.ts does the work);
 * asked for by function, or by a heated source line (whose instructions are then the focus). Also the instruction
 * text of sampled addresses for hovers on perf.data profiles, which carry none of their own.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ResponseError } from 'vscode-languageserver/node';
import { disassembleFunction, listing, sampledFunctions, type FunctionDisassembly } from '../engine/disassembly';
import { heatLevel } from '../model/heat-scale';
import { maxOf } from '../model/extremes';
import { sharesOf } from '../model/share';
import { functionKeyName, type AddressHeat, type Profile } from '../model/profile';
import type { PathMapper } from '../model/path-map';
import { DisassemblyRequest, type Disassembly, type DisassemblyLine } from '../protocol';
import type { ServerContext } from './context';
import { onRequest } from './rpc';

/** Per profile object (a new load is a new object), per binary and function: each is decoded once. */
const cache = new WeakMap<Profile, Map<string, Promise<FunctionDisassembly>>>();
const MAX_CACHED = 64;

export function disassemblyOf(
  profile: Profile,
  dso: string,
  fn: string,
  placeInSource = true,
): Promise<FunctionDisassembly> {
  let perProfile = cache.get(profile);
  if (!perProfile) cache.set(profile, (perProfile = new Map()));
  const key = `${dso}\0${fn}\0${placeInSource}`;
  // A placed disassembly serves a text-only ask too.
  let d = perProfile.get(key) ?? (placeInSource ? undefined : perProfile.get(`${dso}\0${fn}\0true`));
  if (!d) {
    if (perProfile.size >= MAX_CACHED) perProfile.clear();
    d = disassembleFunction(profile, fn, { dso, placeInSource });
    perProfile.set(key, d);
    // A failure is not kept: the binary may appear (a binaryPaths change reloads the profile anyway).
    d.catch(() => perProfile.delete(key));
  }
  return d;
}

/**
 * The instruction text of each sampled address (perf.data profiles have none of their own), from the disassembly
 * of the functions they belong to. Addresses whose function cannot be disassembled are left out.
 */
export async function instructionTexts(
  profile: Profile,
  addresses: readonly AddressHeat[],
): Promise<Map<AddressHeat, string>> {
  const out = new Map<AddressHeat, string>();
  const byFunction = new Map<string, AddressHeat[]>();
  for (const a of addresses) {
    if (a.instruction !== undefined || a.address < 0 || a.dso.startsWith('[')) continue;
    const key = `${a.dso}\0${functionKeyName(a.dso, a.symbol)}`;
    const list = byFunction.get(key);
    if (list) list.push(a);
    else byFunction.set(key, [a]);
  }
  await Promise.all(
    [...byFunction.entries()].map(async ([key, list]) => {
      const [dso, fn] = key.split('\0');
      try {
        // Text only: a hover must not wait for the debug info of every instruction (libc's is large).
        const d = await disassemblyOf(profile, dso, fn, false);
        const text = new Map(d.symbols.flatMap((s) => s.instructions.map((i) => [i.address, i.text] as const)));
        for (const a of list) {
          const t = text.get(a.address);
          if (t !== undefined) out.set(a, t);
        }
      } catch {
        /* the hover shows the address alone, as before */
      }
    }),
  );
  return out;
}

export function register({ connection, profiles, documents }: ServerContext): void {
  onRequest(connection, DisassemblyRequest, async (params): Promise<Disassembly | null> => {
    const heatMap = profiles.heatMap;
    const index = profiles.index;
    const summary = profiles.summary;
    const mapper = profiles.mapper;
    if (!heatMap || !index || !summary || !mapper) return null;
    const profile = heatMap.profile;
    let dso: string;
    let fn: string;
    let focusAt: { path: string; line: number } | undefined;
    if ('uri' in params) {
      const path = fileURLToPath(params.uri);
      let sampled = index.addressesAt(path, params.line + 1).filter((a) => a.address >= 0);
      // A call site whose callee was inlined carries no samples of its own: the instructions inlined there do.
      if (!sampled.length) sampled = inlinedAt(profile, mapper, path, params.line + 1);
      if (!sampled.length)
        throw new ResponseError(
          -32602,
          `no instruction of line ${params.line + 1} of ${path.split('/').pop()} was sampled in ${summary.source.split('/').pop()}`,
        );
      dso = sampled[0].dso;
      fn = functionKeyName(dso, sampled[0].symbol);
      focusAt = { path, line: params.line + 1 };
    } else {
      fn = params.function;
      const match = sampledFunctions(profile, fn).find((m) => params.dso === undefined || m.dso === params.dso);
      if (!match)
        throw new ResponseError(-32602, `no instruction of "${fn}" was sampled in ${summary.source.split('/').pop()}`);
      dso = match.dso;
      fn = match.function;
    }
    let d: FunctionDisassembly;
    try {
      d = await disassemblyOf(profile, dso, fn);
    } catch (e) {
      throw new ResponseError(-32603, (e as Error).message);
    }
    const event = params.event !== undefined && params.event >= 0 && params.event < d.events.length ? params.event : 0;
    return disassemblyDocument(summary.id, d, mapper, event, focusAt, (path) =>
      documents.get(pathToFileURL(path).href)?.getText(),
    );
  });
}

/** Sampled addresses whose inline chain passes through a workspace line (as a call site), hottest first. */
function inlinedAt(profile: Profile, mapper: PathMapper, path: string, line: number): AddressHeat[] {
  const at = (file: string): boolean => {
    const r = mapper.resolve(file);
    return r.kind === 'mapped' && r.path === path;
  };
  return profile.addresses
    .filter((a) => a.address >= 0 && a.inlineChain.some((f, k) => k > 0 && f.line === line && at(f.file)))
    .sort((x, y) => y.counts[0] - x.counts[0]);
}

/** The listing as document lines: workspace links, heat steps over the document, the focus of a source line. */
export function disassemblyDocument(
  profileId: number,
  d: FunctionDisassembly,
  mapper: PathMapper,
  event: number,
  focusAt: { path: string; line: number } | undefined,
  openText: (path: string) => string | undefined,
): Disassembly {
  const texts = new Map<string, string[] | null>();
  const workspacePath = (recorded: string): string | undefined => {
    const r = mapper.resolve(recorded);
    return r.kind === 'mapped' ? r.path : undefined;
  };
  const sourceLine = (recorded: string, line: number): string | undefined => {
    const path = workspacePath(recorded);
    if (!path) return undefined;
    let text = texts.get(path);
    if (text === undefined) {
      try {
        text = (openText(path) ?? readFileSync(path, 'utf8')).split('\n');
      } catch {
        text = null;
      }
      texts.set(path, text);
    }
    return text?.[line - 1];
  };
  const rows = listing(d, { sourceLine });
  const share = (s: number, i: number): number[] => {
    const sym = d.symbols[s];
    return sharesOf(sym.instructions[i].counts, sym.counts);
  };
  const all = rows.filter((r) => r.kind === 'instruction').map((r) => share(r.symbol!, r.instruction!)[event]);
  const max = maxOf(all, (x) => x);
  const focus: number[] = [];
  const lines = rows.map((r, n): DisassemblyLine => {
    const path = r.location ? workspacePath(r.location.file) : undefined;
    const line: DisassemblyLine = {
      kind: r.kind,
      text: r.text,
      ...(path && r.location ? { source: { uri: pathToFileURL(path).href, line: r.location.line - 1 } } : {}),
      ...(r.locationColumns && path ? { link: r.locationColumns } : {}),
    };
    if (r.kind === 'instruction') {
      const ins = d.symbols[r.symbol!].instructions[r.instruction!];
      const shares = share(r.symbol!, r.instruction!);
      line.address = ins.address;
      line.counts = ins.counts;
      line.shares = shares;
      if (ins.counts[event] > 0) line.heat = heatLevel(shares[event], max);
      // The line's own instructions, and those inlined at it (a call site's callee code is the call's cost).
      if (focusAt && ins.chain.some((f) => f.line === focusAt.line && workspacePath(f.file) === focusAt.path))
        focus.push(n);
    }
    return line;
  });
  // Branch targets inside the document become jumps to their rows (`jne 0x1c36 <pop+0x86>`).
  const rowOf = new Map<number, number>();
  lines.forEach((l, n) => l.address !== undefined && rowOf.set(l.address, n));
  for (const l of lines) {
    const m = l.kind === 'instruction' ? / (0x[0-9a-f]+) <[^>]+>$/.exec(l.text) : null;
    const target = m ? rowOf.get(Number.parseInt(m[1], 16)) : undefined;
    if (m && target !== undefined) l.jump = { line: target, columns: [m.index + 1, l.text.length] };
  }
  return {
    profileId,
    function: d.function,
    dso: d.dso,
    binary: d.binary,
    events: d.events.map((e) => e.name),
    lines,
    focus,
    warnings: d.warnings,
  };
}
