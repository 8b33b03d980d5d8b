/**
 * Reading the text perf printed for each recorded fixture (scripts/record-perf-data-fixtures.sh), and a minimal
 * ELF64 reader for the fixture binary, so that tests compare the reader with perf itself.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadSegment } from '../resolve';

export const FIXTURES = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'perf-data');
export const RECORDINGS = ['cpu-clock-g', 'two-events', 'compressed', 'pipe'] as const;

export interface ScriptMmap {
  pid: number;
  start: bigint;
  len: bigint;
  pgoff: bigint;
  filename: string;
}

export interface ScriptDump {
  mmaps: ScriptMmap[];
  /** "event ip-hex dso" → counts, from the aggregated `S` lines. */
  samples: Map<string, { samples: number; period: number }>;
  comms: string[];
}

export function readScript(name: string): ScriptDump {
  const out: ScriptDump = { mmaps: [], samples: new Map(), comms: [] };
  for (const line of readFileSync(join(FIXTURES, `${name}.script.txt`), 'utf8').split('\n')) {
    let m = /^S (\S+) ([0-9a-f]+) (\S+) (\d+) (\d+)$/.exec(line);
    if (m) {
      out.samples.set(`${m[1]} ${m[2]} ${m[3]}`, { samples: Number(m[4]), period: Number(m[5]) });
      continue;
    }
    m =
      /^PERF_RECORD_MMAP2? (-?\d+)\/-?\d+: \[(0x[0-9a-f]+)\((0x[0-9a-f]+)\) @ (0x[0-9a-f]+|0)[^\]]*\]: \S+ (.*)$/.exec(
        line,
      );
    if (m) {
      out.mmaps.push({
        pid: Number(m[1]),
        start: BigInt(m[2]!),
        len: BigInt(m[3]!),
        pgoff: BigInt(m[4]!),
        filename: m[5]!,
      });
      continue;
    }
    if (line.startsWith('PERF_RECORD_COMM')) out.comms.push(line);
  }
  return out;
}

export interface HeaderDump {
  cmdline: string;
  hostname: string;
  osRelease: string;
  perfVersion: string;
  arch: string;
  nrCpusOnline: number;
  nrCpusAvail: number;
  events: { name: string; ids: number[] }[];
}

export function readHeader(name: string): HeaderDump {
  const text = readFileSync(join(FIXTURES, `${name}.header.txt`), 'utf8');
  const field = (key: string) => new RegExp(`^# ${key} : (.*)$`, 'm').exec(text)?.[1] ?? '';
  const events = [...text.matchAll(/^# event : name = ([^,]+), .*?id = \{ ([\d, ]+) \}/gm)].map((m) => ({
    name: m[1]!,
    ids: m[2]!.split(',').map((s) => Number(s.trim())),
  }));
  return {
    cmdline: field('cmdline').trim(),
    hostname: field('hostname'),
    osRelease: field('os release'),
    perfVersion: field('perf version'),
    arch: field('arch'),
    nrCpusOnline: Number(field('nrcpus online')),
    nrCpusAvail: Number(field('nrcpus avail')),
    events,
  };
}

/** `perf buildid-list`: path → build-id, for the DSOs that have one. */
export function readBuildIds(name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(join(FIXTURES, `${name}.buildids.txt`), 'utf8').split('\n')) {
    const m = /^([0-9a-f]{8,}) (.+)$/.exec(line);
    if (m) out[m[2]!] = m[1]!;
  }
  return out;
}

/** PT_LOAD headers and one symbol's [value, value + size) of a little-endian ELF64 file. */
export function readElf(path: string, symbol: string): { loads: LoadSegment[]; sym?: { start: number; end: number } } {
  const f = readFileSync(path);
  const u16 = (o: number) => f.readUInt16LE(o);
  const u32 = (o: number) => f.readUInt32LE(o);
  const u64 = (o: number) => Number(f.readBigUInt64LE(o));
  const loads: LoadSegment[] = [];
  const phoff = u64(0x20),
    phentsize = u16(0x36),
    phnum = u16(0x38);
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    if (u32(p) === 1) loads.push({ offset: u64(p + 8), vaddr: u64(p + 16), filesz: u64(p + 32) });
  }
  const shoff = u64(0x28),
    shentsize = u16(0x3a),
    shnum = u16(0x3c);
  const sections = Array.from({ length: shnum }, (_, i) => {
    const s = shoff + i * shentsize;
    return {
      type: u32(s + 4),
      offset: u64(s + 0x18),
      size: u64(s + 0x20),
      link: u32(s + 0x28),
      entsize: u64(s + 0x38),
    };
  });
  const symtab = sections.find((s) => s.type === 2);
  if (!symtab) return { loads };
  const strtab = sections[symtab.link]!;
  for (let o = symtab.offset; o < symtab.offset + symtab.size; o += symtab.entsize) {
    const nameOff = strtab.offset + u32(o);
    const name = f.toString('latin1', nameOff, f.indexOf(0, nameOff));
    if (name === symbol) return { loads, sym: { start: u64(o + 8), end: u64(o + 8) + u64(o + 16) } };
  }
  return { loads };
}

/** JSON with bigints as hex strings, for deep comparisons of decoded records. */
export function stable(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    typeof x === 'bigint' ? `0x${x.toString(16)}n` : x instanceof Uint8Array ? [...x] : x,
  );
}
