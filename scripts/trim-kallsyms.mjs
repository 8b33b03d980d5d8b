// Keeps of a kallsyms file only what naming some kernel ips needs, the way perf names them: every line at the
// address of the symbol covering each ip, every line at the next symbol's address (where that one ends), and
// `_text` (to relocate by). Usage: node scripts/trim-kallsyms.mjs <kallsyms> <file of hex ips> <out>
import { readFileSync, writeFileSync } from 'node:fs';

const [src, ipsFile, out] = process.argv.slice(2);
const lines = readFileSync(src, 'latin1').split('\n').filter(Boolean);
const ips = readFileSync(ipsFile, 'latin1')
  .split('\n')
  .filter(Boolean)
  .map((x) => BigInt('0x' + x));
const at = (l) => BigInt('0x' + l.slice(0, l.indexOf(' ')));
// perf keeps text, weak, data and bss symbols (T W D B, any case); the others do not end a symbol.
const starts = [...new Set(lines.filter((l) => /^[0-9a-f]+ [TtWwDdBb] /.test(l)).map(at))].sort((a, b) =>
  a < b ? -1 : a > b ? 1 : 0,
);
const want = new Set();
for (const ip of ips) {
  let lo = 0,
    hi = starts.length - 1,
    f = -1;
  while (lo <= hi) {
    const m = (lo + hi) >> 1;
    if (starts[m] <= ip) {
      f = m;
      lo = m + 1;
    } else hi = m - 1;
  }
  if (f >= 0) {
    want.add(starts[f]);
    if (f + 1 < starts.length) want.add(starts[f + 1]);
  }
}
writeFileSync(out, lines.filter((l) => want.has(at(l)) || / _text$/.test(l)).join('\n') + '\n');
