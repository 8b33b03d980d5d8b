/**
 * Fuzz tier (npm run test:fuzz): mutated perf script text through the full parse, the aggregate and the streamed
 * aggregate; 10,000 cases by default (PERF_HEAT_FUZZ_CASES).
 */
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePerfScript } from './perf-script';
import { aggregatePerfScript, PerfScriptAggregator } from './perf-script-aggregate';
import { fuzzTextParser } from '../../test/fuzz-text';

const FIX = join(__dirname, '../../test/fixtures');
const read = (p: string): string => readFileSync(join(FIX, p), 'utf8');

test('fuzz: mutated script text never throws anything but ProfileFormatError, and never hangs', () => {
  const two = read('perf-probe/script_two_events_srcline.txt').split('\n').slice(0, 30);
  const g = read('perf-probe/script_two_events_symoff_dso.txt').split('\n').slice(0, 8);
  const dwarf = read('perf-probe/script_dwarf_callgraph_inline.txt').split('\n').slice(0, 12);
  fuzzTextParser({
    bases: [two, g, dwarf, read('perf-probe/script_big_srcline_head2000.txt').split('\n').slice(0, 8)],
    pieces: [
      '\t',
      '  ',
      ': ',
      ':',
      ' (inlined)',
      '+0x',
      ' (',
      ')',
      '\t 12a2 f',
      '  a.c:1',
      'PERF_RECORD_',
      '1.5:',
      '',
      '\r',
      '[000]',
      '9/9',
    ],
    // Both entry points: the full parse and the streaming aggregate.
    parse: (text, file) => {
      let first: unknown;
      // The streamed aggregate, fed in 7-character pieces, must fail (or not) exactly as the whole-text one.
      const streamed = (t: string, f: string) => {
        const agg = new PerfScriptAggregator(f);
        for (let i = 0; i < t.length; i += 7) agg.feed(t.slice(i, i + 7));
        return agg.finish();
      };
      for (const fn of [parsePerfScript, aggregatePerfScript, streamed]) {
        try {
          fn(text, file);
        } catch (e) {
          first ??= e;
        }
      }
      if (first) throw first;
    },
  });
});
