/**
 * The workspace search for binaries a profile names: one walk per load, shared by every lookup (200 missing DSOs
 * used to cost 200 walks), done asynchronously before the lookups, and bounded in folders however big the tree.
 * The trees are made here.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { binaryCandidates, prepareBinarySearch, walkStats } from './find-binary';

const dir = mkdtempSync(join(tmpdir(), 'ph-walk-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** `width` folders under each of `depth` levels' first folder: width × depth folders in all, plus the root. */
function tree(root: string, width: number, depth: number): number {
  let at = root;
  let folders = 0;
  for (let d = 0; d < depth; d++) {
    for (let i = 0; i < width; i++) {
      mkdirSync(join(at, `d${i}`), { recursive: true });
      writeFileSync(join(at, `d${i}`, `file${i}.c`), '');
      folders++;
    }
    at = join(at, 'd0');
  }
  return folders + 1;
}

describe('binary search of the workspace', () => {
  it('200 missing binaries cost one walk, made before the lookups, and found binaries are still found', async () => {
    const root = join(dir, 'ws');
    const folders = tree(root, 60, 4);
    writeFileSync(join(root, 'd3', 'libhere.so'), 'x');
    const search = { searchRoots: [root] };
    walkStats.dirsRead = 0;
    await prepareBinarySearch(search);
    assert.equal(walkStats.dirsRead, folders);
    for (let i = 0; i < 200; i++) assert.deepEqual(binaryCandidates(`/build/missing-${i}.so`, search), []);
    assert.deepEqual(binaryCandidates('/elsewhere/libhere.so', search), [join(root, 'd3', 'libhere.so')]);
    assert.equal(walkStats.dirsRead, folders, 'the lookups read no folder themselves');
  });

  it('without preparation, the first lookup walks once and the rest reuse it', () => {
    const root = join(dir, 'ws');
    const search = { searchRoots: [root] };
    walkStats.dirsRead = 0;
    for (let i = 0; i < 50; i++) binaryCandidates(`/build/missing-${i}.so`, search);
    assert.ok(walkStats.dirsRead > 0 && walkStats.dirsRead <= 241, String(walkStats.dirsRead));
  });

  it('a tree of 6,000 folders is walked no further than 5,000', async () => {
    const root = join(dir, 'wide');
    tree(root, 1500, 4);
    walkStats.dirsRead = 0;
    await prepareBinarySearch({ searchRoots: [root] });
    assert.equal(walkStats.dirsRead, 5000);
  });
});
