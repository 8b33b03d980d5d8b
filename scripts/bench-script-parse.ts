// Throughput of the perf script parsers on ~50 MB of real samples repeated (docs/perf-formats.md §5: scripts of 150K
// samples are common). Run: node --import tsx scripts/bench-script-parse.ts [MB]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePerfScript } from '../src/parsers/perf-script';
import { aggregatePerfScript } from '../src/parsers/perf-script-aggregate';

const FIX = join(__dirname, '../test/fixtures/perf-probe');
const targetMB = Number(process.argv[2] ?? 50);
const sources = [
  'script_big_srcline_head2000.txt',
  'script_two_events_srcline.txt',
  'script_dwarf_callgraph_inline.txt',
  'script_two_events_hide_callgraph.txt',
];

for (const name of sources) {
  const one = readFileSync(join(FIX, name), 'utf8');
  // Whole samples only: callchain files end each sample with a blank line, -G files have one per line pair.
  const unit = one.endsWith('\n') ? one : one + '\n';
  const text = unit.repeat(Math.max(1, Math.round((targetMB * 1e6) / unit.length)));
  const mb = text.length / 1e6;
  for (const [label, fn] of [
    ['aggregatePerfScript', aggregatePerfScript],
    ['parsePerfScript', parsePerfScript],
  ] as const) {
    fn(unit, name); // warm up
    // CPU time as well as wall time: on a shared machine the wall clock measures the neighbours.
    let wall = Infinity;
    let cpu = Infinity;
    for (let i = 0; i < 3; i++) {
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      fn(text, name);
      wall = Math.min(wall, Number(process.hrtime.bigint() - t0) / 1e9);
      const c = process.cpuUsage(c0);
      cpu = Math.min(cpu, (c.user + c.system) / 1e6);
    }
    console.log(
      `${label.padEnd(20)} ${name.padEnd(38)} ${mb.toFixed(1)} MB  wall ${wall.toFixed(2)} s = ${(mb / wall).toFixed(0)} MB/s  cpu ${cpu.toFixed(2)} s = ${(mb / cpu).toFixed(0)} MB/s`,
    );
  }
}
