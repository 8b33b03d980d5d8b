/**
 * The source files of the workspace, by absolute path: what recorded paths are matched against. Built by walking
 * the folders once per profile load; cheap next to symbolization, and it sees files no editor has opened.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileRoots, type ServerContext } from './context';

const SOURCE = /\.(c|h|inc|inl|def|cc|cpp|cxx|hh|hpp|hxx|ipp|tcc|s|S)$/;
const SKIP = new Set(['node_modules', '.git', '.hg', '.svn', '.vscode-test']);
const MAX_FILES = 200_000;

export async function listSourceFiles(roots: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return; // unreadable folders are simply not part of the index
    }
    for (const e of entries) {
      if (out.length >= MAX_FILES) return;
      if (e.isDirectory()) {
        if (!SKIP.has(e.name)) await walk(join(dir, e.name));
      } else if (e.isFile() && SOURCE.test(e.name)) {
        out.push(join(dir, e.name));
      }
    }
  };
  for (const r of roots) await walk(r);
  return out;
}

/** Folders added to or removed from the workspace: the next profile load matches against the new set. */
export function register(ctx: ServerContext): void {
  ctx.onInitialized(() => {
    if (!ctx.workspace.sendsFolderChanges) return;
    ctx.connection.workspace.onDidChangeWorkspaceFolders((e) => {
      ctx.workspace.changeFolders(fileRoots(e.added.map((f) => f.uri)), fileRoots(e.removed.map((f) => f.uri)));
    });
  });
}
