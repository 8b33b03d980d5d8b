/**
 * Numbers from the perf.data format: `include/uapi/linux/perf_event.h` (kernel records, sample_type bits) and
 * `tools/perf/util/event.h` / `header.h` (perf's own records and feature bits). Kept in one place so that the
 * reader, the test writer and the error messages agree on them.
 */

/** Record types: below 64 the kernel writes them, from 64 on perf itself does. */
export const RecordType = {
  MMAP: 1,
  LOST: 2,
  COMM: 3,
  EXIT: 4,
  THROTTLE: 5,
  UNTHROTTLE: 6,
  FORK: 7,
  READ: 8,
  SAMPLE: 9,
  MMAP2: 10,
  AUX: 11,
  ITRACE_START: 12,
  LOST_SAMPLES: 13,
  SWITCH: 14,
  SWITCH_CPU_WIDE: 15,
  NAMESPACES: 16,
  KSYMBOL: 17,
  BPF_EVENT: 18,
  CGROUP: 19,
  TEXT_POKE: 20,
  AUX_OUTPUT_HW_ID: 21,
  HEADER_ATTR: 64,
  HEADER_EVENT_TYPE: 65,
  HEADER_TRACING_DATA: 66,
  HEADER_BUILD_ID: 67,
  FINISHED_ROUND: 68,
  ID_INDEX: 69,
  AUXTRACE_INFO: 70,
  AUXTRACE: 71,
  AUXTRACE_ERROR: 72,
  THREAD_MAP: 73,
  CPU_MAP: 74,
  STAT_CONFIG: 75,
  STAT: 76,
  STAT_ROUND: 77,
  EVENT_UPDATE: 78,
  TIME_CONV: 79,
  HEADER_FEATURE: 80,
  COMPRESSED: 81,
  FINISHED_INIT: 82,
  /** Newer perf: like COMPRESSED but with an explicit payload size and 8-byte padding. */
  COMPRESSED2: 83,
} as const;

/** perf_event_attr.sample_type bits. */
export const SampleType = {
  IP: 1 << 0,
  TID: 1 << 1,
  TIME: 1 << 2,
  ADDR: 1 << 3,
  READ: 1 << 4,
  CALLCHAIN: 1 << 5,
  ID: 1 << 6,
  CPU: 1 << 7,
  PERIOD: 1 << 8,
  STREAM_ID: 1 << 9,
  RAW: 1 << 10,
  BRANCH_STACK: 1 << 11,
  REGS_USER: 1 << 12,
  STACK_USER: 1 << 13,
  WEIGHT: 1 << 14,
  DATA_SRC: 1 << 15,
  IDENTIFIER: 1 << 16,
  TRANSACTION: 1 << 17,
  REGS_INTR: 1 << 18,
  PHYS_ADDR: 1 << 19,
  AUX: 1 << 20,
  CGROUP: 1 << 21,
  DATA_PAGE_SIZE: 1 << 22,
  CODE_PAGE_SIZE: 1 << 23,
  WEIGHT_STRUCT: 1 << 24,
} as const;

/** Every sample_type bit this reader can size; a sample with any other bit set cannot be decoded safely. */
export const KNOWN_SAMPLE_TYPE_BITS = (1 << 25) - 1;

export const ReadFormat = {
  TOTAL_TIME_ENABLED: 1,
  TOTAL_TIME_RUNNING: 2,
  ID: 4,
  GROUP: 8,
  LOST: 16,
} as const;

/** branch_sample_type bits that change the layout of PERF_SAMPLE_BRANCH_STACK. */
export const BRANCH_HW_INDEX = 1 << 17;
export const BRANCH_COUNTERS = 1 << 19;

/** header.misc: the low 3 bits are the cpu mode the record (or sample) was taken in. */
export const Misc = {
  CPUMODE_MASK: 7,
  CPUMODE_UNKNOWN: 0,
  KERNEL: 1,
  USER: 2,
  HYPERVISOR: 3,
  GUEST_KERNEL: 4,
  GUEST_USER: 5,
  /** COMM: the comm changed because of an exec. */
  COMM_EXEC: 1 << 13,
  /** MMAP2: ino/dev replaced by a build-id. */
  MMAP_BUILD_ID: 1 << 14,
  /** HEADER_BUILD_ID: byte 20 of the build-id field holds its length. */
  BUILD_ID_SIZE: 1 << 15,
} as const;

/** Feature section bits of the file header (perf's `HEADER_*` enum). */
export const Feature = {
  TRACING_DATA: 1,
  BUILD_ID: 2,
  HOSTNAME: 3,
  OSRELEASE: 4,
  VERSION: 5,
  ARCH: 6,
  NRCPUS: 7,
  CPUDESC: 8,
  CPUID: 9,
  TOTAL_MEM: 10,
  CMDLINE: 11,
  EVENT_DESC: 12,
  CPU_TOPOLOGY: 13,
  NUMA_TOPOLOGY: 14,
  BRANCH_STACK: 15,
  PMU_MAPPINGS: 16,
  GROUP_DESC: 17,
  AUXTRACE: 18,
  STAT: 19,
  CACHE: 20,
  SAMPLE_TIME: 21,
  MEM_TOPOLOGY: 22,
  CLOCKID: 23,
  DIR_FORMAT: 24,
  BPF_PROG_INFO: 25,
  BPF_BTF: 26,
  COMPRESSED: 27,
  CPU_PMU_CAPS: 28,
  CLOCK_DATA: 29,
  HYBRID_TOPOLOGY: 30,
  PMU_CAPS: 31,
} as const;

/** The header's feature bitmap has room for 256 bits. */
export const FEATURE_BITS = 256;

/**
 * Callchain entries at or above 2^64 − 4095 are not addresses but markers saying in which context the following
 * entries were taken (PERF_CONTEXT_KERNEL = −128, USER = −512, …).
 */
export const PERF_CONTEXT_MAX = 0xfffffffffffff001n;
export const PerfContext = {
  HV: 0xffffffffffffffe0n,
  KERNEL: 0xffffffffffffff80n,
  USER: 0xfffffffffffffe00n,
  GUEST: 0xfffffffffffff800n,
  GUEST_KERNEL: 0xfffffffffffff780n,
  GUEST_USER: 0xfffffffffffff600n,
} as const;

export const PERF_TYPE = { HARDWARE: 0, SOFTWARE: 1, TRACEPOINT: 2, HW_CACHE: 3, RAW: 4, BREAKPOINT: 5 } as const;
