/**
 * A perf.data summary's callchains, symbolized with the same answers as its samples: each distinct frame becomes
 * (binary, ELF symbol, inline chain) once, each distinct chain keeps its period per event. The call graph is made of
 * these (model/call-graph.ts).
 */
import { basename } from 'node:path';
import { addrToHex, isKernelModuleDso, type Addr, type CallchainSummary } from '../parsers/perf-data';
import type { CallchainFrame, ProfileCallchains } from '../model/call-graph';
import type { SymbolizedAddress } from './symbolize-dso';
import { KERNEL } from './kernel-samples';

export function symbolizedCallchains(
  summary: CallchainSummary,
  nEvents: number,
  symbolizedOf: ReadonlyMap<string, ReadonlyMap<number, SymbolizedAddress>>,
  kernelNames: ReadonlyMap<string, (a: Addr) => string | undefined>,
): ProfileCallchains {
  const frames: CallchainFrame[] = summary.frames.map((f) => {
    if (f.dso === KERNEL || isKernelModuleDso(f.dso)) {
      // Named as the kernel's samples are: its kallsyms symbol, or the kernel as one function without one.
      return { dso: f.dso, symbol: kernelNames.get(f.dso)?.(f.fileOffset) ?? f.dso, inlineChain: [] };
    }
    const r = typeof f.fileOffset === 'number' ? symbolizedOf.get(f.dso)?.get(f.fileOffset) : undefined;
    if (!r) {
      const pseudo = f.dso.startsWith('[') || f.dso === '//anon' || f.dso === '';
      // `[unknown]` (a frame pointer that points nowhere) is one function, as perf prints it; other binaries
      // without symbols are named by offset, as their samples are.
      return {
        dso: f.dso,
        symbol:
          f.dso === '[unknown]' || f.dso.startsWith('[JIT]')
            ? f.dso
            : `${pseudo ? f.dso : basename(f.dso)}+${addrToHex(f.fileOffset)}`,
        inlineChain: [],
      };
    }
    return { dso: f.dso, symbol: r.symbol ?? `${basename(f.dso)}+0x${r.vaddr.toString(16)}`, inlineChain: r.chain };
  });
  const chains = summary.chains.map((c) => {
    const counts = new Array<number>(nEvents);
    for (let e = 0; e < nEvents; e++) counts[e] = c.period[e] ?? 0;
    return { frames: c.frames, counts };
  });
  return { frames, chains };
}
