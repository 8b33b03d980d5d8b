/**
 * Fuzz tier (npm run test:fuzz): arbitrary bytes as x86-64 and AArch64 code, 10,000 cases by default
 * (PERF_HEAT_FUZZ_CASES). Whatever the bytes, the decoder answers (data becomes `.byte` rows): instructions in
 * address order, each inside the bytes given, covering them without gaps, with text.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { decode, EM_AARCH64, EM_X86_64 } from './capstone';

test('fuzz: any bytes decode to rows that tile them, in order, each with text', { timeout: 600_000 }, async () => {
  const cases = Number(process.env.PERF_HEAT_FUZZ_CASES ?? 10_000);
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(EM_X86_64, EM_AARCH64),
      fc.uint8Array({ minLength: 1, maxLength: 96 }),
      fc.nat(0xffffff),
      async (machine, bytes, base) => {
        const rows = await decode(machine, bytes, base);
        let at = base;
        for (const r of rows) {
          assert.equal(r.address, at, 'no gap, no overlap');
          assert.ok(r.size >= 1 && r.size <= 15, `size ${r.size}`);
          assert.ok(r.mnemonic.length > 0);
          at += r.size;
        }
        assert.ok(at - base <= bytes.length, 'inside the bytes given');
        // A tail shorter than one instruction may be left undecoded, never more than an instruction's length.
        assert.ok(bytes.length - (at - base) < 16, `${bytes.length - (at - base)} bytes left over`);
      },
    ),
    { numRuns: cases },
  );
});
