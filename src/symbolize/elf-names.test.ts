import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { functionLookup, readElf } from './elf';

const FIX = join(__dirname, '../../test/fixtures/perf-names');

/** objdump's own labels for the PLT stubs: `0000000000001080 <malloc@plt>:`. */
function objdumpPlt(binary: string): Map<number, string> {
  const out = execFileSync('objdump', ['-d', '-j', '.plt', '-j', '.plt.sec', '-j', '.plt.got', binary]).toString();
  const stubs = new Map<number, string>();
  for (const m of out.matchAll(/^([0-9a-f]+) <([^>+]+@plt)>:$/gm)) stubs.set(parseInt(m[1]!, 16), m[2]!);
  return stubs;
}

for (const name of ['names', 'names-ibt']) {
  test(`PLT stubs of ${name} are named as objdump names them (${name === 'names' ? '.plt, .plt.got' : '.plt.sec with IBT'})`, () => {
    const elf = readElf(join(FIX, name));
    const want = objdumpPlt(elf.path);
    assert.ok(want.size >= 5, 'the fixture calls through the PLT');
    assert.deepEqual(new Map(elf.pltSymbols().map((s) => [s.value, s.name])), want);
    const lookup = functionLookup(elf);
    for (const [addr, stub] of want) {
      // Inside the stub, not only at its start; demangled as perf shows it.
      const shown =
        stub === '_Znam@plt' ? 'operator new[]@plt' : stub === '_ZdaPv@plt' ? 'operator delete[]@plt' : stub;
      assert.equal(lookup(addr + 4), shown, `0x${addr.toString(16)}`);
    }
  });
}

test('aliases at one address are named as perf picks them; C++ symbols demangled without parameters', () => {
  const lookup = functionLookup({
    symbols: () => [
      { name: '__libc_malloc', value: 0x100, size: 16, isFunction: true, binding: 1 },
      { name: 'malloc', value: 0x100, size: 16, isFunction: true, binding: 1 },
      { name: 'free', value: 0x200, size: 16, isFunction: true, binding: 1 },
      { name: 'cfree@GLIBC_2.2.5', value: 0x200, size: 16, isFunction: true, binding: 1 },
      { name: '__free_weak', value: 0x200, size: 16, isFunction: true, binding: 2 },
      { name: '_ZL5scalePKhmm.constprop.0', value: 0x300, size: 16, isFunction: true, binding: 0 },
    ],
  });
  assert.equal(lookup(0x104), 'malloc');
  assert.equal(lookup(0x204), 'cfree@GLIBC_2.2.5');
  assert.equal(lookup(0x304), 'scale');
  assert.equal(lookup(0x314), undefined);
});
