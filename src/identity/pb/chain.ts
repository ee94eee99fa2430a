import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface ChainCertificate {
  version: number
  wallet: Uint8Array<ArrayBuffer>
  device: Uint8Array<ArrayBuffer>
  capabilities: number
  label: string
  issuedAt: bigint
  expiresAt?: bigint
  issuer: Uint8Array<ArrayBuffer>
  parent: Uint8Array<ArrayBuffer>
  pathLen: number
  kem: Uint8Array<ArrayBuffer>
  pairing: Uint8Array<ArrayBuffer>
}

export namespace ChainCertificate {
  let _codec: Codec<ChainCertificate>

  export const codec = (): Codec<ChainCertificate> => {
    if (_codec == null) {
      _codec = message<ChainCertificate>((obj, w, opts = {}) => {
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

        if ((obj.issuer != null && obj.issuer.byteLength > 0)) {
          w.uint32(66)
          w.bytes(obj.issuer)
        }

        if ((obj.parent != null && obj.parent.byteLength > 0)) {
          w.uint32(74)
          w.bytes(obj.parent)
        }

        if ((obj.pathLen != null && obj.pathLen !== 0)) {
          w.uint32(80)
          w.uint32(obj.pathLen)
        }

        if ((obj.kem != null && obj.kem.byteLength > 0)) {
          w.uint32(90)
          w.bytes(obj.kem)
        }

        if ((obj.pairing != null && obj.pairing.byteLength > 0)) {
          w.uint32(98)
          w.bytes(obj.pairing)
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
          issuer: new Uint8Array(0),
          parent: new Uint8Array(0),
          pathLen: 0,
          kem: new Uint8Array(0),
          pairing: new Uint8Array(0)
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
              obj.issuer = reader.bytes()
              break
            }
            case 9: {
              obj.parent = reader.bytes()
              break
            }
            case 10: {
              obj.pathLen = reader.uint32()
              break
            }
            case 11: {
              obj.kem = reader.bytes()
              break
            }
            case 12: {
              obj.pairing = reader.bytes()
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
                field: `${prefix}.issuer`,
                value: reader.bytes()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.parent`,
                value: reader.bytes()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.pathLen`,
                value: reader.uint32()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.kem`,
                value: reader.bytes()
              }
              break
            }
            case 12: {
              yield {
                field: `${prefix}.pairing`,
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

  export interface ChainCertificateVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface ChainCertificateWalletFieldEvent {
    field: '$.wallet'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChainCertificateDeviceFieldEvent {
    field: '$.device'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChainCertificateCapabilitiesFieldEvent {
    field: '$.capabilities'
    value: number
  }

  export interface ChainCertificateLabelFieldEvent {
    field: '$.label'
    value: string
  }

  export interface ChainCertificateIssuedAtFieldEvent {
    field: '$.issuedAt'
    value: bigint
  }

  export interface ChainCertificateExpiresAtFieldEvent {
    field: '$.expiresAt'
    value: bigint
  }

  export interface ChainCertificateIssuerFieldEvent {
    field: '$.issuer'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChainCertificateParentFieldEvent {
    field: '$.parent'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChainCertificatePathLenFieldEvent {
    field: '$.pathLen'
    value: number
  }

  export interface ChainCertificateKemFieldEvent {
    field: '$.kem'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChainCertificatePairingFieldEvent {
    field: '$.pairing'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<ChainCertificate>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ChainCertificate.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChainCertificate>): ChainCertificate {
    return decodeMessage(buf, ChainCertificate.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChainCertificate>): Generator<ChainCertificateVersionFieldEvent | ChainCertificateWalletFieldEvent | ChainCertificateDeviceFieldEvent | ChainCertificateCapabilitiesFieldEvent | ChainCertificateLabelFieldEvent | ChainCertificateIssuedAtFieldEvent | ChainCertificateExpiresAtFieldEvent | ChainCertificateIssuerFieldEvent | ChainCertificateParentFieldEvent | ChainCertificatePathLenFieldEvent | ChainCertificateKemFieldEvent | ChainCertificatePairingFieldEvent> {
    return streamMessage(buf, ChainCertificate.codec(), opts)
  }
}

export interface SignedChainCertificate {
  body: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
  chain: Uint8Array<ArrayBuffer>[]
}

export namespace SignedChainCertificate {
  let _codec: Codec<SignedChainCertificate>

  export const codec = (): Codec<SignedChainCertificate> => {
    if (_codec == null) {
      _codec = message<SignedChainCertificate>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.body != null && obj.body.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.body)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.signature)
        }

        if (obj.chain != null && obj.chain.length > 0) {
          for (const value of obj.chain) {
            w.uint32(58)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          body: new Uint8Array(0),
          signature: new Uint8Array(0),
          chain: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 5: {
              obj.body = reader.bytes()
              break
            }
            case 6: {
              obj.signature = reader.bytes()
              break
            }
            case 7: {
              if (opts.limits?.chain != null && obj.chain.length === opts.limits.chain) {
                throw new MaxLengthError('Decode error - repeated field "chain" had too many elements')
              }

              obj.chain.push(reader.bytes())
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
          chain: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 5: {
              yield {
                field: `${prefix}.body`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              if (opts.limits?.chain != null && obj.chain === opts.limits.chain) {
                throw new MaxLengthError('Streaming decode error - repeated field "chain" had too many elements')
              }

              yield {
                field: `${prefix}.chain[]`,
                index: obj.chain,
                value: reader.bytes()
              }

              obj.chain++

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

  export interface SignedChainCertificateBodyFieldEvent {
    field: '$.body'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedChainCertificateSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedChainCertificateChainFieldEvent {
    field: '$.chain[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SignedChainCertificate>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedChainCertificate.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedChainCertificate>): SignedChainCertificate {
    return decodeMessage(buf, SignedChainCertificate.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedChainCertificate>): Generator<SignedChainCertificateBodyFieldEvent | SignedChainCertificateSignatureFieldEvent | SignedChainCertificateChainFieldEvent> {
    return streamMessage(buf, SignedChainCertificate.codec(), opts)
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

export interface DocVector {
  doc: Uint8Array<ArrayBuffer>
  lanes: LaneSeq[]
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

        if (obj.lanes != null && obj.lanes.length > 0) {
          for (const value of obj.lanes) {
            w.uint32(18)
            LaneSeq.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          doc: new Uint8Array(0),
          lanes: []
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
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          lanes: 0
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

  export interface DocVectorLanesLaneFieldEvent {
    field: '$.lanes[].lane'
    value: number
    index: number
  }

  export interface DocVectorLanesSeqFieldEvent {
    field: '$.lanes[].seq'
    value: bigint
    index: number
  }

  export function encode (obj: Partial<DocVector>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DocVector.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DocVector>): DocVector {
    return decodeMessage(buf, DocVector.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DocVector>): Generator<DocVectorDocFieldEvent | DocVectorLanesLaneFieldEvent | DocVectorLanesSeqFieldEvent> {
    return streamMessage(buf, DocVector.codec(), opts)
  }
}

export interface Cutoff {
  device: Uint8Array<ArrayBuffer>
  docs: DocVector[]
  snapshotsThrough: bigint
  registrySeq: bigint
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

        if ((obj.device != null && obj.device.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.device)
        }

        if (obj.docs != null && obj.docs.length > 0) {
          for (const value of obj.docs) {
            w.uint32(18)
            DocVector.codec().encode(value, w)
          }
        }

        if ((obj.snapshotsThrough != null && obj.snapshotsThrough !== 0n)) {
          w.uint32(24)
          w.uint64(obj.snapshotsThrough)
        }

        if ((obj.registrySeq != null && obj.registrySeq !== 0n)) {
          w.uint32(32)
          w.uint64(obj.registrySeq)
        }

        if (obj.parts != null && obj.parts.length > 0) {
          for (const value of obj.parts) {
            w.uint32(42)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          device: new Uint8Array(0),
          docs: [],
          snapshotsThrough: 0n,
          registrySeq: 0n,
          parts: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.device = reader.bytes()
              break
            }
            case 2: {
              if (opts.limits?.docs != null && obj.docs.length === opts.limits.docs) {
                throw new MaxLengthError('Decode error - repeated field "docs" had too many elements')
              }

              obj.docs.push(DocVector.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.docs$
              }))
              break
            }
            case 3: {
              obj.snapshotsThrough = reader.uint64()
              break
            }
            case 4: {
              obj.registrySeq = reader.uint64()
              break
            }
            case 5: {
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
                field: `${prefix}.device`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              if (opts.limits?.docs != null && obj.docs === opts.limits.docs) {
                throw new MaxLengthError('Streaming decode error - repeated field "docs" had too many elements')
              }

              for (const evt of DocVector.codec().stream(reader, reader.uint32(), `${prefix}.docs[]`, {
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
            case 3: {
              yield {
                field: `${prefix}.snapshotsThrough`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.registrySeq`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
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

  export interface CutoffDeviceFieldEvent {
    field: '$.device'
    value: Uint8Array<ArrayBuffer>
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

  export interface CutoffSnapshotsThroughFieldEvent {
    field: '$.snapshotsThrough'
    value: bigint
  }

  export interface CutoffRegistrySeqFieldEvent {
    field: '$.registrySeq'
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

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Cutoff>): Generator<CutoffDeviceFieldEvent | CutoffDocsDocFieldEvent | CutoffDocsLanesLaneFieldEvent | CutoffDocsLanesSeqFieldEvent | CutoffSnapshotsThroughFieldEvent | CutoffRegistrySeqFieldEvent | CutoffPartsFieldEvent> {
    return streamMessage(buf, Cutoff.codec(), opts)
  }
}

export interface Wrap {
  recipient: Uint8Array<ArrayBuffer>
  enc: Uint8Array<ArrayBuffer>
  ciphertext: Uint8Array<ArrayBuffer>
}

export namespace Wrap {
  let _codec: Codec<Wrap>

  export const codec = (): Codec<Wrap> => {
    if (_codec == null) {
      _codec = message<Wrap>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.recipient != null && obj.recipient.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.recipient)
        }

        if ((obj.enc != null && obj.enc.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.enc)
        }

        if ((obj.ciphertext != null && obj.ciphertext.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.ciphertext)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          recipient: new Uint8Array(0),
          enc: new Uint8Array(0),
          ciphertext: new Uint8Array(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.recipient = reader.bytes()
              break
            }
            case 2: {
              obj.enc = reader.bytes()
              break
            }
            case 3: {
              obj.ciphertext = reader.bytes()
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
                field: `${prefix}.recipient`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.enc`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.ciphertext`,
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

  export interface WrapRecipientFieldEvent {
    field: '$.recipient'
    value: Uint8Array<ArrayBuffer>
  }

  export interface WrapEncFieldEvent {
    field: '$.enc'
    value: Uint8Array<ArrayBuffer>
  }

  export interface WrapCiphertextFieldEvent {
    field: '$.ciphertext'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Wrap>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Wrap.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Wrap>): Wrap {
    return decodeMessage(buf, Wrap.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Wrap>): Generator<WrapRecipientFieldEvent | WrapEncFieldEvent | WrapCiphertextFieldEvent> {
    return streamMessage(buf, Wrap.codec(), opts)
  }
}

export interface Genesis {
  recoveryKem: Uint8Array<ArrayBuffer>
}

export namespace Genesis {
  let _codec: Codec<Genesis>

  export const codec = (): Codec<Genesis> => {
    if (_codec == null) {
      _codec = message<Genesis>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.recoveryKem != null && obj.recoveryKem.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.recoveryKem)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          recoveryKem: new Uint8Array(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.recoveryKem = reader.bytes()
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
                field: `${prefix}.recoveryKem`,
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

  export interface GenesisRecoveryKemFieldEvent {
    field: '$.recoveryKem'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Genesis>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Genesis.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Genesis>): Genesis {
    return decodeMessage(buf, Genesis.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Genesis>): Generator<GenesisRecoveryKemFieldEvent> {
    return streamMessage(buf, Genesis.codec(), opts)
  }
}

export interface Enrol {
  certificate: Uint8Array<ArrayBuffer>
}

export namespace Enrol {
  let _codec: Codec<Enrol>

  export const codec = (): Codec<Enrol> => {
    if (_codec == null) {
      _codec = message<Enrol>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.certificate != null && obj.certificate.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.certificate)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          certificate: new Uint8Array(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.certificate = reader.bytes()
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
                field: `${prefix}.certificate`,
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

  export interface EnrolCertificateFieldEvent {
    field: '$.certificate'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Enrol>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Enrol.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Enrol>): Enrol {
    return decodeMessage(buf, Enrol.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Enrol>): Generator<EnrolCertificateFieldEvent> {
    return streamMessage(buf, Enrol.codec(), opts)
  }
}

export interface Revoke {
  devices: Cutoff[]
  reason: string
}

export namespace Revoke {
  let _codec: Codec<Revoke>

  export const codec = (): Codec<Revoke> => {
    if (_codec == null) {
      _codec = message<Revoke>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.devices != null && obj.devices.length > 0) {
          for (const value of obj.devices) {
            w.uint32(10)
            Cutoff.codec().encode(value, w)
          }
        }

        if ((obj.reason != null && obj.reason !== '')) {
          w.uint32(18)
          w.string(obj.reason)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          devices: [],
          reason: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.devices != null && obj.devices.length === opts.limits.devices) {
                throw new MaxLengthError('Decode error - repeated field "devices" had too many elements')
              }

              obj.devices.push(Cutoff.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.devices$
              }))
              break
            }
            case 2: {
              obj.reason = reader.string()
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
          devices: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.devices != null && obj.devices === opts.limits.devices) {
                throw new MaxLengthError('Streaming decode error - repeated field "devices" had too many elements')
              }

              for (const evt of Cutoff.codec().stream(reader, reader.uint32(), `${prefix}.devices[]`, {
                limits: opts.limits?.devices$
              })) {
                yield {
                  ...evt,
                  index: obj.devices
                }
              }

              obj.devices++

              break
            }
            case 2: {
              yield {
                field: `${prefix}.reason`,
                value: reader.string()
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

  export interface RevokeDevicesDeviceFieldEvent {
    field: '$.devices[].device'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RevokeDevicesDocsDocFieldEvent {
    field: '$.devices[].docs[].doc'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RevokeDevicesDocsLanesLaneFieldEvent {
    field: '$.devices[].docs[].lanes[].lane'
    value: number
    index: number
  }

  export interface RevokeDevicesDocsLanesSeqFieldEvent {
    field: '$.devices[].docs[].lanes[].seq'
    value: bigint
    index: number
  }

  export interface RevokeDevicesSnapshotsThroughFieldEvent {
    field: '$.devices[].snapshotsThrough'
    value: bigint
    index: number
  }

  export interface RevokeDevicesRegistrySeqFieldEvent {
    field: '$.devices[].registrySeq'
    value: bigint
    index: number
  }

  export interface RevokeDevicesPartsFieldEvent {
    field: '$.devices[].parts[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface RevokeReasonFieldEvent {
    field: '$.reason'
    value: string
  }

  export function encode (obj: Partial<Revoke>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Revoke.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Revoke>): Revoke {
    return decodeMessage(buf, Revoke.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Revoke>): Generator<RevokeDevicesDeviceFieldEvent | RevokeDevicesDocsDocFieldEvent | RevokeDevicesDocsLanesLaneFieldEvent | RevokeDevicesDocsLanesSeqFieldEvent | RevokeDevicesSnapshotsThroughFieldEvent | RevokeDevicesRegistrySeqFieldEvent | RevokeDevicesPartsFieldEvent | RevokeReasonFieldEvent> {
    return streamMessage(buf, Revoke.codec(), opts)
  }
}

export interface Epoch {
  epoch: number
  discharges: Uint8Array<ArrayBuffer>[]
  wraps: Wrap[]
  previous: Uint8Array<ArrayBuffer>
  commitment: Uint8Array<ArrayBuffer>
}

export namespace Epoch {
  let _codec: Codec<Epoch>

  export const codec = (): Codec<Epoch> => {
    if (_codec == null) {
      _codec = message<Epoch>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.epoch != null && obj.epoch !== 0)) {
          w.uint32(8)
          w.uint32(obj.epoch)
        }

        if (obj.discharges != null && obj.discharges.length > 0) {
          for (const value of obj.discharges) {
            w.uint32(18)
            w.bytes(value)
          }
        }

        if (obj.wraps != null && obj.wraps.length > 0) {
          for (const value of obj.wraps) {
            w.uint32(26)
            Wrap.codec().encode(value, w)
          }
        }

        if ((obj.previous != null && obj.previous.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.previous)
        }

        if ((obj.commitment != null && obj.commitment.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.commitment)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          epoch: 0,
          discharges: [],
          wraps: [],
          previous: new Uint8Array(0),
          commitment: new Uint8Array(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.epoch = reader.uint32()
              break
            }
            case 2: {
              if (opts.limits?.discharges != null && obj.discharges.length === opts.limits.discharges) {
                throw new MaxLengthError('Decode error - repeated field "discharges" had too many elements')
              }

              obj.discharges.push(reader.bytes())
              break
            }
            case 3: {
              if (opts.limits?.wraps != null && obj.wraps.length === opts.limits.wraps) {
                throw new MaxLengthError('Decode error - repeated field "wraps" had too many elements')
              }

              obj.wraps.push(Wrap.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.wraps$
              }))
              break
            }
            case 4: {
              obj.previous = reader.bytes()
              break
            }
            case 5: {
              obj.commitment = reader.bytes()
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
          discharges: 0,
          wraps: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.epoch`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              if (opts.limits?.discharges != null && obj.discharges === opts.limits.discharges) {
                throw new MaxLengthError('Streaming decode error - repeated field "discharges" had too many elements')
              }

              yield {
                field: `${prefix}.discharges[]`,
                index: obj.discharges,
                value: reader.bytes()
              }

              obj.discharges++

              break
            }
            case 3: {
              if (opts.limits?.wraps != null && obj.wraps === opts.limits.wraps) {
                throw new MaxLengthError('Streaming decode error - repeated field "wraps" had too many elements')
              }

              for (const evt of Wrap.codec().stream(reader, reader.uint32(), `${prefix}.wraps[]`, {
                limits: opts.limits?.wraps$
              })) {
                yield {
                  ...evt,
                  index: obj.wraps
                }
              }

              obj.wraps++

              break
            }
            case 4: {
              yield {
                field: `${prefix}.previous`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.commitment`,
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

  export interface EpochEpochFieldEvent {
    field: '$.epoch'
    value: number
  }

  export interface EpochDischargesFieldEvent {
    field: '$.discharges[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface EpochWrapsRecipientFieldEvent {
    field: '$.wraps[].recipient'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface EpochWrapsEncFieldEvent {
    field: '$.wraps[].enc'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface EpochWrapsCiphertextFieldEvent {
    field: '$.wraps[].ciphertext'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface EpochPreviousFieldEvent {
    field: '$.previous'
    value: Uint8Array<ArrayBuffer>
  }

  export interface EpochCommitmentFieldEvent {
    field: '$.commitment'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Epoch>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Epoch.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Epoch>): Epoch {
    return decodeMessage(buf, Epoch.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Epoch>): Generator<EpochEpochFieldEvent | EpochDischargesFieldEvent | EpochWrapsRecipientFieldEvent | EpochWrapsEncFieldEvent | EpochWrapsCiphertextFieldEvent | EpochPreviousFieldEvent | EpochCommitmentFieldEvent> {
    return streamMessage(buf, Epoch.codec(), opts)
  }
}

export interface Grant {
  epoch: number
  commitment: Uint8Array<ArrayBuffer>
  wraps: Wrap[]
}

export namespace Grant {
  let _codec: Codec<Grant>

  export const codec = (): Codec<Grant> => {
    if (_codec == null) {
      _codec = message<Grant>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.epoch != null && obj.epoch !== 0)) {
          w.uint32(8)
          w.uint32(obj.epoch)
        }

        if ((obj.commitment != null && obj.commitment.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.commitment)
        }

        if (obj.wraps != null && obj.wraps.length > 0) {
          for (const value of obj.wraps) {
            w.uint32(26)
            Wrap.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          epoch: 0,
          commitment: new Uint8Array(0),
          wraps: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.epoch = reader.uint32()
              break
            }
            case 2: {
              obj.commitment = reader.bytes()
              break
            }
            case 3: {
              if (opts.limits?.wraps != null && obj.wraps.length === opts.limits.wraps) {
                throw new MaxLengthError('Decode error - repeated field "wraps" had too many elements')
              }

              obj.wraps.push(Wrap.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.wraps$
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
          wraps: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.epoch`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.commitment`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              if (opts.limits?.wraps != null && obj.wraps === opts.limits.wraps) {
                throw new MaxLengthError('Streaming decode error - repeated field "wraps" had too many elements')
              }

              for (const evt of Wrap.codec().stream(reader, reader.uint32(), `${prefix}.wraps[]`, {
                limits: opts.limits?.wraps$
              })) {
                yield {
                  ...evt,
                  index: obj.wraps
                }
              }

              obj.wraps++

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

  export interface GrantEpochFieldEvent {
    field: '$.epoch'
    value: number
  }

  export interface GrantCommitmentFieldEvent {
    field: '$.commitment'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GrantWrapsRecipientFieldEvent {
    field: '$.wraps[].recipient'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface GrantWrapsEncFieldEvent {
    field: '$.wraps[].enc'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface GrantWrapsCiphertextFieldEvent {
    field: '$.wraps[].ciphertext'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export function encode (obj: Partial<Grant>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Grant.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Grant>): Grant {
    return decodeMessage(buf, Grant.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Grant>): Generator<GrantEpochFieldEvent | GrantCommitmentFieldEvent | GrantWrapsRecipientFieldEvent | GrantWrapsEncFieldEvent | GrantWrapsCiphertextFieldEvent> {
    return streamMessage(buf, Grant.codec(), opts)
  }
}

export interface RegistryOp {
  version: number
  wallet: Uint8Array<ArrayBuffer>
  author: Uint8Array<ArrayBuffer>
  seq: bigint
  prev: Uint8Array<ArrayBuffer>[]
  at: bigint
  genesis?: Genesis
  enrol?: Enrol
  revoke?: Revoke
  epoch?: Epoch
  grant?: Grant
}

export namespace RegistryOp {
  let _codec: Codec<RegistryOp>

  export const codec = (): Codec<RegistryOp> => {
    if (_codec == null) {
      _codec = message<RegistryOp>((obj, w, opts = {}) => {
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

        if ((obj.author != null && obj.author.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.author)
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(32)
          w.uint64(obj.seq)
        }

        if (obj.prev != null && obj.prev.length > 0) {
          for (const value of obj.prev) {
            w.uint32(42)
            w.bytes(value)
          }
        }

        if ((obj.at != null && obj.at !== 0n)) {
          w.uint32(48)
          w.uint64(obj.at)
        }

        if (obj.genesis != null) {
          w.uint32(82)
          Genesis.codec().encode(obj.genesis, w)
        }

        if (obj.enrol != null) {
          w.uint32(90)
          Enrol.codec().encode(obj.enrol, w)
        }

        if (obj.revoke != null) {
          w.uint32(98)
          Revoke.codec().encode(obj.revoke, w)
        }

        if (obj.epoch != null) {
          w.uint32(106)
          Epoch.codec().encode(obj.epoch, w)
        }

        if (obj.grant != null) {
          w.uint32(114)
          Grant.codec().encode(obj.grant, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          wallet: new Uint8Array(0),
          author: new Uint8Array(0),
          seq: 0n,
          prev: [],
          at: 0n
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
              obj.author = reader.bytes()
              break
            }
            case 4: {
              obj.seq = reader.uint64()
              break
            }
            case 5: {
              if (opts.limits?.prev != null && obj.prev.length === opts.limits.prev) {
                throw new MaxLengthError('Decode error - repeated field "prev" had too many elements')
              }

              obj.prev.push(reader.bytes())
              break
            }
            case 6: {
              obj.at = reader.uint64()
              break
            }
            case 10: {
              obj.genesis = Genesis.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.genesis
              })
              break
            }
            case 11: {
              obj.enrol = Enrol.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.enrol
              })
              break
            }
            case 12: {
              obj.revoke = Revoke.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.revoke
              })
              break
            }
            case 13: {
              obj.epoch = Epoch.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.epoch
              })
              break
            }
            case 14: {
              obj.grant = Grant.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.grant
              })
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
          prev: 0
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
                field: `${prefix}.author`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
              if (opts.limits?.prev != null && obj.prev === opts.limits.prev) {
                throw new MaxLengthError('Streaming decode error - repeated field "prev" had too many elements')
              }

              yield {
                field: `${prefix}.prev[]`,
                index: obj.prev,
                value: reader.bytes()
              }

              obj.prev++

              break
            }
            case 6: {
              yield {
                field: `${prefix}.at`,
                value: reader.uint64()
              }
              break
            }
            case 10: {
              yield * Genesis.codec().stream(reader, reader.uint32(), `${prefix}.genesis`, {
                limits: opts.limits?.genesis
              })

              break
            }
            case 11: {
              yield * Enrol.codec().stream(reader, reader.uint32(), `${prefix}.enrol`, {
                limits: opts.limits?.enrol
              })

              break
            }
            case 12: {
              yield * Revoke.codec().stream(reader, reader.uint32(), `${prefix}.revoke`, {
                limits: opts.limits?.revoke
              })

              break
            }
            case 13: {
              yield * Epoch.codec().stream(reader, reader.uint32(), `${prefix}.epoch`, {
                limits: opts.limits?.epoch
              })

              break
            }
            case 14: {
              yield * Grant.codec().stream(reader, reader.uint32(), `${prefix}.grant`, {
                limits: opts.limits?.grant
              })

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

  export interface RegistryOpVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface RegistryOpWalletFieldEvent {
    field: '$.wallet'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RegistryOpAuthorFieldEvent {
    field: '$.author'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RegistryOpSeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export interface RegistryOpPrevFieldEvent {
    field: '$.prev[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface RegistryOpAtFieldEvent {
    field: '$.at'
    value: bigint
  }

  export interface RegistryOpGenesisRecoveryKemFieldEvent {
    field: '$.genesis.recoveryKem'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RegistryOpEnrolCertificateFieldEvent {
    field: '$.enrol.certificate'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RegistryOpRevokeDevicesDeviceFieldEvent {
    field: '$.revoke.devices[].device'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RegistryOpRevokeDevicesDocsDocFieldEvent {
    field: '$.revoke.devices[].docs[].doc'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RegistryOpRevokeDevicesDocsLanesLaneFieldEvent {
    field: '$.revoke.devices[].docs[].lanes[].lane'
    value: number
    index: number
  }

  export interface RegistryOpRevokeDevicesDocsLanesSeqFieldEvent {
    field: '$.revoke.devices[].docs[].lanes[].seq'
    value: bigint
    index: number
  }

  export interface RegistryOpRevokeDevicesSnapshotsThroughFieldEvent {
    field: '$.revoke.devices[].snapshotsThrough'
    value: bigint
    index: number
  }

  export interface RegistryOpRevokeDevicesRegistrySeqFieldEvent {
    field: '$.revoke.devices[].registrySeq'
    value: bigint
    index: number
  }

  export interface RegistryOpRevokeDevicesPartsFieldEvent {
    field: '$.revoke.devices[].parts[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface RegistryOpRevokeReasonFieldEvent {
    field: '$.revoke.reason'
    value: string
  }

  export interface RegistryOpEpochEpochFieldEvent {
    field: '$.epoch.epoch'
    value: number
  }

  export interface RegistryOpEpochDischargesFieldEvent {
    field: '$.epoch.discharges[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface RegistryOpEpochWrapsRecipientFieldEvent {
    field: '$.epoch.wraps[].recipient'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RegistryOpEpochWrapsEncFieldEvent {
    field: '$.epoch.wraps[].enc'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RegistryOpEpochWrapsCiphertextFieldEvent {
    field: '$.epoch.wraps[].ciphertext'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RegistryOpEpochPreviousFieldEvent {
    field: '$.epoch.previous'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RegistryOpEpochCommitmentFieldEvent {
    field: '$.epoch.commitment'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RegistryOpGrantEpochFieldEvent {
    field: '$.grant.epoch'
    value: number
  }

  export interface RegistryOpGrantCommitmentFieldEvent {
    field: '$.grant.commitment'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RegistryOpGrantWrapsRecipientFieldEvent {
    field: '$.grant.wraps[].recipient'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RegistryOpGrantWrapsEncFieldEvent {
    field: '$.grant.wraps[].enc'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RegistryOpGrantWrapsCiphertextFieldEvent {
    field: '$.grant.wraps[].ciphertext'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export function encode (obj: Partial<RegistryOp>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RegistryOp.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RegistryOp>): RegistryOp {
    return decodeMessage(buf, RegistryOp.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RegistryOp>): Generator<RegistryOpVersionFieldEvent | RegistryOpWalletFieldEvent | RegistryOpAuthorFieldEvent | RegistryOpSeqFieldEvent | RegistryOpPrevFieldEvent | RegistryOpAtFieldEvent | RegistryOpGenesisRecoveryKemFieldEvent | RegistryOpEnrolCertificateFieldEvent | RegistryOpRevokeDevicesDeviceFieldEvent | RegistryOpRevokeDevicesDocsDocFieldEvent | RegistryOpRevokeDevicesDocsLanesLaneFieldEvent | RegistryOpRevokeDevicesDocsLanesSeqFieldEvent | RegistryOpRevokeDevicesSnapshotsThroughFieldEvent | RegistryOpRevokeDevicesRegistrySeqFieldEvent | RegistryOpRevokeDevicesPartsFieldEvent | RegistryOpRevokeReasonFieldEvent | RegistryOpEpochEpochFieldEvent | RegistryOpEpochDischargesFieldEvent | RegistryOpEpochWrapsRecipientFieldEvent | RegistryOpEpochWrapsEncFieldEvent | RegistryOpEpochWrapsCiphertextFieldEvent | RegistryOpEpochPreviousFieldEvent | RegistryOpEpochCommitmentFieldEvent | RegistryOpGrantEpochFieldEvent | RegistryOpGrantCommitmentFieldEvent | RegistryOpGrantWrapsRecipientFieldEvent | RegistryOpGrantWrapsEncFieldEvent | RegistryOpGrantWrapsCiphertextFieldEvent> {
    return streamMessage(buf, RegistryOp.codec(), opts)
  }
}

export interface SignedRegistryOp {
  op: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace SignedRegistryOp {
  let _codec: Codec<SignedRegistryOp>

  export const codec = (): Codec<SignedRegistryOp> => {
    if (_codec == null) {
      _codec = message<SignedRegistryOp>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.op != null && obj.op.byteLength > 0)) {
          w.uint32(66)
          w.bytes(obj.op)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(74)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          op: new Uint8Array(0),
          signature: new Uint8Array(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 8: {
              obj.op = reader.bytes()
              break
            }
            case 9: {
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
            case 8: {
              yield {
                field: `${prefix}.op`,
                value: reader.bytes()
              }
              break
            }
            case 9: {
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

  export interface SignedRegistryOpOpFieldEvent {
    field: '$.op'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedRegistryOpSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SignedRegistryOp>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedRegistryOp.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedRegistryOp>): SignedRegistryOp {
    return decodeMessage(buf, SignedRegistryOp.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedRegistryOp>): Generator<SignedRegistryOpOpFieldEvent | SignedRegistryOpSignatureFieldEvent> {
    return streamMessage(buf, SignedRegistryOp.codec(), opts)
  }
}
