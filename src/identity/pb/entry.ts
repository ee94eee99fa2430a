import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface VectorItem {
  author: Uint8Array<ArrayBuffer>
  seq: bigint
  lane: number
}

export namespace VectorItem {
  let _codec: Codec<VectorItem>

  export const codec = (): Codec<VectorItem> => {
    if (_codec == null) {
      _codec = message<VectorItem>((obj, w, opts = {}) => {
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

  export interface VectorItemAuthorFieldEvent {
    field: '$.author'
    value: Uint8Array<ArrayBuffer>
  }

  export interface VectorItemSeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export interface VectorItemLaneFieldEvent {
    field: '$.lane'
    value: number
  }

  export function encode (obj: Partial<VectorItem>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, VectorItem.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<VectorItem>): VectorItem {
    return decodeMessage(buf, VectorItem.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<VectorItem>): Generator<VectorItemAuthorFieldEvent | VectorItemSeqFieldEvent | VectorItemLaneFieldEvent> {
    return streamMessage(buf, VectorItem.codec(), opts)
  }
}

export interface EntryBody {
  version: number
  kind: number
  doc: Uint8Array<ArrayBuffer>
  author: Uint8Array<ArrayBuffer>
  seq: bigint
  epoch: number
  nonce: Uint8Array<ArrayBuffer>
  ciphertext: Uint8Array<ArrayBuffer>
  covers: VectorItem[]
  snapshotSize: bigint
  snapshotDigest: Uint8Array<ArrayBuffer>
  chunkSize: number
  lane: number
  prev: Uint8Array<ArrayBuffer>
}

export namespace EntryBody {
  let _codec: Codec<EntryBody>

  export const codec = (): Codec<EntryBody> => {
    if (_codec == null) {
      _codec = message<EntryBody>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.kind != null && obj.kind !== 0)) {
          w.uint32(16)
          w.uint32(obj.kind)
        }

        if ((obj.doc != null && obj.doc.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.doc)
        }

        if ((obj.author != null && obj.author.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.author)
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(40)
          w.uint64(obj.seq)
        }

        if ((obj.epoch != null && obj.epoch !== 0)) {
          w.uint32(48)
          w.uint32(obj.epoch)
        }

        if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.nonce)
        }

        if ((obj.ciphertext != null && obj.ciphertext.byteLength > 0)) {
          w.uint32(66)
          w.bytes(obj.ciphertext)
        }

        if (obj.covers != null && obj.covers.length > 0) {
          for (const value of obj.covers) {
            w.uint32(74)
            VectorItem.codec().encode(value, w)
          }
        }

        if ((obj.snapshotSize != null && obj.snapshotSize !== 0n)) {
          w.uint32(80)
          w.uint64(obj.snapshotSize)
        }

        if ((obj.snapshotDigest != null && obj.snapshotDigest.byteLength > 0)) {
          w.uint32(90)
          w.bytes(obj.snapshotDigest)
        }

        if ((obj.chunkSize != null && obj.chunkSize !== 0)) {
          w.uint32(96)
          w.uint32(obj.chunkSize)
        }

        if ((obj.lane != null && obj.lane !== 0)) {
          w.uint32(104)
          w.uint32(obj.lane)
        }

        if ((obj.prev != null && obj.prev.byteLength > 0)) {
          w.uint32(114)
          w.bytes(obj.prev)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          kind: 0,
          doc: new Uint8Array(0),
          author: new Uint8Array(0),
          seq: 0n,
          epoch: 0,
          nonce: new Uint8Array(0),
          ciphertext: new Uint8Array(0),
          covers: [],
          snapshotSize: 0n,
          snapshotDigest: new Uint8Array(0),
          chunkSize: 0,
          lane: 0,
          prev: new Uint8Array(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              obj.kind = reader.uint32()
              break
            }
            case 3: {
              obj.doc = reader.bytes()
              break
            }
            case 4: {
              obj.author = reader.bytes()
              break
            }
            case 5: {
              obj.seq = reader.uint64()
              break
            }
            case 6: {
              obj.epoch = reader.uint32()
              break
            }
            case 7: {
              obj.nonce = reader.bytes()
              break
            }
            case 8: {
              obj.ciphertext = reader.bytes()
              break
            }
            case 9: {
              if (opts.limits?.covers != null && obj.covers.length === opts.limits.covers) {
                throw new MaxLengthError('Decode error - repeated field "covers" had too many elements')
              }

              obj.covers.push(VectorItem.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.covers$
              }))
              break
            }
            case 10: {
              obj.snapshotSize = reader.uint64()
              break
            }
            case 11: {
              obj.snapshotDigest = reader.bytes()
              break
            }
            case 12: {
              obj.chunkSize = reader.uint32()
              break
            }
            case 13: {
              obj.lane = reader.uint32()
              break
            }
            case 14: {
              obj.prev = reader.bytes()
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
          covers: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.kind`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.doc`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.author`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.epoch`,
                value: reader.uint32()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.nonce`,
                value: reader.bytes()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.ciphertext`,
                value: reader.bytes()
              }
              break
            }
            case 9: {
              if (opts.limits?.covers != null && obj.covers === opts.limits.covers) {
                throw new MaxLengthError('Streaming decode error - repeated field "covers" had too many elements')
              }

              for (const evt of VectorItem.codec().stream(reader, reader.uint32(), `${prefix}.covers[]`, {
                limits: opts.limits?.covers$
              })) {
                yield {
                  ...evt,
                  index: obj.covers
                }
              }

              obj.covers++

              break
            }
            case 10: {
              yield {
                field: `${prefix}.snapshotSize`,
                value: reader.uint64()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.snapshotDigest`,
                value: reader.bytes()
              }
              break
            }
            case 12: {
              yield {
                field: `${prefix}.chunkSize`,
                value: reader.uint32()
              }
              break
            }
            case 13: {
              yield {
                field: `${prefix}.lane`,
                value: reader.uint32()
              }
              break
            }
            case 14: {
              yield {
                field: `${prefix}.prev`,
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

  export interface EntryBodyVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface EntryBodyKindFieldEvent {
    field: '$.kind'
    value: number
  }

  export interface EntryBodyDocFieldEvent {
    field: '$.doc'
    value: Uint8Array<ArrayBuffer>
  }

  export interface EntryBodyAuthorFieldEvent {
    field: '$.author'
    value: Uint8Array<ArrayBuffer>
  }

  export interface EntryBodySeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export interface EntryBodyEpochFieldEvent {
    field: '$.epoch'
    value: number
  }

  export interface EntryBodyNonceFieldEvent {
    field: '$.nonce'
    value: Uint8Array<ArrayBuffer>
  }

  export interface EntryBodyCiphertextFieldEvent {
    field: '$.ciphertext'
    value: Uint8Array<ArrayBuffer>
  }

  export interface EntryBodyCoversAuthorFieldEvent {
    field: '$.covers[].author'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface EntryBodyCoversSeqFieldEvent {
    field: '$.covers[].seq'
    value: bigint
    index: number
  }

  export interface EntryBodyCoversLaneFieldEvent {
    field: '$.covers[].lane'
    value: number
    index: number
  }

  export interface EntryBodySnapshotSizeFieldEvent {
    field: '$.snapshotSize'
    value: bigint
  }

  export interface EntryBodySnapshotDigestFieldEvent {
    field: '$.snapshotDigest'
    value: Uint8Array<ArrayBuffer>
  }

  export interface EntryBodyChunkSizeFieldEvent {
    field: '$.chunkSize'
    value: number
  }

  export interface EntryBodyLaneFieldEvent {
    field: '$.lane'
    value: number
  }

  export interface EntryBodyPrevFieldEvent {
    field: '$.prev'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<EntryBody>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, EntryBody.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<EntryBody>): EntryBody {
    return decodeMessage(buf, EntryBody.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<EntryBody>): Generator<EntryBodyVersionFieldEvent | EntryBodyKindFieldEvent | EntryBodyDocFieldEvent | EntryBodyAuthorFieldEvent | EntryBodySeqFieldEvent | EntryBodyEpochFieldEvent | EntryBodyNonceFieldEvent | EntryBodyCiphertextFieldEvent | EntryBodyCoversAuthorFieldEvent | EntryBodyCoversSeqFieldEvent | EntryBodyCoversLaneFieldEvent | EntryBodySnapshotSizeFieldEvent | EntryBodySnapshotDigestFieldEvent | EntryBodyChunkSizeFieldEvent | EntryBodyLaneFieldEvent | EntryBodyPrevFieldEvent> {
    return streamMessage(buf, EntryBody.codec(), opts)
  }
}

export interface SignedEntry {
  body: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace SignedEntry {
  let _codec: Codec<SignedEntry>

  export const codec = (): Codec<SignedEntry> => {
    if (_codec == null) {
      _codec = message<SignedEntry>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.body != null && obj.body.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.body)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          body: new Uint8Array(0),
          signature: new Uint8Array(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.body = reader.bytes()
              break
            }
            case 2: {
              obj.signature = reader.bytes()
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
                field: `${prefix}.body`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.signature`,
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

  export interface SignedEntryBodyFieldEvent {
    field: '$.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedEntrySignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SignedEntry>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedEntry.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedEntry>): SignedEntry {
    return decodeMessage(buf, SignedEntry.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedEntry>): Generator<SignedEntryBodyFieldEvent | SignedEntrySignatureFieldEvent> {
    return streamMessage(buf, SignedEntry.codec(), opts)
  }
}
