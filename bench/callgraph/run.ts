/**
 * The call graph's cost beside perf's: summarizing a -g recording with and without its callchains, and building
 * the graph, against `perf report --children --sort sym` on the same file in the same run (ratios, not seconds).
 *   node --import tsx bench/callgraph/run.ts [perf.data] (default: the demo's profiles/callgraph.perf.data)
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { summarizePerfData } from '../../src/parsers/perf-data';
import { loadProfile } from '../../src/engine/load-profile';
import { buildCallGraph } from '../../src/model/call-graph';

const file = process.argv[2] ?? join(__dirname, '../../demo/mini-hz3/profiles/callgraph.perf.data');
const best = async (f: () => Promise<unknown> | unknown, n = 5): Promise<number> => {
  let min = Infinity;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f();
    min = Math.min(min, performance.now() - t);
  }
  return min;
};

(async () => {
  const perf = await best(
    () =>
      execFileSync('perf', ['report', '-i', file, '--children', '--sort', 'sym', '--stdio', '-g', 'none'], {
        stdio: ['ignore', 'ignore', 'ignore'],
      }),
    3,
  );
  const flat = await best(() => summarizePerfData(file, { callchains: false }));
  const chains = await best(() => summarizePerfData(file));
  const s = await summarizePerfData(file);
  const profile = await loadProfile(file, {
    searchRoots: [join(__dirname, '../../demo/mini-hz3')],
    symbolCache: false,
  });
  const graph = await best(() => buildCallGraph({ ...profile.callchains! }, profile.events.length));
  const g = buildCallGraph(profile.callchains!, profile.events.length);
  const samples = s.events.reduce((a, e) => a + e.samples, 0);
  console.log(
    `${file}: ${samples} samples, ${s.callchains!.chains.length} distinct chains, ${s.callchains!.frames.length} distinct frames; graph: ${g.functions.length} functions, ${g.edges.length} edges`,
  );
  console.log(`perf report --children --sort sym: ${perf.toFixed(1)} ms`);
  console.log(`summary without callchains: ${flat.toFixed(1)} ms (${(flat / perf).toFixed(2)}x perf)`);
  console.log(
    `summary with callchains:    ${chains.toFixed(1)} ms (${(chains / perf).toFixed(2)}x perf, ${(chains / flat).toFixed(2)}x without)`,
  );
  console.log(`call graph from the symbolized chains: ${graph.toFixed(1)} ms (${(graph / perf).toFixed(2)}x perf)`);
})();
