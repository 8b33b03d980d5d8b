/**
 * The fuzz harness every text parser's tests share: real outputs mutated line by line (cut, overwritten, inserted
 * pieces of the format's own syntax or random strings), fed to the parser, which may only succeed or throw a
 * ProfileFormatError naming the file ("fuzz.txt") and, where it can, the line. Nothing is timed: every parser's
 * work is bounded by the text's length by construction, and the test runner's timeout catches a hang.
 */
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { ProfileFormatError } from '../src/parsers/errors';
import { maxOf } from '../src/model/extremes';

export interface TextFuzz {
  /** Real outputs, as lines. */
  bases: string[][];
  /** Fragments of the format's own syntax, mixed with random strings. */
  pieces: string[];
  /** Parses the text (throwing is allowed only as ProfileFormatError) and checks what came out. */
  parse: (text: string, file: string) => void;
}

export function fuzzTextParser({ bases, pieces, parse }: TextFuzz): void {
  const cases = Number(process.env.PERF_HEAT_FUZZ_CASES ?? 10_000);
  const longest = maxOf(bases, (b) => b.length);
  fc.assert(
    fc.property(
      fc.nat(bases.length - 1),
      fc.array(
        fc.tuple(
          fc.nat(longest),
          fc.nat(120),
          fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom(...pieces)),
          fc.boolean(),
        ),
        { maxLength: 5 },
      ),
      (b, edits) => {
        const lines = bases[b].slice();
        for (const [at, cut, s, insert] of edits) {
          const i = at % lines.length;
          if (insert) lines.splice(i, 0, s);
          else lines[i] = lines[i].slice(0, cut % (lines[i].length + 1)) + s;
        }
        try {
          parse(lines.join('\n'), 'fuzz.txt');
        } catch (e) {
          if (!(e instanceof ProfileFormatError)) throw e;
          assert.match(e.message, /^fuzz\.txt(:\d+)?: /);
        }
      },
    ),
    { numRuns: cases },
  );
}
