import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface DeviceCertificate {
  version: number
  wallet: Uint8Array<ArrayBuffer>
  device: Uint8Array<ArrayBuffer>
  capabilities: number
  label: string
  issuedAt: bigint
  expiresAt?: bigint
  cutoff: Uint8Array<ArrayBuffer>
}

export namespace DeviceCertificate {
  let _codec: Codec<DeviceCertificate>

  export const codec = (): Codec<DeviceCertificate> => {
    if (_codec == null) {
      _codec = message<DeviceCertificate>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.wallet != null && obj.wallet.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.wallet)
        }

        if ((obj.device != null && obj.device.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.device)
        }

        if ((obj.capabilities != null && obj.capabilities !== 0)) {
          w.uint32(32)
          w.uint32(obj.capabilities)
        }

        if ((obj.label != null && obj.label !== '')) {
          w.uint32(42)
          w.string(obj.label)
        }

        if ((obj.issuedAt != null && obj.issuedAt !== 0n)) {
          w.uint32(48)
          w.uint64(obj.issuedAt)
        }

        if (obj.expiresAt != null) {
          w.uint32(56)
          w.uint64(obj.expiresAt)
        }

        if ((obj.cutoff != null && obj.cutoff.byteLength > 0)) {
          w.uint32(66)
          w.bytes(obj.cutoff)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          wallet: new Uint8Array(0),
          device: new Uint8Array(0),
          capabilities: 0,
          label: '',
          issuedAt: 0n,
          cutoff: new Uint8Array(0)
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
              obj.wallet = reader.bytes()
              break
            }
            case 3: {
              obj.device = reader.bytes()
              break
            }
            case 4: {
              obj.capabilities = reader.uint32()
              break
            }
            case 5: {
              obj.label = reader.string()
              break
            }
            case 6: {
              obj.issuedAt = reader.uint64()
              break
            }
            case 7: {
              obj.expiresAt = reader.uint64()
              break
            }
            case 8: {
              obj.cutoff = reader.bytes()
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
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.wallet`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.device`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.capabilities`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.label`,
                value: reader.string()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.issuedAt`,
                value: reader.uint64()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.expiresAt`,
                value: reader.uint64()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.cutoff`,
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

  export interface DeviceCertificateVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface DeviceCertificateWalletFieldEvent {
    field: '$.wallet'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DeviceCertificateDeviceFieldEvent {
    field: '$.device'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DeviceCertificateCapabilitiesFieldEvent {
    field: '$.capabilities'
    value: number
  }

  export interface DeviceCertificateLabelFieldEvent {
    field: '$.label'
    value: string
  }

  export interface DeviceCertificateIssuedAtFieldEvent {
    field: '$.issuedAt'
    value: bigint
  }

  export interface DeviceCertificateExpiresAtFieldEvent {
    field: '$.expiresAt'
    value: bigint
  }

  export interface DeviceCertificateCutoffFieldEvent {
    field: '$.cutoff'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<DeviceCertificate>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DeviceCertificate.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeviceCertificate>): DeviceCertificate {
    return decodeMessage(buf, DeviceCertificate.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeviceCertificate>): Generator<DeviceCertificateVersionFieldEvent | DeviceCertificateWalletFieldEvent | DeviceCertificateDeviceFieldEvent | DeviceCertificateCapabilitiesFieldEvent | DeviceCertificateLabelFieldEvent | DeviceCertificateIssuedAtFieldEvent | DeviceCertificateExpiresAtFieldEvent | DeviceCertificateCutoffFieldEvent> {
    return streamMessage(buf, DeviceCertificate.codec(), opts)
  }
}

export interface SignedCertificate {
  body: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace SignedCertificate {
  let _codec: Codec<SignedCertificate>

  export const codec = (): Codec<SignedCertificate> => {
    if (_codec == null) {
      _codec = message<SignedCertificate>((obj, w, opts = {}) => {
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

  export interface SignedCertificateBodyFieldEvent {
    field: '$.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedCertificateSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SignedCertificate>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedCertificate.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedCertificate>): SignedCertificate {
    return decodeMessage(buf, SignedCertificate.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedCertificate>): Generator<SignedCertificateBodyFieldEvent | SignedCertificateSignatureFieldEvent> {
    return streamMessage(buf, SignedCertificate.codec(), opts)
  }
}

export interface LaneSeq {
  lane: number
  seq: bigint
}

export namespace LaneSeq {
  let _codec: Codec<LaneSeq>

  export const codec = (): Codec<LaneSeq> => {
    if (_codec == null) {
      _codec = message<LaneSeq>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.lane != null && obj.lane !== 0)) {
          w.uint32(8)
          w.uint32(obj.lane)
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(16)
          w.uint64(obj.seq)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          lane: 0,
          seq: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.lane = reader.uint32()
              break
            }
            case 2: {
              obj.seq = reader.uint64()
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
                field: `${prefix}.lane`,
                value: reader.uint32()
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

  export interface LaneSeqLaneFieldEvent {
    field: '$.lane'
    value: number
  }

  export interface LaneSeqSeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export function encode (obj: Partial<LaneSeq>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, LaneSeq.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LaneSeq>): LaneSeq {
    return decodeMessage(buf, LaneSeq.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LaneSeq>): Generator<LaneSeqLaneFieldEvent | LaneSeqSeqFieldEvent> {
    return streamMessage(buf, LaneSeq.codec(), opts)
  }
}

export interface DocCutoff {
  doc: Uint8Array<ArrayBuffer>
  lanes: LaneSeq[]
  firstLane: number
  seqs: bigint[]
}

export namespace DocCutoff {
  let _codec: Codec<DocCutoff>

  export const codec = (): Codec<DocCutoff> => {
    if (_codec == null) {
      _codec = message<DocCutoff>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.doc != null && obj.doc.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.doc)
        }

        if (obj.lanes != null && obj.lanes.length > 0) {
          for (const value of obj.lanes) {
            w.uint32(18)
            LaneSeq.codec().encode(value, w)
          }
        }

        if ((obj.firstLane != null && obj.firstLane !== 0)) {
          w.uint32(24)
          w.uint32(obj.firstLane)
        }

        if (obj.seqs != null && obj.seqs.length > 0) {
          for (const value of obj.seqs) {
            w.uint32(32)
            w.uint64(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          doc: new Uint8Array(0),
          lanes: [],
          firstLane: 0,
          seqs: []
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
              if (opts.limits?.lanes != null && obj.lanes.length === opts.limits.lanes) {
                throw new MaxLengthError('Decode error - repeated field "lanes" had too many elements')
              }

              obj.lanes.push(LaneSeq.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.lanes$
              }))
              break
            }
            case 3: {
              obj.firstLane = reader.uint32()
              break
            }
            case 4: {
              if (opts.limits?.seqs != null && obj.seqs.length === opts.limits.seqs) {
                throw new MaxLengthError('Decode error - repeated field "seqs" had too many elements')
              }

              obj.seqs.push(reader.uint64())
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
          lanes: 0,
          seqs: 0
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
              if (opts.limits?.lanes != null && obj.lanes === opts.limits.lanes) {
                throw new MaxLengthError('Streaming decode error - repeated field "lanes" had too many elements')
              }

              for (const evt of LaneSeq.codec().stream(reader, reader.uint32(), `${prefix}.lanes[]`, {
                limits: opts.limits?.lanes$
              })) {
                yield {
                  ...evt,
                  index: obj.lanes
                }
              }

              obj.lanes++

              break
            }
            case 3: {
              yield {
                field: `${prefix}.firstLane`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              if (opts.limits?.seqs != null && obj.seqs === opts.limits.seqs) {
                throw new MaxLengthError('Streaming decode error - repeated field "seqs" had too many elements')
              }

              yield {
                field: `${prefix}.seqs[]`,
                index: obj.seqs,
                value: reader.uint64()
              }

              obj.seqs++

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

  export interface DocCutoffDocFieldEvent {
    field: '$.doc'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DocCutoffLanesLaneFieldEvent {
    field: '$.lanes[].lane'
    value: number
    index: number
  }

  export interface DocCutoffLanesSeqFieldEvent {
    field: '$.lanes[].seq'
    value: bigint
    index: number
  }

  export interface DocCutoffFirstLaneFieldEvent {
    field: '$.firstLane'
    value: number
  }

  export interface DocCutoffSeqsFieldEvent {
    field: '$.seqs[]'
    index: number
    value: bigint
  }

  export function encode (obj: Partial<DocCutoff>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DocCutoff.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DocCutoff>): DocCutoff {
    return decodeMessage(buf, DocCutoff.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DocCutoff>): Generator<DocCutoffDocFieldEvent | DocCutoffLanesLaneFieldEvent | DocCutoffLanesSeqFieldEvent | DocCutoffFirstLaneFieldEvent | DocCutoffSeqsFieldEvent> {
    return streamMessage(buf, DocCutoff.codec(), opts)
  }
}

export interface Cutoff {
  version: number
  wallet: Uint8Array<ArrayBuffer>
  device: Uint8Array<ArrayBuffer>
  issuedAt: bigint
  docs: DocCutoff[]
  snapshotsThrough: bigint
  parts: Uint8Array<ArrayBuffer>[]
}

export namespace Cutoff {
  let _codec: Codec<Cutoff>

  export const codec = (): Codec<Cutoff> => {
    if (_codec == null) {
      _codec = message<Cutoff>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.wallet != null && obj.wallet.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.wallet)
        }

        if ((obj.device != null && obj.device.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.device)
        }

        if ((obj.issuedAt != null && obj.issuedAt !== 0n)) {
          w.uint32(32)
          w.uint64(obj.issuedAt)
        }

        if (obj.docs != null && obj.docs.length > 0) {
          for (const value of obj.docs) {
            w.uint32(42)
            DocCutoff.codec().encode(value, w)
          }
        }

        if ((obj.snapshotsThrough != null && obj.snapshotsThrough !== 0n)) {
          w.uint32(48)
          w.uint64(obj.snapshotsThrough)
        }

        if (obj.parts != null && obj.parts.length > 0) {
          for (const value of obj.parts) {
            w.uint32(58)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          wallet: new Uint8Array(0),
          device: new Uint8Array(0),
          issuedAt: 0n,
          docs: [],
          snapshotsThrough: 0n,
          parts: []
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
              obj.wallet = reader.bytes()
              break
            }
            case 3: {
              obj.device = reader.bytes()
              break
            }
            case 4: {
              obj.issuedAt = reader.uint64()
              break
            }
            case 5: {
              if (opts.limits?.docs != null && obj.docs.length === opts.limits.docs) {
                throw new MaxLengthError('Decode error - repeated field "docs" had too many elements')
              }

              obj.docs.push(DocCutoff.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.docs$
              }))
              break
            }
            case 6: {
              obj.snapshotsThrough = reader.uint64()
              break
            }
            case 7: {
              if (opts.limits?.parts != null && obj.parts.length === opts.limits.parts) {
                throw new MaxLengthError('Decode error - repeated field "parts" had too many elements')
              }

              obj.parts.push(reader.bytes())
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
          docs: 0,
          parts: 0
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
                field: `${prefix}.wallet`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.device`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.issuedAt`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
              if (opts.limits?.docs != null && obj.docs === opts.limits.docs) {
                throw new MaxLengthError('Streaming decode error - repeated field "docs" had too many elements')
              }

              for (const evt of DocCutoff.codec().stream(reader, reader.uint32(), `${prefix}.docs[]`, {
                limits: opts.limits?.docs$
              })) {
                yield {
                  ...evt,
                  index: obj.docs
                }
              }

              obj.docs++

              break
            }
            case 6: {
              yield {
                field: `${prefix}.snapshotsThrough`,
                value: reader.uint64()
              }
              break
            }
            case 7: {
              if (opts.limits?.parts != null && obj.parts === opts.limits.parts) {
                throw new MaxLengthError('Streaming decode error - repeated field "parts" had too many elements')
              }

              yield {
                field: `${prefix}.parts[]`,
                index: obj.parts,
                value: reader.bytes()
              }

              obj.parts++

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

  export interface CutoffVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface CutoffWalletFieldEvent {
    field: '$.wallet'
    value: Uint8Array<ArrayBuffer>
  }

  export interface CutoffDeviceFieldEvent {
    field: '$.device'
    value: Uint8Array<ArrayBuffer>
  }

  export interface CutoffIssuedAtFieldEvent {
    field: '$.issuedAt'
    value: bigint
  }

  export interface CutoffDocsDocFieldEvent {
    field: '$.docs[].doc'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface CutoffDocsLanesLaneFieldEvent {
    field: '$.docs[].lanes[].lane'
    value: number
    index: number
  }

  export interface CutoffDocsLanesSeqFieldEvent {
    field: '$.docs[].lanes[].seq'
    value: bigint
    index: number
  }

  export interface CutoffDocsFirstLaneFieldEvent {
    field: '$.docs[].firstLane'
    value: number
    index: number
  }

  export interface CutoffDocsSeqsFieldEvent {
    field: '$.docs[].seqs[]'
    index: number
    value: bigint
  }

  export interface CutoffSnapshotsThroughFieldEvent {
    field: '$.snapshotsThrough'
    value: bigint
  }

  export interface CutoffPartsFieldEvent {
    field: '$.parts[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Cutoff>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Cutoff.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Cutoff>): Cutoff {
    return decodeMessage(buf, Cutoff.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Cutoff>): Generator<CutoffVersionFieldEvent | CutoffWalletFieldEvent | CutoffDeviceFieldEvent | CutoffIssuedAtFieldEvent | CutoffDocsDocFieldEvent | CutoffDocsLanesLaneFieldEvent | CutoffDocsLanesSeqFieldEvent | CutoffDocsFirstLaneFieldEvent | CutoffDocsSeqsFieldEvent | CutoffSnapshotsThroughFieldEvent | CutoffPartsFieldEvent> {
    return streamMessage(buf, Cutoff.codec(), opts)
  }
}

export interface SignedCutoff {
  cutoff: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace SignedCutoff {
  let _codec: Codec<SignedCutoff>

  export const codec = (): Codec<SignedCutoff> => {
    if (_codec == null) {
      _codec = message<SignedCutoff>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.cutoff != null && obj.cutoff.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.cutoff)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          cutoff: new Uint8Array(0),
          signature: new Uint8Array(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 3: {
              obj.cutoff = reader.bytes()
              break
            }
            case 4: {
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
            case 3: {
              yield {
                field: `${prefix}.cutoff`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
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

  export interface SignedCutoffCutoffFieldEvent {
    field: '$.cutoff'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedCutoffSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SignedCutoff>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedCutoff.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedCutoff>): SignedCutoff {
    return decodeMessage(buf, SignedCutoff.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedCutoff>): Generator<SignedCutoffCutoffFieldEvent | SignedCutoffSignatureFieldEvent> {
    return streamMessage(buf, SignedCutoff.codec(), opts)
  }
}

export interface CutoffPart {
  version: number
  device: Uint8Array<ArrayBuffer>
  docs: DocCutoff[]
}

export namespace CutoffPart {
  let _codec: Codec<CutoffPart>

  export const codec = (): Codec<CutoffPart> => {
    if (_codec == null) {
      _codec = message<CutoffPart>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.device != null && obj.device.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.device)
        }

        if (obj.docs != null && obj.docs.length > 0) {
          for (const value of obj.docs) {
            w.uint32(26)
            DocCutoff.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          device: new Uint8Array(0),
          docs: []
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
              obj.device = reader.bytes()
              break
            }
            case 3: {
              if (opts.limits?.docs != null && obj.docs.length === opts.limits.docs) {
                throw new MaxLengthError('Decode error - repeated field "docs" had too many elements')
              }

              obj.docs.push(DocCutoff.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.docs$
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
          docs: 0
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
                field: `${prefix}.device`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              if (opts.limits?.docs != null && obj.docs === opts.limits.docs) {
                throw new MaxLengthError('Streaming decode error - repeated field "docs" had too many elements')
              }

              for (const evt of DocCutoff.codec().stream(reader, reader.uint32(), `${prefix}.docs[]`, {
                limits: opts.limits?.docs$
              })) {
                yield {
                  ...evt,
                  index: obj.docs
                }
              }

              obj.docs++

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

  export interface CutoffPartVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface CutoffPartDeviceFieldEvent {
    field: '$.device'
    value: Uint8Array<ArrayBuffer>
  }

  export interface CutoffPartDocsDocFieldEvent {
    field: '$.docs[].doc'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface CutoffPartDocsLanesLaneFieldEvent {
    field: '$.docs[].lanes[].lane'
    value: number
    index: number
  }

  export interface CutoffPartDocsLanesSeqFieldEvent {
    field: '$.docs[].lanes[].seq'
    value: bigint
    index: number
  }

  export interface CutoffPartDocsFirstLaneFieldEvent {
    field: '$.docs[].firstLane'
    value: number
    index: number
  }

  export interface CutoffPartDocsSeqsFieldEvent {
    field: '$.docs[].seqs[]'
    index: number
    value: bigint
  }

  export function encode (obj: Partial<CutoffPart>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, CutoffPart.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CutoffPart>): CutoffPart {
    return decodeMessage(buf, CutoffPart.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CutoffPart>): Generator<CutoffPartVersionFieldEvent | CutoffPartDeviceFieldEvent | CutoffPartDocsDocFieldEvent | CutoffPartDocsLanesLaneFieldEvent | CutoffPartDocsLanesSeqFieldEvent | CutoffPartDocsFirstLaneFieldEvent | CutoffPartDocsSeqsFieldEvent> {
    return streamMessage(buf, CutoffPart.codec(), opts)
  }
}

export interface CutoffPartRecord {
  part: Uint8Array<ArrayBuffer>
}

export namespace CutoffPartRecord {
  let _codec: Codec<CutoffPartRecord>

  export const codec = (): Codec<CutoffPartRecord> => {
    if (_codec == null) {
      _codec = message<CutoffPartRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.part != null && obj.part.byteLength > 0)) {
          w.uint32(82)
          w.bytes(obj.part)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          part: new Uint8Array(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 10: {
              obj.part = reader.bytes()
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
            case 10: {
              yield {
                field: `${prefix}.part`,
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

  export interface CutoffPartRecordPartFieldEvent {
    field: '$.part'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<CutoffPartRecord>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, CutoffPartRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CutoffPartRecord>): CutoffPartRecord {
    return decodeMessage(buf, CutoffPartRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CutoffPartRecord>): Generator<CutoffPartRecordPartFieldEvent> {
    return streamMessage(buf, CutoffPartRecord.codec(), opts)
  }
}
