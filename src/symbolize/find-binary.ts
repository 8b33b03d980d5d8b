/**
 * Finding the binary a profile names. Profiles are often read on another machine or in another checkout than the
 * one they were recorded in: the configured binary folders come first, then a bounded search of the given roots
 * (the workspace) by file name, then the recorded path. Callers check each candidate (build-id, symbol addresses).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';

export interface BinarySearch {
  /** Folders that hold binaries, searched by file name (not recursively). */
  binaryPaths?: readonly string[];
  /** Folders searched recursively, a few levels deep, by file name. */
  searchRoots?: readonly string[];
}

const SKIP_DIRS = new Set(['node_modules', '.git', '.vscode-test', 'dist', 'out']);
const MAX_DEPTH = 5;
const MAX_DIRS = 5000;

/** Every existing candidate, most likely first, without duplicates. */
export function binaryCandidates(recorded: string, search: BinarySearch): string[] {
  const name = basename(recorded);
  const out: string[] = [];
  const add = (p: string): void => {
    if (!out.includes(p) && isFile(p)) out.push(p);
  };
  // Configured folders first (the user said so), then the workspace (the checkout the user is looking at, whose
  // sources the heat is drawn on), then the recorded path (which may be another checkout of the same build).
  for (const dir of search.binaryPaths ?? []) add(join(dir, name));
  for (const root of search.searchRoots ?? []) for (const p of findByName(root, name)) add(p);
  if (isAbsolute(recorded)) add(recorded);
  return out;
}

function findByName(root: string, name: string): string[] {
  const hits: string[] = [];
  let queue: string[] = [root];
  let visited = 0;
  for (let depth = 0; depth <= MAX_DEPTH && queue.length && visited < MAX_DIRS; depth++) {
    const next: string[] = [];
    for (const dir of queue) {
      if (++visited > MAX_DIRS) break;
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const e of entries) {
        if (e.isDirectory()) {
          if (!SKIP_DIRS.has(e.name)) next.push(join(dir, e.name));
        } else if (e.name === name && e.isFile()) {
          hits.push(join(dir, e.name));
        }
      }
    }
    queue = next;
  }
  return hits;
}

function isFile(p: string): boolean {
  try {
    return existsSync(p) && statSync(p).isFile();
  } catch {
    return false;
  }
}
