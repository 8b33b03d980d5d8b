/**
 * Where the debug info of a binary may live, in the order perf and gdb look: the binary itself, the build-id
 * caches (`~/.debug/.build-id/xx/rest/elf`, `/usr/lib/debug/.build-id/xx/rest.debug`) and `.gnu_debuglink` next to
 * the binary, in its `.debug/` folder and under `/usr/lib/debug`.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export function buildIdPaths(buildId: string): string[] {
  if (buildId.length < 3) return [];
  const head = buildId.slice(0, 2);
  const rest = buildId.slice(2);
  return [
    join(homedir(), '.debug/.build-id', head, rest, 'elf'),
    join('/usr/lib/debug/.build-id', head, `${rest}.debug`),
  ].filter((p) => existsSync(p));
}

export function debugLinkPaths(binary: string, debugLink: string): string[] {
  const dir = dirname(binary);
  return [join(dir, debugLink), join(dir, '.debug', debugLink), join('/usr/lib/debug', dir, debugLink)].filter(
    (p) => p !== binary && existsSync(p),
  );
}
