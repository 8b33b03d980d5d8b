/**
 * Samples in executable anonymous memory (JIT code), named as perf report names them: the binary is `[JIT] tid
 * <pid>`, each symbol comes from the JIT's own map file /tmp/perf-<pid>.map (`<start hex> <size hex> <name>` per line,
 * the format JITs write for perf), and an address no entry covers reads as perf prints it, `0x00007ff5dc5bf007`.
 */
import { readFileSync } from 'node:fs';
import { addrToBigInt, JIT_DSO_PREFIX, type AddressCounts } from '../parsers/perf-data';
import type { ProfileBuilder } from '../model/profile';

interface JitSymbol {
  start: bigint;
  end: bigint;
  name: string;
}

export function readPerfMap(text: string): JitSymbol[] {
  const out: JitSymbol[] = [];
  for (const line of text.split('\n')) {
    const m = /^(?:0x)?([0-9a-fA-F]+) (?:0x)?([0-9a-fA-F]+) (.+)$/.exec(line.trimEnd());
    if (!m) continue;
    const start = BigInt('0x' + m[1]);
    out.push({ start, end: start + BigInt('0x' + m[2]), name: m[3]! });
  }
  return out.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

export function addJitSamples(
  dso: string,
  addresses: readonly AddressCounts[],
  builder: ProfileBuilder,
  mapDir = '/tmp',
): void {
  const pid = dso.slice(JIT_DSO_PREFIX.length);
  let syms: JitSymbol[] = [];
  try {
    syms = readPerfMap(readFileSync(`${mapDir}/perf-${pid}.map`, 'utf8'));
  } catch {
    /* no map file: perf shows raw addresses too */
  }
  for (const a of addresses) {
    const ip = addrToBigInt(a.fileOffset);
    // Later entries win where a JIT reused memory (perf reads the file in order, newest last).
    let name: string | undefined;
    for (const s of syms) if (s.start <= ip && ip < s.end) name = s.name;
    builder.addAddress({
      dso,
      address: -1,
      symbol: name ?? `0x${ip.toString(16).padStart(16, '0')}`,
      counts: a.period,
      samples: a.samples,
      inlineChain: [],
    });
  }
}
