import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface AuthorSeq {
  author: Uint8Array<ArrayBuffer>
  seq: bigint
  lane: number
  tip?: Uint8Array<ArrayBuffer>
}

export namespace AuthorSeq {
  let _codec: Codec<AuthorSeq>

  export const codec = (): Codec<AuthorSeq> => {
    if (_codec == null) {
      _codec = message<AuthorSeq>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.author != null && obj.author.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.author)
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(16)
          w.uint64(obj.seq)
        }

        if ((obj.lane != null && obj.lane !== 0)) {
          w.uint32(24)
          w.uint32(obj.lane)
        }

        if (obj.tip != null) {
          w.uint32(34)
          w.bytes(obj.tip)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          author: new Uint8Array(0),
          seq: 0n,
          lane: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.author = reader.bytes()
              break
            }
            case 2: {
              obj.seq = reader.uint64()
              break
            }
            case 3: {
              obj.lane = reader.uint32()
              break
            }
            case 4: {
              obj.tip = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.author`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.lane`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.tip`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface AuthorSeqAuthorFieldEvent {
    field: '$.author'
    value: Uint8Array<ArrayBuffer>
  }

  export interface AuthorSeqSeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export interface AuthorSeqLaneFieldEvent {
    field: '$.lane'
    value: number
  }

  export interface AuthorSeqTipFieldEvent {
    field: '$.tip'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<AuthorSeq>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, AuthorSeq.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AuthorSeq>): AuthorSeq {
    return decodeMessage(buf, AuthorSeq.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AuthorSeq>): Generator<AuthorSeqAuthorFieldEvent | AuthorSeqSeqFieldEvent | AuthorSeqLaneFieldEvent | AuthorSeqTipFieldEvent> {
    return streamMessage(buf, AuthorSeq.codec(), opts)
  }
}

export interface RetiredLanes {
  author: Uint8Array<ArrayBuffer>
  below: number
  count: number
  digest: Uint8Array<ArrayBuffer>
}

export namespace RetiredLanes {
  let _codec: Codec<RetiredLanes>

  export const codec = (): Codec<RetiredLanes> => {
    if (_codec == null) {
      _codec = message<RetiredLanes>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.author != null && obj.author.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.author)
        }

        if ((obj.below != null && obj.below !== 0)) {
          w.uint32(16)
          w.uint32(obj.below)
        }

        if ((obj.count != null && obj.count !== 0)) {
          w.uint32(24)
          w.uint32(obj.count)
        }

        if ((obj.digest != null && obj.digest.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.digest)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          author: new Uint8Array(0),
          below: 0,
          count: 0,
          digest: new Uint8Array(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.author = reader.bytes()
              break
            }
            case 2: {
              obj.below = reader.uint32()
              break
            }
            case 3: {
              obj.count = reader.uint32()
              break
            }
            case 4: {
              obj.digest = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.author`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.below`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.count`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.digest`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RetiredLanesAuthorFieldEvent {
    field: '$.author'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RetiredLanesBelowFieldEvent {
    field: '$.below'
    value: number
  }

  export interface RetiredLanesCountFieldEvent {
    field: '$.count'
    value: number
  }

  export interface RetiredLanesDigestFieldEvent {
    field: '$.digest'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<RetiredLanes>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RetiredLanes.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RetiredLanes>): RetiredLanes {
    return decodeMessage(buf, RetiredLanes.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RetiredLanes>): Generator<RetiredLanesAuthorFieldEvent | RetiredLanesBelowFieldEvent | RetiredLanesCountFieldEvent | RetiredLanesDigestFieldEvent> {
    return streamMessage(buf, RetiredLanes.codec(), opts)
  }
}

export interface DocVector {
  doc: Uint8Array<ArrayBuffer>
  items: AuthorSeq[]
  retired: RetiredLanes[]
}

export namespace DocVector {
  let _codec: Codec<DocVector>

  export const codec = (): Codec<DocVector> => {
    if (_codec == null) {
      _codec = message<DocVector>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.doc != null && obj.doc.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.doc)
        }

        if (obj.items != null && obj.items.length > 0) {
          for (const value of obj.items) {
            w.uint32(18)
            AuthorSeq.codec().encode(value, w)
          }
        }

        if (obj.retired != null && obj.retired.length > 0) {
          for (const value of obj.retired) {
            w.uint32(26)
            RetiredLanes.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          doc: new Uint8Array(0),
          items: [],
          retired: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.doc = reader.bytes()
              break
            }
            case 2: {
              if (opts.limits?.items != null && obj.items.length === opts.limits.items) {
                throw new MaxLengthError('Decode error - repeated field "items" had too many elements')
              }

              obj.items.push(AuthorSeq.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.items$
              }))
              break
            }
            case 3: {
              if (opts.limits?.retired != null && obj.retired.length === opts.limits.retired) {
                throw new MaxLengthError('Decode error - repeated field "retired" had too many elements')
              }

              obj.retired.push(RetiredLanes.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.retired$
              }))
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          items: 0,
          retired: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.doc`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              if (opts.limits?.items != null && obj.items === opts.limits.items) {
                throw new MaxLengthError('Streaming decode error - repeated field "items" had too many elements')
              }

              for (const evt of AuthorSeq.codec().stream(reader, reader.uint32(), `${prefix}.items[]`, {
                limits: opts.limits?.items$
              })) {
                yield {
                  ...evt,
                  index: obj.items
                }
              }

              obj.items++

              break
            }
            case 3: {
              if (opts.limits?.retired != null && obj.retired === opts.limits.retired) {
                throw new MaxLengthError('Streaming decode error - repeated field "retired" had too many elements')
              }

              for (const evt of RetiredLanes.codec().stream(reader, reader.uint32(), `${prefix}.retired[]`, {
                limits: opts.limits?.retired$
              })) {
                yield {
                  ...evt,
                  index: obj.retired
                }
              }

              obj.retired++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface DocVectorDocFieldEvent {
    field: '$.doc'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DocVectorItemsAuthorFieldEvent {
    field: '$.items[].author'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface DocVectorItemsSeqFieldEvent {
    field: '$.items[].seq'
    value: bigint
    index: number
  }

  export interface DocVectorItemsLaneFieldEvent {
    field: '$.items[].lane'
    value: number
    index: number
  }

  export interface DocVectorItemsTipFieldEvent {
    field: '$.items[].tip'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface DocVectorRetiredAuthorFieldEvent {
    field: '$.retired[].author'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface DocVectorRetiredBelowFieldEvent {
    field: '$.retired[].below'
    value: number
    index: number
  }

  export interface DocVectorRetiredCountFieldEvent {
    field: '$.retired[].count'
    value: number
    index: number
  }

  export interface DocVectorRetiredDigestFieldEvent {
    field: '$.retired[].digest'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export function encode (obj: Partial<DocVector>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DocVector.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DocVector>): DocVector {
    return decodeMessage(buf, DocVector.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DocVector>): Generator<DocVectorDocFieldEvent | DocVectorItemsAuthorFieldEvent | DocVectorItemsSeqFieldEvent | DocVectorItemsLaneFieldEvent | DocVectorItemsTipFieldEvent | DocVectorRetiredAuthorFieldEvent | DocVectorRetiredBelowFieldEvent | DocVectorRetiredCountFieldEvent | DocVectorRetiredDigestFieldEvent> {
    return streamMessage(buf, DocVector.codec(), opts)
  }
}

export interface Range {
  lower: Uint8Array<ArrayBuffer>
  upper: Uint8Array<ArrayBuffer>
  fingerprint: Uint8Array<ArrayBuffer>
  count: number
  listed: boolean
}

export namespace Range {
  let _codec: Codec<Range>

  export const codec = (): Codec<Range> => {
    if (_codec == null) {
      _codec = message<Range>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.lower != null && obj.lower.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.lower)
        }

        if ((obj.upper != null && obj.upper.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.upper)
        }

        if ((obj.fingerprint != null && obj.fingerprint.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.fingerprint)
        }

        if ((obj.count != null && obj.count !== 0)) {
          w.uint32(32)
          w.uint32(obj.count)
        }

        if ((obj.listed != null && obj.listed !== false)) {
          w.uint32(40)
          w.bool(obj.listed)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          lower: new Uint8Array(0),
          upper: new Uint8Array(0),
          fingerprint: new Uint8Array(0),
          count: 0,
          listed: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.lower = reader.bytes()
              break
            }
            case 2: {
              obj.upper = reader.bytes()
              break
            }
            case 3: {
              obj.fingerprint = reader.bytes()
              break
            }
            case 4: {
              obj.count = reader.uint32()
              break
            }
            case 5: {
              obj.listed = reader.bool()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.lower`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.upper`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.fingerprint`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.count`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.listed`,
                value: reader.bool()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RangeLowerFieldEvent {
    field: '$.lower'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RangeUpperFieldEvent {
    field: '$.upper'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RangeFingerprintFieldEvent {
    field: '$.fingerprint'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RangeCountFieldEvent {
    field: '$.count'
    value: number
  }

  export interface RangeListedFieldEvent {
    field: '$.listed'
    value: boolean
  }

  export function encode (obj: Partial<Range>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Range.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Range>): Range {
    return decodeMessage(buf, Range.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Range>): Generator<RangeLowerFieldEvent | RangeUpperFieldEvent | RangeFingerprintFieldEvent | RangeCountFieldEvent | RangeListedFieldEvent> {
    return streamMessage(buf, Range.codec(), opts)
  }
}

export interface PartialSnapshot {
  doc: Uint8Array<ArrayBuffer>
  author: Uint8Array<ArrayBuffer>
  seq: bigint
  offset: bigint
}

export namespace PartialSnapshot {
  let _codec: Codec<PartialSnapshot>

  export const codec = (): Codec<PartialSnapshot> => {
    if (_codec == null) {
      _codec = message<PartialSnapshot>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.doc != null && obj.doc.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.doc)
        }

        if ((obj.author != null && obj.author.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.author)
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(24)
          w.uint64(obj.seq)
        }

        if ((obj.offset != null && obj.offset !== 0n)) {
          w.uint32(32)
          w.uint64(obj.offset)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          doc: new Uint8Array(0),
          author: new Uint8Array(0),
          seq: 0n,
          offset: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.doc = reader.bytes()
              break
            }
            case 2: {
              obj.author = reader.bytes()
              break
            }
            case 3: {
              obj.seq = reader.uint64()
              break
            }
            case 4: {
              obj.offset = reader.uint64()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.doc`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.author`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.offset`,
                value: reader.uint64()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface PartialSnapshotDocFieldEvent {
    field: '$.doc'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PartialSnapshotAuthorFieldEvent {
    field: '$.author'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PartialSnapshotSeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export interface PartialSnapshotOffsetFieldEvent {
    field: '$.offset'
    value: bigint
  }

  export function encode (obj: Partial<PartialSnapshot>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PartialSnapshot.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PartialSnapshot>): PartialSnapshot {
    return decodeMessage(buf, PartialSnapshot.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PartialSnapshot>): Generator<PartialSnapshotDocFieldEvent | PartialSnapshotAuthorFieldEvent | PartialSnapshotSeqFieldEvent | PartialSnapshotOffsetFieldEvent> {
    return streamMessage(buf, PartialSnapshot.codec(), opts)
  }
}

export interface CatchupPlan {
  doc: Uint8Array<ArrayBuffer>
  entries: bigint
  bytes: bigint
  snapshotBytes: bigint
}

export namespace CatchupPlan {
  let _codec: Codec<CatchupPlan>

  export const codec = (): Codec<CatchupPlan> => {
    if (_codec == null) {
      _codec = message<CatchupPlan>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.doc != null && obj.doc.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.doc)
        }

        if ((obj.entries != null && obj.entries !== 0n)) {
          w.uint32(16)
          w.uint64(obj.entries)
        }

        if ((obj.bytes != null && obj.bytes !== 0n)) {
          w.uint32(24)
          w.uint64(obj.bytes)
        }

        if ((obj.snapshotBytes != null && obj.snapshotBytes !== 0n)) {
          w.uint32(32)
          w.uint64(obj.snapshotBytes)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          doc: new Uint8Array(0),
          entries: 0n,
          bytes: 0n,
          snapshotBytes: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.doc = reader.bytes()
              break
            }
            case 2: {
              obj.entries = reader.uint64()
              break
            }
            case 3: {
              obj.bytes = reader.uint64()
              break
            }
            case 4: {
              obj.snapshotBytes = reader.uint64()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.doc`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.entries`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.bytes`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.snapshotBytes`,
                value: reader.uint64()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface CatchupPlanDocFieldEvent {
    field: '$.doc'
    value: Uint8Array<ArrayBuffer>
  }

  export interface CatchupPlanEntriesFieldEvent {
    field: '$.entries'
    value: bigint
  }

  export interface CatchupPlanBytesFieldEvent {
    field: '$.bytes'
    value: bigint
  }

  export interface CatchupPlanSnapshotBytesFieldEvent {
    field: '$.snapshotBytes'
    value: bigint
  }

  export function encode (obj: Partial<CatchupPlan>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, CatchupPlan.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CatchupPlan>): CatchupPlan {
    return decodeMessage(buf, CatchupPlan.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CatchupPlan>): Generator<CatchupPlanDocFieldEvent | CatchupPlanEntriesFieldEvent | CatchupPlanBytesFieldEvent | CatchupPlanSnapshotBytesFieldEvent> {
    return streamMessage(buf, CatchupPlan.codec(), opts)
  }
}

export interface SyncMessage {
  certificates: Uint8Array<ArrayBuffer>[]
  vectors: DocVector[]
  vectorsDone: boolean
  entries: Uint8Array<ArrayBuffer>[]
  snapshotHeader: Uint8Array<ArrayBuffer>
  snapshotChunk: Uint8Array<ArrayBuffer>
  wantVectors: boolean
  ranges: Range[]
  answer: boolean
  partialSnapshots: PartialSnapshot[]
  snapshotOffset: bigint
  catchup?: CatchupPlan
  snapshotWindow: bigint
  snapshotCredit: bigint
  disk: number
  lanes: number
  unfold: Uint8Array<ArrayBuffer>[]
  holds: Uint8Array<ArrayBuffer>
  early: number
  earlyEntries: Uint8Array<ArrayBuffer>[]
  signatures: Uint8Array<ArrayBuffer>[]
  acks: number
  settled: bigint
  refusedFrames: bigint[]
  snapshotSkip?: PartialSnapshot
  snapshotCut: boolean
}

export namespace SyncMessage {
  let _codec: Codec<SyncMessage>

  export const codec = (): Codec<SyncMessage> => {
    if (_codec == null) {
      _codec = message<SyncMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.certificates != null && obj.certificates.length > 0) {
          for (const value of obj.certificates) {
            w.uint32(10)
            w.bytes(value)
          }
        }

        if (obj.vectors != null && obj.vectors.length > 0) {
          for (const value of obj.vectors) {
            w.uint32(18)
            DocVector.codec().encode(value, w)
          }
        }

        if ((obj.vectorsDone != null && obj.vectorsDone !== false)) {
          w.uint32(24)
          w.bool(obj.vectorsDone)
        }

        if (obj.entries != null && obj.entries.length > 0) {
          for (const value of obj.entries) {
            w.uint32(34)
            w.bytes(value)
          }
        }

        if ((obj.snapshotHeader != null && obj.snapshotHeader.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.snapshotHeader)
        }

        if ((obj.snapshotChunk != null && obj.snapshotChunk.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.snapshotChunk)
        }

        if ((obj.wantVectors != null && obj.wantVectors !== false)) {
          w.uint32(56)
          w.bool(obj.wantVectors)
        }

        if (obj.ranges != null && obj.ranges.length > 0) {
          for (const value of obj.ranges) {
            w.uint32(66)
            Range.codec().encode(value, w)
          }
        }

        if ((obj.answer != null && obj.answer !== false)) {
          w.uint32(72)
          w.bool(obj.answer)
        }

        if (obj.partialSnapshots != null && obj.partialSnapshots.length > 0) {
          for (const value of obj.partialSnapshots) {
            w.uint32(162)
            PartialSnapshot.codec().encode(value, w)
          }
        }

        if ((obj.snapshotOffset != null && obj.snapshotOffset !== 0n)) {
          w.uint32(168)
          w.uint64(obj.snapshotOffset)
        }

        if (obj.catchup != null) {
          w.uint32(178)
          CatchupPlan.codec().encode(obj.catchup, w)
        }

        if ((obj.snapshotWindow != null && obj.snapshotWindow !== 0n)) {
          w.uint32(184)
          w.uint64(obj.snapshotWindow)
        }

        if ((obj.snapshotCredit != null && obj.snapshotCredit !== 0n)) {
          w.uint32(192)
          w.uint64(obj.snapshotCredit)
        }

        if ((obj.disk != null && obj.disk !== 0)) {
          w.uint32(200)
          w.uint32(obj.disk)
        }

        if ((obj.lanes != null && obj.lanes !== 0)) {
          w.uint32(208)
          w.uint32(obj.lanes)
        }

        if (obj.unfold != null && obj.unfold.length > 0) {
          for (const value of obj.unfold) {
            w.uint32(218)
            w.bytes(value)
          }
        }

        if ((obj.holds != null && obj.holds.byteLength > 0)) {
          w.uint32(226)
          w.bytes(obj.holds)
        }

        if ((obj.early != null && obj.early !== 0)) {
          w.uint32(232)
          w.uint32(obj.early)
        }

        if (obj.earlyEntries != null && obj.earlyEntries.length > 0) {
          for (const value of obj.earlyEntries) {
            w.uint32(242)
            w.bytes(value)
          }
        }

        if (obj.signatures != null && obj.signatures.length > 0) {
          for (const value of obj.signatures) {
            w.uint32(250)
            w.bytes(value)
          }
        }

        if ((obj.acks != null && obj.acks !== 0)) {
          w.uint32(256)
          w.uint32(obj.acks)
        }

        if ((obj.settled != null && obj.settled !== 0n)) {
          w.uint32(264)
          w.uint64(obj.settled)
        }

        if (obj.refusedFrames != null && obj.refusedFrames.length > 0) {
          for (const value of obj.refusedFrames) {
            w.uint32(272)
            w.uint64(value)
          }
        }

        if (obj.snapshotSkip != null) {
          w.uint32(282)
          PartialSnapshot.codec().encode(obj.snapshotSkip, w)
        }

        if ((obj.snapshotCut != null && obj.snapshotCut !== false)) {
          w.uint32(288)
          w.bool(obj.snapshotCut)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          certificates: [],
          vectors: [],
          vectorsDone: false,
          entries: [],
          snapshotHeader: new Uint8Array(0),
          snapshotChunk: new Uint8Array(0),
          wantVectors: false,
          ranges: [],
          answer: false,
          partialSnapshots: [],
          snapshotOffset: 0n,
          snapshotWindow: 0n,
          snapshotCredit: 0n,
          disk: 0,
          lanes: 0,
          unfold: [],
          holds: new Uint8Array(0),
          early: 0,
          earlyEntries: [],
          signatures: [],
          acks: 0,
          settled: 0n,
          refusedFrames: [],
          snapshotCut: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.certificates != null && obj.certificates.length === opts.limits.certificates) {
                throw new MaxLengthError('Decode error - repeated field "certificates" had too many elements')
              }

              obj.certificates.push(reader.bytes())
              break
            }
            case 2: {
              if (opts.limits?.vectors != null && obj.vectors.length === opts.limits.vectors) {
                throw new MaxLengthError('Decode error - repeated field "vectors" had too many elements')
              }

              obj.vectors.push(DocVector.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.vectors$
              }))
              break
            }
            case 3: {
              obj.vectorsDone = reader.bool()
              break
            }
            case 4: {
              if (opts.limits?.entries != null && obj.entries.length === opts.limits.entries) {
                throw new MaxLengthError('Decode error - repeated field "entries" had too many elements')
              }

              obj.entries.push(reader.bytes())
              break
            }
            case 5: {
              obj.snapshotHeader = reader.bytes()
              break
            }
            case 6: {
              obj.snapshotChunk = reader.bytes()
              break
            }
            case 7: {
              obj.wantVectors = reader.bool()
              break
            }
            case 8: {
              if (opts.limits?.ranges != null && obj.ranges.length === opts.limits.ranges) {
                throw new MaxLengthError('Decode error - repeated field "ranges" had too many elements')
              }

              obj.ranges.push(Range.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.ranges$
              }))
              break
            }
            case 9: {
              obj.answer = reader.bool()
              break
            }
            case 20: {
              if (opts.limits?.partialSnapshots != null && obj.partialSnapshots.length === opts.limits.partialSnapshots) {
                throw new MaxLengthError('Decode error - repeated field "partialSnapshots" had too many elements')
              }

              obj.partialSnapshots.push(PartialSnapshot.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.partialSnapshots$
              }))
              break
            }
            case 21: {
              obj.snapshotOffset = reader.uint64()
              break
            }
            case 22: {
              obj.catchup = CatchupPlan.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.catchup
              })
              break
            }
            case 23: {
              obj.snapshotWindow = reader.uint64()
              break
            }
            case 24: {
              obj.snapshotCredit = reader.uint64()
              break
            }
            case 25: {
              obj.disk = reader.uint32()
              break
            }
            case 26: {
              obj.lanes = reader.uint32()
              break
            }
            case 27: {
              if (opts.limits?.unfold != null && obj.unfold.length === opts.limits.unfold) {
                throw new MaxLengthError('Decode error - repeated field "unfold" had too many elements')
              }

              obj.unfold.push(reader.bytes())
              break
            }
            case 28: {
              obj.holds = reader.bytes()
              break
            }
            case 29: {
              obj.early = reader.uint32()
              break
            }
            case 30: {
              if (opts.limits?.earlyEntries != null && obj.earlyEntries.length === opts.limits.earlyEntries) {
                throw new MaxLengthError('Decode error - repeated field "earlyEntries" had too many elements')
              }

              obj.earlyEntries.push(reader.bytes())
              break
            }
            case 31: {
              if (opts.limits?.signatures != null && obj.signatures.length === opts.limits.signatures) {
                throw new MaxLengthError('Decode error - repeated field "signatures" had too many elements')
              }

              obj.signatures.push(reader.bytes())
              break
            }
            case 32: {
              obj.acks = reader.uint32()
              break
            }
            case 33: {
              obj.settled = reader.uint64()
              break
            }
            case 34: {
              if (opts.limits?.refusedFrames != null && obj.refusedFrames.length === opts.limits.refusedFrames) {
                throw new MaxLengthError('Decode error - repeated field "refusedFrames" had too many elements')
              }

              obj.refusedFrames.push(reader.uint64())
              break
            }
            case 35: {
              obj.snapshotSkip = PartialSnapshot.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.snapshotSkip
              })
              break
            }
            case 36: {
              obj.snapshotCut = reader.bool()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          certificates: 0,
          vectors: 0,
          entries: 0,
          ranges: 0,
          partialSnapshots: 0,
          unfold: 0,
          earlyEntries: 0,
          signatures: 0,
          refusedFrames: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.certificates != null && obj.certificates === opts.limits.certificates) {
                throw new MaxLengthError('Streaming decode error - repeated field "certificates" had too many elements')
              }

              yield {
                field: `${prefix}.certificates[]`,
                index: obj.certificates,
                value: reader.bytes()
              }

              obj.certificates++

              break
            }
            case 2: {
              if (opts.limits?.vectors != null && obj.vectors === opts.limits.vectors) {
                throw new MaxLengthError('Streaming decode error - repeated field "vectors" had too many elements')
              }

              for (const evt of DocVector.codec().stream(reader, reader.uint32(), `${prefix}.vectors[]`, {
                limits: opts.limits?.vectors$
              })) {
                yield {
                  ...evt,
                  index: obj.vectors
                }
              }

              obj.vectors++

              break
            }
            case 3: {
              yield {
                field: `${prefix}.vectorsDone`,
                value: reader.bool()
              }
              break
            }
            case 4: {
              if (opts.limits?.entries != null && obj.entries === opts.limits.entries) {
                throw new MaxLengthError('Streaming decode error - repeated field "entries" had too many elements')
              }

              yield {
                field: `${prefix}.entries[]`,
                index: obj.entries,
                value: reader.bytes()
              }

              obj.entries++

              break
            }
            case 5: {
              yield {
                field: `${prefix}.snapshotHeader`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.snapshotChunk`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.wantVectors`,
                value: reader.bool()
              }
              break
            }
            case 8: {
              if (opts.limits?.ranges != null && obj.ranges === opts.limits.ranges) {
                throw new MaxLengthError('Streaming decode error - repeated field "ranges" had too many elements')
              }

              for (const evt of Range.codec().stream(reader, reader.uint32(), `${prefix}.ranges[]`, {
                limits: opts.limits?.ranges$
              })) {
                yield {
                  ...evt,
                  index: obj.ranges
                }
              }

              obj.ranges++

              break
            }
            case 9: {
              yield {
                field: `${prefix}.answer`,
                value: reader.bool()
              }
              break
            }
            case 20: {
              if (opts.limits?.partialSnapshots != null && obj.partialSnapshots === opts.limits.partialSnapshots) {
                throw new MaxLengthError('Streaming decode error - repeated field "partialSnapshots" had too many elements')
              }

              for (const evt of PartialSnapshot.codec().stream(reader, reader.uint32(), `${prefix}.partialSnapshots[]`, {
                limits: opts.limits?.partialSnapshots$
              })) {
                yield {
                  ...evt,
                  index: obj.partialSnapshots
                }
              }

              obj.partialSnapshots++

              break
            }
            case 21: {
              yield {
                field: `${prefix}.snapshotOffset`,
                value: reader.uint64()
              }
              break
            }
            case 22: {
              yield * CatchupPlan.codec().stream(reader, reader.uint32(), `${prefix}.catchup`, {
                limits: opts.limits?.catchup
              })

              break
            }
            case 23: {
              yield {
                field: `${prefix}.snapshotWindow`,
                value: reader.uint64()
              }
              break
            }
            case 24: {
              yield {
                field: `${prefix}.snapshotCredit`,
                value: reader.uint64()
              }
              break
            }
            case 25: {
              yield {
                field: `${prefix}.disk`,
                value: reader.uint32()
              }
              break
            }
            case 26: {
              yield {
                field: `${prefix}.lanes`,
                value: reader.uint32()
              }
              break
            }
            case 27: {
              if (opts.limits?.unfold != null && obj.unfold === opts.limits.unfold) {
                throw new MaxLengthError('Streaming decode error - repeated field "unfold" had too many elements')
              }

              yield {
                field: `${prefix}.unfold[]`,
                index: obj.unfold,
                value: reader.bytes()
              }

              obj.unfold++

              break
            }
            case 28: {
              yield {
                field: `${prefix}.holds`,
                value: reader.bytes()
              }
              break
            }
            case 29: {
              yield {
                field: `${prefix}.early`,
                value: reader.uint32()
              }
              break
            }
            case 30: {
              if (opts.limits?.earlyEntries != null && obj.earlyEntries === opts.limits.earlyEntries) {
                throw new MaxLengthError('Streaming decode error - repeated field "earlyEntries" had too many elements')
              }

              yield {
                field: `${prefix}.earlyEntries[]`,
                index: obj.earlyEntries,
                value: reader.bytes()
              }

              obj.earlyEntries++

              break
            }
            case 31: {
              if (opts.limits?.signatures != null && obj.signatures === opts.limits.signatures) {
                throw new MaxLengthError('Streaming decode error - repeated field "signatures" had too many elements')
              }

              yield {
                field: `${prefix}.signatures[]`,
                index: obj.signatures,
                value: reader.bytes()
              }

              obj.signatures++

              break
            }
            case 32: {
              yield {
                field: `${prefix}.acks`,
                value: reader.uint32()
              }
              break
            }
            case 33: {
              yield {
                field: `${prefix}.settled`,
                value: reader.uint64()
              }
              break
            }
            case 34: {
              if (opts.limits?.refusedFrames != null && obj.refusedFrames === opts.limits.refusedFrames) {
                throw new MaxLengthError('Streaming decode error - repeated field "refusedFrames" had too many elements')
              }

              yield {
                field: `${prefix}.refusedFrames[]`,
                index: obj.refusedFrames,
                value: reader.uint64()
              }

              obj.refusedFrames++

              break
            }
            case 35: {
              yield * PartialSnapshot.codec().stream(reader, reader.uint32(), `${prefix}.snapshotSkip`, {
                limits: opts.limits?.snapshotSkip
              })

              break
            }
            case 36: {
              yield {
                field: `${prefix}.snapshotCut`,
                value: reader.bool()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SyncMessageCertificatesFieldEvent {
    field: '$.certificates[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncMessageVectorsDocFieldEvent {
    field: '$.vectors[].doc'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SyncMessageVectorsItemsAuthorFieldEvent {
    field: '$.vectors[].items[].author'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SyncMessageVectorsItemsSeqFieldEvent {
    field: '$.vectors[].items[].seq'
    value: bigint
    index: number
  }

  export interface SyncMessageVectorsItemsLaneFieldEvent {
    field: '$.vectors[].items[].lane'
    value: number
    index: number
  }

  export interface SyncMessageVectorsItemsTipFieldEvent {
    field: '$.vectors[].items[].tip'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SyncMessageVectorsRetiredAuthorFieldEvent {
    field: '$.vectors[].retired[].author'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SyncMessageVectorsRetiredBelowFieldEvent {
    field: '$.vectors[].retired[].below'
    value: number
    index: number
  }

  export interface SyncMessageVectorsRetiredCountFieldEvent {
    field: '$.vectors[].retired[].count'
    value: number
    index: number
  }

  export interface SyncMessageVectorsRetiredDigestFieldEvent {
    field: '$.vectors[].retired[].digest'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SyncMessageVectorsDoneFieldEvent {
    field: '$.vectorsDone'
    value: boolean
  }

  export interface SyncMessageEntriesFieldEvent {
    field: '$.entries[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncMessageSnapshotHeaderFieldEvent {
    field: '$.snapshotHeader'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncMessageSnapshotChunkFieldEvent {
    field: '$.snapshotChunk'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncMessageWantVectorsFieldEvent {
    field: '$.wantVectors'
    value: boolean
  }

  export interface SyncMessageRangesLowerFieldEvent {
    field: '$.ranges[].lower'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SyncMessageRangesUpperFieldEvent {
    field: '$.ranges[].upper'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SyncMessageRangesFingerprintFieldEvent {
    field: '$.ranges[].fingerprint'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SyncMessageRangesCountFieldEvent {
    field: '$.ranges[].count'
    value: number
    index: number
  }

  export interface SyncMessageRangesListedFieldEvent {
    field: '$.ranges[].listed'
    value: boolean
    index: number
  }

  export interface SyncMessageAnswerFieldEvent {
    field: '$.answer'
    value: boolean
  }

  export interface SyncMessagePartialSnapshotsDocFieldEvent {
    field: '$.partialSnapshots[].doc'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SyncMessagePartialSnapshotsAuthorFieldEvent {
    field: '$.partialSnapshots[].author'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SyncMessagePartialSnapshotsSeqFieldEvent {
    field: '$.partialSnapshots[].seq'
    value: bigint
    index: number
  }

  export interface SyncMessagePartialSnapshotsOffsetFieldEvent {
    field: '$.partialSnapshots[].offset'
    value: bigint
    index: number
  }

  export interface SyncMessageSnapshotOffsetFieldEvent {
    field: '$.snapshotOffset'
    value: bigint
  }

  export interface SyncMessageCatchupDocFieldEvent {
    field: '$.catchup.doc'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncMessageCatchupEntriesFieldEvent {
    field: '$.catchup.entries'
    value: bigint
  }

  export interface SyncMessageCatchupBytesFieldEvent {
    field: '$.catchup.bytes'
    value: bigint
  }

  export interface SyncMessageCatchupSnapshotBytesFieldEvent {
    field: '$.catchup.snapshotBytes'
    value: bigint
  }

  export interface SyncMessageSnapshotWindowFieldEvent {
    field: '$.snapshotWindow'
    value: bigint
  }

  export interface SyncMessageSnapshotCreditFieldEvent {
    field: '$.snapshotCredit'
    value: bigint
  }

  export interface SyncMessageDiskFieldEvent {
    field: '$.disk'
    value: number
  }

  export interface SyncMessageLanesFieldEvent {
    field: '$.lanes'
    value: number
  }

  export interface SyncMessageUnfoldFieldEvent {
    field: '$.unfold[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncMessageHoldsFieldEvent {
    field: '$.holds'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncMessageEarlyFieldEvent {
    field: '$.early'
    value: number
  }

  export interface SyncMessageEarlyEntriesFieldEvent {
    field: '$.earlyEntries[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncMessageSignaturesFieldEvent {
    field: '$.signatures[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncMessageAcksFieldEvent {
    field: '$.acks'
    value: number
  }

  export interface SyncMessageSettledFieldEvent {
    field: '$.settled'
    value: bigint
  }

  export interface SyncMessageRefusedFramesFieldEvent {
    field: '$.refusedFrames[]'
    index: number
    value: bigint
  }

  export interface SyncMessageSnapshotSkipDocFieldEvent {
    field: '$.snapshotSkip.doc'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncMessageSnapshotSkipAuthorFieldEvent {
    field: '$.snapshotSkip.author'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncMessageSnapshotSkipSeqFieldEvent {
    field: '$.snapshotSkip.seq'
    value: bigint
  }

  export interface SyncMessageSnapshotSkipOffsetFieldEvent {
    field: '$.snapshotSkip.offset'
    value: bigint
  }

  export interface SyncMessageSnapshotCutFieldEvent {
    field: '$.snapshotCut'
    value: boolean
  }

  export function encode (obj: Partial<SyncMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SyncMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncMessage>): SyncMessage {
    return decodeMessage(buf, SyncMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncMessage>): Generator<SyncMessageCertificatesFieldEvent | SyncMessageVectorsDocFieldEvent | SyncMessageVectorsItemsAuthorFieldEvent | SyncMessageVectorsItemsSeqFieldEvent | SyncMessageVectorsItemsLaneFieldEvent | SyncMessageVectorsItemsTipFieldEvent | SyncMessageVectorsRetiredAuthorFieldEvent | SyncMessageVectorsRetiredBelowFieldEvent | SyncMessageVectorsRetiredCountFieldEvent | SyncMessageVectorsRetiredDigestFieldEvent | SyncMessageVectorsDoneFieldEvent | SyncMessageEntriesFieldEvent | SyncMessageSnapshotHeaderFieldEvent | SyncMessageSnapshotChunkFieldEvent | SyncMessageWantVectorsFieldEvent | SyncMessageRangesLowerFieldEvent | SyncMessageRangesUpperFieldEvent | SyncMessageRangesFingerprintFieldEvent | SyncMessageRangesCountFieldEvent | SyncMessageRangesListedFieldEvent | SyncMessageAnswerFieldEvent | SyncMessagePartialSnapshotsDocFieldEvent | SyncMessagePartialSnapshotsAuthorFieldEvent | SyncMessagePartialSnapshotsSeqFieldEvent | SyncMessagePartialSnapshotsOffsetFieldEvent | SyncMessageSnapshotOffsetFieldEvent | SyncMessageCatchupDocFieldEvent | SyncMessageCatchupEntriesFieldEvent | SyncMessageCatchupBytesFieldEvent | SyncMessageCatchupSnapshotBytesFieldEvent | SyncMessageSnapshotWindowFieldEvent | SyncMessageSnapshotCreditFieldEvent | SyncMessageDiskFieldEvent | SyncMessageLanesFieldEvent | SyncMessageUnfoldFieldEvent | SyncMessageHoldsFieldEvent | SyncMessageEarlyFieldEvent | SyncMessageEarlyEntriesFieldEvent | SyncMessageSignaturesFieldEvent | SyncMessageAcksFieldEvent | SyncMessageSettledFieldEvent | SyncMessageRefusedFramesFieldEvent | SyncMessageSnapshotSkipDocFieldEvent | SyncMessageSnapshotSkipAuthorFieldEvent | SyncMessageSnapshotSkipSeqFieldEvent | SyncMessageSnapshotSkipOffsetFieldEvent | SyncMessageSnapshotCutFieldEvent> {
    return streamMessage(buf, SyncMessage.codec(), opts)
  }
}
