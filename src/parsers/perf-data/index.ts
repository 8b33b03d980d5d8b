/** Native perf.data reading: see reader.ts (records), resolve.ts (addresses → DSO offsets), aggregate.ts (summary). */
export { openPerfData, PerfData, type RecordsOptions, type PerfDataTruncation } from './reader';
export {
  summarizePerfData,
  type PerfDataSummary,
  type EventSummary,
  type AddressCounts,
  type SummaryOptions,
} from './aggregate';
export { type CallchainSummary, type ChainCounts, type ChainFrame } from './callchains';
export { type SampleFilter, describeFilter, isEmptyFilter, parseIdList, parseTimeRange } from './sample-filter';
export {
  AddressSpaces,
  fileOffsetToVaddr,
  callchainFrames,
  dsoName,
  kernelModuleName,
  isKernelModuleDso,
  jitDsoName,
  JIT_DSO_PREFIX,
  KERNEL_DSO,
  UNKNOWN_DSO,
  type MappedRegion,
  type ResolvedAddress,
  type LoadSegment,
  type CallchainFrame,
  type MmapLike,
} from './resolve';
export { OrderedQueue } from './ordered';
export { fileSource, memorySource, type ByteSource, type ByteSourceOpener } from './byte-source';
export { PerfDataError, type PerfDataErrorKind } from './errors';
export { isContextMarker } from './sample';
export { type Addr, addrToHex, addrToBigInt } from './binary';
export type { PerfEventAttr } from './attr';
export * from './types';
export { RecordType, SampleType, Feature, PerfContext } from './constants';
