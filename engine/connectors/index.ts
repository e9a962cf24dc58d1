export { hasOffsetRanges, limitRanges, type HasOffsetRanges, type Offset, type OffsetRange, type ReadLimit, type ReplayableSource } from './Source.ts';
export { SourceRDD } from './SourceRDD.ts';
export { DirectInputDStream, createDirectStream, type DirectStreamOptions } from './DirectInputDStream.ts';
