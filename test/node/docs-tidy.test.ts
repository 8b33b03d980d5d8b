/**
 * The map stays true: every source file under src/ is named in the README.md of its folder (or of a folder above
 * it inside src/) or in ARCHITECTURE.md, by its file name or by a pattern written there in backticks
 * (`stat-metrics*.ts`). Test files (`*.test.ts`) are named by the file they test and are not required.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';

const ROOT = join(__dirname, '../..');
const SRC = join(ROOT, 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.(ts|mjs|js)$/.test(e.name) && !e.name.endsWith('.d.ts') && !/\.test\.ts$/.test(e.name) ? [p] : [];
  });
}

/** Whether `doc` names `file`: the file name as a word, or a backticked glob (`report*.ts`) that matches it. */
function names(doc: string, file: string): boolean {
  const name = basename(file);
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (new RegExp(`(^|[^\\w.-])${escaped}($|[^\\w-])`).test(doc)) return true;
  for (const m of doc.matchAll(/`([^`\s]*\*[^`\s]*)`/g)) {
    const glob = m[1].split('/').pop()!;
    // Only a name pattern with a stem (`report*.ts`): `*`, `*.test.ts` or `__has_*` name no file.
    if (!/^[\w-]{2,}\*[\w.-]*\.(ts|mjs|js)$/.test(glob)) continue;
    const re = new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
    if (re.test(name)) return true;
  }
  return false;
}

test('every source file under src/ is named in its folder README or in ARCHITECTURE.md', () => {
  const architecture = readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8');
  const files = sources(SRC);
  assert.ok(files.length > 50, `${files.length} source files found`);
  const missing: string[] = [];
  for (const f of files) {
    const docs = [architecture];
    for (let d = dirname(f); d.startsWith(SRC); d = dirname(d)) {
      const readme = join(d, 'README.md');
      if (existsSync(readme)) docs.push(readFileSync(readme, 'utf8'));
    }
    if (!docs.some((doc) => names(doc, f))) missing.push(relative(ROOT, f));
  }
  assert.deepEqual(missing, [], `not named in their folder's README.md or ARCHITECTURE.md:\n  ${missing.join('\n  ')}`);
});

test("the check itself: a name inside a longer name, or a glob of another folder's pattern, does not count", () => {
  assert.ok(names('`line-header.ts`', '/x/line-header.ts'));
  assert.ok(names('`stat-metrics*.ts` (runs)', '/x/stat-metrics-view.ts'));
  assert.ok(!names('`perf-script-aggregate.ts`', '/x/aggregate.ts'));
  assert.ok(!names('`report*.ts`', '/x/export-report.ts'));
  assert.ok(!names('no mention', '/x/line-header.ts'));
  assert.ok(!names('any `*` activation, `src/**/*.test.ts`', '/x/line-header.ts'));
});
