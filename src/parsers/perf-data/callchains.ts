/**
 * Callchains (`perf record -g`, frame pointers; or any chain the kernel put in the sample), aggregated as they are
 * read: each distinct raw address sequence is kept once, resolved to (DSO, file offset) frames once per map change,
 * and counted per distinct resolved chain. Memory grows with distinct chains and frames, never with samples.
 *
 * Two things perf does to a chain are done here, because only the replay knows them:
 * - PERF_CONTEXT_* entries switch the cpu mode the following addresses are resolved in, and are dropped;
 * - a caller's frame is a return address, the instruction after the call: its offset is taken one byte back
 *   (ip − 1), inside the call, so the caller's line is the call's line and a call that ends a function (noreturn)
 *   stays in its function. The leaf, and the first address after a context switch (the ip the kernel was entered
 *   from), are where execution was, and are kept as they are (perf's libdw unwinder does the same: `isactivation`).
 *
 * `--call-graph dwarf` samples carry a copy of the user stack, not a chain: perf unwinds it with libdw. That is not
 * done here (the summary says so in a warning); the kernel part of such chains, and the sampled ip, still count.
 */
import { addrSubAdd, type Addr } from './binary';
import { Misc, PerfContext } from './constants';
import { UNKNOWN_DSO, type AddressSpaces } from './resolve';
import { isContextMarker } from './sample';

export interface ChainFrame {
  dso: string;
  /** As in AddressCounts; for a return address already one byte back (see the file comment). */
  fileOffset: Addr;
  /** True for a caller's frame (a return address, taken ip − 1). */
  returnAddress: boolean;
}

export interface ChainCounts {
  /** Indexes into CallchainSummary.frames, leaf first. */
  frames: number[];
  /** Per event, indexed like the summary's events. */
  samples: number[];
  period: number[];
}

export interface CallchainSummary {
  frames: ChainFrame[];
  chains: ChainCounts[];
}

const CONTEXT_MODE = new Map<bigint, number>([
  [PerfContext.KERNEL, Misc.KERNEL],
  [PerfContext.USER, Misc.USER],
  [PerfContext.HV, Misc.HYPERVISOR],
  [PerfContext.GUEST_KERNEL, Misc.GUEST_KERNEL],
  [PerfContext.GUEST_USER, Misc.GUEST_USER],
]);

interface Resolved {
  pid: number;
  generation: number;
  mode: number;
  chain: number;
}

export class CallchainAccumulator {
  private readonly rawIds = new Map<string, number>();
  private readonly raw: Addr[][] = [];
  /** Per raw chain, the last resolution (valid while pid, cpumode and the maps' generation are the same). */
  private readonly resolved: (Resolved | undefined)[] = [];
  private readonly frameIds = new Map<string, number>();
  private readonly frames: ChainFrame[] = [];
  private readonly chainIds = new Map<string, number>();
  private readonly chains: { frames: number[]; c: number[] }[] = [];
  /** Per sample ip without a chain: resolved like a one-frame chain (memoised by ip and maps). */
  private readonly leafOnly = new Map<string, number>();

  constructor(private readonly spaces: AddressSpaces) {}

  /** A raw chain by a key that identifies its bytes (the fast path passes the record's bytes as latin1). */
  intern(key: string, decode: () => Addr[]): number {
    let id = this.rawIds.get(key);
    if (id === undefined) {
      id = this.raw.length;
      this.rawIds.set(key, id);
      this.raw.push(decode());
      this.resolved.push(undefined);
    }
    return id;
  }

  /** The general path's chains, keyed by their addresses. */
  internAddrs(chain: readonly Addr[]): number {
    return this.intern(chain.join(','), () => chain.slice());
  }

  /** One sample: `rawId` from intern, or −1 for a sample without a chain (then its ip is the one frame). */
  count(rawId: number, pid: number, ip: Addr | undefined, cpumode: number, ev: number, period: number): void {
    const id = rawId >= 0 ? this.resolveRaw(rawId, pid, cpumode, ip) : this.resolveLeaf(pid, ip, cpumode);
    if (id < 0) return;
    const c = this.chains[id]!.c;
    c[2 * ev] = (c[2 * ev] ?? 0) + 1;
    c[2 * ev + 1] = (c[2 * ev + 1] ?? 0) + period;
  }

  result(nEvents: number): CallchainSummary {
    return {
      frames: this.frames,
      chains: this.chains.map(({ frames, c }) => {
        const samples: number[] = new Array(nEvents);
        const period: number[] = new Array(nEvents);
        for (let e = 0; e < nEvents; e++) {
          samples[e] = c[2 * e] ?? 0;
          period[e] = c[2 * e + 1] ?? 0;
        }
        return { frames, samples, period };
      }),
    };
  }

  private resolveLeaf(pid: number, ip: Addr | undefined, cpumode: number): number {
    if (ip === undefined) return -1;
    const key = `${pid}:${cpumode}:${String(ip)}:${this.spaces.generation}`;
    let id = this.leafOnly.get(key);
    if (id === undefined) {
      if (this.leafOnly.size > 1 << 20) this.leafOnly.clear();
      id = this.chainOf([this.frame(pid, ip, cpumode, false)]);
      this.leafOnly.set(key, id);
    }
    return id;
  }

  private resolveRaw(rawId: number, pid: number, cpumode: number, ip: Addr | undefined): number {
    const r = this.resolved[rawId];
    const generation = this.spaces.generation;
    if (r && r.pid === pid && r.mode === cpumode && r.generation === generation) return r.chain;
    const ids: number[] = [];
    let mode = cpumode;
    let activation = true;
    for (const a of this.raw[rawId]!) {
      if (isContextMarker(a)) {
        const m = CONTEXT_MODE.get(a as bigint);
        if (m !== undefined) mode = m;
        activation = true;
        continue;
      }
      ids.push(this.frame(pid, a, mode, !activation));
      activation = false;
    }
    const chain = ids.length ? this.chainOf(ids) : this.resolveLeaf(pid, ip, cpumode);
    this.resolved[rawId] = { pid, generation, mode: cpumode, chain };
    return chain;
  }

  private frame(pid: number, ip: Addr, mode: number, returnAddress: boolean): number {
    const m = this.spaces.regionOf(pid, ip, mode);
    const dso = m ? m.dso : UNKNOWN_DSO;
    let fileOffset: Addr = m ? addrSubAdd(ip, m.start, m.pgoff) : ip;
    const back =
      returnAddress && m !== undefined && (typeof fileOffset === 'number' ? fileOffset > 0 : fileOffset > 0n);
    if (back) fileOffset = typeof fileOffset === 'number' ? fileOffset - 1 : fileOffset - 1n;
    const key = `${dso}\0${String(fileOffset)}\0${back ? 1 : 0}`;
    let id = this.frameIds.get(key);
    if (id === undefined) {
      id = this.frames.length;
      this.frameIds.set(key, id);
      this.frames.push({ dso, fileOffset, returnAddress: back });
    }
    return id;
  }

  private chainOf(frames: number[]): number {
    const key = frames.join(',');
    let id = this.chainIds.get(key);
    if (id === undefined) {
      id = this.chains.length;
      this.chainIds.set(key, id);
      this.chains.push({ frames, c: [] });
    }
    return id;
  }
}
