// Runs every fast Node test (src/**/*.test.ts, test/node/**/*.test.ts) with node:test through tsx, and prints
// `N passed, N failed` last so the caller can add tiers up.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const files = [];
const walk = (d) => {
  for (const e of readdirSync(d, { withFileTypes: true })) {
    if (e.isDirectory()) walk(join(d, e.name));
    else if (e.name.endsWith('.test.ts')) files.push(relative(root, join(d, e.name)));
  }
};
walk(join(root, 'src'));
walk(join(root, 'test/node'));
const filter = process.argv.slice(2);
const chosen = filter.length ? files.filter((f) => filter.some((x) => f.includes(x))) : files;
// The builtin symbolizer's cache goes to a folder of this run: tests start cold and leave ~/.cache alone.
const cacheDir = mkdtempSync(join(tmpdir(), 'ph-test-cache-'));
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...chosen.sort()], {
  cwd: root,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, PERF_HEAT_CACHE_DIR: cacheDir },
});
rmSync(cacheDir, { recursive: true, force: true });
process.stdout.write(r.stdout);
const count = (k) => Number((new RegExp(`^ℹ ${k} (\\d+)`, 'm').exec(r.stdout) ?? [])[1] ?? 0);
console.log(`${count('pass')} passed, ${count('fail')} failed`);
process.exit(r.status ?? 1);
