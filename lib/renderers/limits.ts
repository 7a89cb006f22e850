/** What a format cannot hold, said where the CLI refuses it before a run and where the renderer refuses it. */

/** .cpuprofile holds sample times only: it has no place for bytes. */
export const CPUPROFILE_ALLOC_MESSAGE =
  'the cpuprofile format holds time only and cannot show an allocation profile (--mode alloc): use html, text, pprof (alloc_space), speedscope or collapsed';
