/**
 * Kernel samples of a perf.data, named as perf report names them: one row per kernel symbol, from the recorded
 * kernel's kallsyms (src/symbolize/kallsyms.ts). Where no copy of the recorded kernel's symbols exists here, the
 * kernel's samples become one `[kernel.kallsyms]` row and the user is told where perf would have looked and how to
 * make the copy; they are never spread over one row per address.
 */
import { addrToBigInt, type AddressCounts, type Addr } from '../parsers/perf-data';
import type { ProfileBuilder, ProfileMetadata } from '../model/profile';
import { kallsymsPlaces, nameKernelAddresses } from '../symbolize/kallsyms';
import type { LoadOptions } from './load-profile';
import { dirname, join } from 'node:path';

export const KERNEL = '[kernel.kallsyms]';

export function addKernelSamples(
  profilePath: string,
  dso: string,
  addresses: readonly AddressCounts[],
  buildId: string | undefined,
  recordedText: Addr | undefined,
  options: LoadOptions,
  builder: ProfileBuilder,
  metadata: ProfileMetadata,
): void {
  const search = { cacheDir: options.buildIdCacheDir, moreCacheDirs: [join(dirname(profilePath), '.debug')] };
  // A module `[ext4]` owns the kallsyms entries tagged with it; the kernel those without a tag.
  const module = dso === KERNEL ? undefined : dso.slice(1, -1);
  if (options.functionNames === false) {
    // Only lines are wanted, and kernel code has none here: the samples count under the kernel's name.
    metadata.binaries.push({ recorded: dso, buildId, note: 'not named (only source lines were asked for)' });
    for (const a of addresses)
      builder.addAddress({ dso, address: -1, symbol: dso, counts: a.period, samples: a.samples, inlineChain: [] });
    return;
  }
  const recorded = addresses.map((a) => addrToBigInt(a.fileOffset));
  const syms = nameKernelAddresses(
    buildId,
    search,
    module,
    recordedText === undefined ? undefined : addrToBigInt(recordedText),
    recorded,
    options.symbolCache,
  );
  metadata.binaries.push({
    recorded: dso,
    buildId,
    foundAt: syms?.source,
    note: syms ? undefined : 'no kallsyms of the recorded kernel',
  });
  let unnamed = 0;
  addresses.forEach((a, i) => {
    const name = syms?.names[i];
    if (!name) unnamed++;
    builder.addAddress({
      dso,
      address: -1,
      symbol: name ?? dso,
      counts: a.period,
      samples: a.samples,
      inlineChain: [],
    });
  });
  if (!syms && addresses.length) {
    const [cached, proc] = kallsymsPlaces(buildId, search);
    builder.warn(
      buildId
        ? `kernel samples are not named: no kallsyms of the recorded kernel (build-id ${buildId}) at ${cached}, and ${proc} is another kernel's. Record without -N (perf record keeps that copy), or copy the recording machine's ~/.debug/[kernel.kallsyms] here.`
        : `kernel samples are not named: the recording has no build-id for the kernel (perf record -B, or pipe mode), so no kallsyms can be trusted to be the recorded kernel's.`,
    );
  } else if (unnamed) {
    builder.warn(
      `${unnamed} addresses in ${dso} are outside every symbol of ${syms!.source}: they are counted as ${dso}.`,
    );
  }
}

/**
 * The kernel symbols of callchain frames in `dso` (the kernel or a module), named the same way as its samples; a
 * name per address, undefined outside every symbol or without the recorded kernel's kallsyms.
 */
export function kernelFrameNames(
  profilePath: string,
  dso: string,
  buildId: string | undefined,
  recordedText: Addr | undefined,
  options: LoadOptions,
  addresses: readonly Addr[],
): (string | undefined)[] {
  const search = { cacheDir: options.buildIdCacheDir, moreCacheDirs: [join(dirname(profilePath), '.debug')] };
  const module = dso === KERNEL ? undefined : dso.slice(1, -1);
  const syms = nameKernelAddresses(
    buildId,
    search,
    module,
    recordedText === undefined ? undefined : addrToBigInt(recordedText),
    addresses.map(addrToBigInt),
    options.symbolCache,
  );
  return addresses.map((_, i) => syms?.names[i]);
}
