import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface PairMessage {
  hello?: Hello
  shareA?: ShareA
  shareB?: ShareB
  confirm?: Confirm
  decision?: Decision
  reject?: Reject
}

export namespace PairMessage {
  let _codec: Codec<PairMessage>

  export const codec = (): Codec<PairMessage> => {
    if (_codec == null) {
      _codec = message<PairMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.hello != null) {
          w.uint32(10)
          Hello.codec().encode(obj.hello, w)
        }

        if (obj.shareA != null) {
          w.uint32(18)
          ShareA.codec().encode(obj.shareA, w)
        }

        if (obj.shareB != null) {
          w.uint32(26)
          ShareB.codec().encode(obj.shareB, w)
        }

        if (obj.confirm != null) {
          w.uint32(34)
          Confirm.codec().encode(obj.confirm, w)
        }

        if (obj.decision != null) {
          w.uint32(42)
          Decision.codec().encode(obj.decision, w)
        }

        if (obj.reject != null) {
          w.uint32(50)
          Reject.codec().encode(obj.reject, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.hello = Hello.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.hello
              })
              break
            }
            case 2: {
              obj.shareA = ShareA.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.shareA
              })
              break
            }
            case 3: {
              obj.shareB = ShareB.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.shareB
              })
              break
            }
            case 4: {
              obj.confirm = Confirm.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.confirm
              })
              break
            }
            case 5: {
              obj.decision = Decision.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.decision
              })
              break
            }
            case 6: {
              obj.reject = Reject.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.reject
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
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * Hello.codec().stream(reader, reader.uint32(), `${prefix}.hello`, {
                limits: opts.limits?.hello
              })

              break
            }
            case 2: {
              yield * ShareA.codec().stream(reader, reader.uint32(), `${prefix}.shareA`, {
                limits: opts.limits?.shareA
              })

              break
            }
            case 3: {
              yield * ShareB.codec().stream(reader, reader.uint32(), `${prefix}.shareB`, {
                limits: opts.limits?.shareB
              })

              break
            }
            case 4: {
              yield * Confirm.codec().stream(reader, reader.uint32(), `${prefix}.confirm`, {
                limits: opts.limits?.confirm
              })

              break
            }
            case 5: {
              yield * Decision.codec().stream(reader, reader.uint32(), `${prefix}.decision`, {
                limits: opts.limits?.decision
              })

              break
            }
            case 6: {
              yield * Reject.codec().stream(reader, reader.uint32(), `${prefix}.reject`, {
                limits: opts.limits?.reject
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

  export interface PairMessageHelloVersionFieldEvent {
    field: '$.hello.version'
    value: number
  }

  export interface PairMessageHelloNameplateFieldEvent {
    field: '$.hello.nameplate'
    value: string
  }

  export interface PairMessageHelloNonceFieldEvent {
    field: '$.hello.nonce'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PairMessageShareANonceFieldEvent {
    field: '$.shareA.nonce'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PairMessageShareAYFieldEvent {
    field: '$.shareA.y'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PairMessageShareBYFieldEvent {
    field: '$.shareB.y'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PairMessageShareBTagFieldEvent {
    field: '$.shareB.tag'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PairMessageConfirmTagFieldEvent {
    field: '$.confirm.tag'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PairMessageConfirmSealedFieldEvent {
    field: '$.confirm.sealed'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PairMessageDecisionSealedFieldEvent {
    field: '$.decision.sealed'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PairMessageRejectReasonFieldEvent {
    field: '$.reject.reason'
    value: Reject.Reason
  }

  export interface PairMessageRejectRetryMsFieldEvent {
    field: '$.reject.retryMs'
    value: number
  }

  export function encode (obj: Partial<PairMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PairMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PairMessage>): PairMessage {
    return decodeMessage(buf, PairMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PairMessage>): Generator<PairMessageHelloVersionFieldEvent | PairMessageHelloNameplateFieldEvent | PairMessageHelloNonceFieldEvent | PairMessageShareANonceFieldEvent | PairMessageShareAYFieldEvent | PairMessageShareBYFieldEvent | PairMessageShareBTagFieldEvent | PairMessageConfirmTagFieldEvent | PairMessageConfirmSealedFieldEvent | PairMessageDecisionSealedFieldEvent | PairMessageRejectReasonFieldEvent | PairMessageRejectRetryMsFieldEvent> {
    return streamMessage(buf, PairMessage.codec(), opts)
  }
}

export interface Hello {
  version: number
  nameplate: string
  nonce: Uint8Array<ArrayBuffer>
}

export namespace Hello {
  let _codec: Codec<Hello>

  export const codec = (): Codec<Hello> => {
    if (_codec == null) {
      _codec = message<Hello>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.nameplate != null && obj.nameplate !== '')) {
          w.uint32(18)
          w.string(obj.nameplate)
        }

        if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.nonce)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          nameplate: '',
          nonce: new Uint8Array(0)
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
              obj.nameplate = reader.string()
              break
            }
            case 3: {
              obj.nonce = reader.bytes()
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
                field: `${prefix}.nameplate`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.nonce`,
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

  export interface HelloVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface HelloNameplateFieldEvent {
    field: '$.nameplate'
    value: string
  }

  export interface HelloNonceFieldEvent {
    field: '$.nonce'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Hello>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Hello.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Hello>): Hello {
    return decodeMessage(buf, Hello.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Hello>): Generator<HelloVersionFieldEvent | HelloNameplateFieldEvent | HelloNonceFieldEvent> {
    return streamMessage(buf, Hello.codec(), opts)
  }
}

export interface ShareA {
  nonce: Uint8Array<ArrayBuffer>
  y: Uint8Array<ArrayBuffer>
}

export namespace ShareA {
  let _codec: Codec<ShareA>

  export const codec = (): Codec<ShareA> => {
    if (_codec == null) {
      _codec = message<ShareA>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.nonce)
        }

        if ((obj.y != null && obj.y.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.y)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          nonce: new Uint8Array(0),
          y: new Uint8Array(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.nonce = reader.bytes()
              break
            }
            case 2: {
              obj.y = reader.bytes()
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
                field: `${prefix}.nonce`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.y`,
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

  export interface ShareANonceFieldEvent {
    field: '$.nonce'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ShareAYFieldEvent {
    field: '$.y'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<ShareA>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ShareA.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ShareA>): ShareA {
    return decodeMessage(buf, ShareA.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ShareA>): Generator<ShareANonceFieldEvent | ShareAYFieldEvent> {
    return streamMessage(buf, ShareA.codec(), opts)
  }
}

export interface ShareB {
  y: Uint8Array<ArrayBuffer>
  tag: Uint8Array<ArrayBuffer>
}

export namespace ShareB {
  let _codec: Codec<ShareB>

  export const codec = (): Codec<ShareB> => {
    if (_codec == null) {
      _codec = message<ShareB>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.y != null && obj.y.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.y)
        }

        if ((obj.tag != null && obj.tag.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.tag)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          y: new Uint8Array(0),
          tag: new Uint8Array(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.y = reader.bytes()
              break
            }
            case 2: {
              obj.tag = reader.bytes()
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
                field: `${prefix}.y`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.tag`,
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

  export interface ShareBYFieldEvent {
    field: '$.y'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ShareBTagFieldEvent {
    field: '$.tag'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<ShareB>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ShareB.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ShareB>): ShareB {
    return decodeMessage(buf, ShareB.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ShareB>): Generator<ShareBYFieldEvent | ShareBTagFieldEvent> {
    return streamMessage(buf, ShareB.codec(), opts)
  }
}

export interface Confirm {
  tag: Uint8Array<ArrayBuffer>
  sealed: Uint8Array<ArrayBuffer>
}

export namespace Confirm {
  let _codec: Codec<Confirm>

  export const codec = (): Codec<Confirm> => {
    if (_codec == null) {
      _codec = message<Confirm>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.tag != null && obj.tag.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.tag)
        }

        if ((obj.sealed != null && obj.sealed.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.sealed)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          tag: new Uint8Array(0),
          sealed: new Uint8Array(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.tag = reader.bytes()
              break
            }
            case 2: {
              obj.sealed = reader.bytes()
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
                field: `${prefix}.tag`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.sealed`,
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

  export interface ConfirmTagFieldEvent {
    field: '$.tag'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ConfirmSealedFieldEvent {
    field: '$.sealed'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Confirm>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Confirm.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Confirm>): Confirm {
    return decodeMessage(buf, Confirm.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Confirm>): Generator<ConfirmTagFieldEvent | ConfirmSealedFieldEvent> {
    return streamMessage(buf, Confirm.codec(), opts)
  }
}

export interface Decision {
  sealed: Uint8Array<ArrayBuffer>
}

export namespace Decision {
  let _codec: Codec<Decision>

  export const codec = (): Codec<Decision> => {
    if (_codec == null) {
      _codec = message<Decision>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.sealed != null && obj.sealed.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.sealed)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          sealed: new Uint8Array(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.sealed = reader.bytes()
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
                field: `${prefix}.sealed`,
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

  export interface DecisionSealedFieldEvent {
    field: '$.sealed'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Decision>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Decision.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Decision>): Decision {
    return decodeMessage(buf, Decision.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Decision>): Generator<DecisionSealedFieldEvent> {
    return streamMessage(buf, Decision.codec(), opts)
  }
}

export interface Reject {
  reason: Reject.Reason
  retryMs?: number
}

export namespace Reject {
  export enum Reason {
    UNKNOWN = 'UNKNOWN',
    NAMEPLATE = 'NAMEPLATE',
    EXPIRED = 'EXPIRED',
    BUSY = 'BUSY',
    PAKE = 'PAKE',
    VERSION = 'VERSION',
    DONE = 'DONE'
  }

  enum __ReasonValues {
    UNKNOWN = 0,
    NAMEPLATE = 1,
    EXPIRED = 2,
    BUSY = 3,
    PAKE = 4,
    VERSION = 5,
    DONE = 6
  }

  export namespace Reason {
    export const codec = (): Codec<Reason> => {
      return enumeration<Reason>(__ReasonValues)
    }
  }

  let _codec: Codec<Reject>

  export const codec = (): Codec<Reject> => {
    if (_codec == null) {
      _codec = message<Reject>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.reason != null && __ReasonValues[obj.reason] !== 0) {
          w.uint32(8)
          Reject.Reason.codec().encode(obj.reason, w)
        }

        if (obj.retryMs != null) {
          w.uint32(16)
          w.uint32(obj.retryMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          reason: Reason.UNKNOWN
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.reason = Reject.Reason.codec().decode(reader)
              break
            }
            case 2: {
              obj.retryMs = reader.uint32()
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
                field: `${prefix}.reason`,
                value: Reject.Reason.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.retryMs`,
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

  export interface RejectReasonFieldEvent {
    field: '$.reason'
    value: Reject.Reason
  }

  export interface RejectRetryMsFieldEvent {
    field: '$.retryMs'
    value: number
  }

  export function encode (obj: Partial<Reject>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Reject.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Reject>): Reject {
    return decodeMessage(buf, Reject.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Reject>): Generator<RejectReasonFieldEvent | RejectRetryMsFieldEvent> {
    return streamMessage(buf, Reject.codec(), opts)
  }
}

export interface Request {
  device: Uint8Array<ArrayBuffer>
  proof: Uint8Array<ArrayBuffer>
  kem: Uint8Array<ArrayBuffer>
  label: string
  hostname: string
  os: string
  arch: string
  meshVersion: string
  capabilities: number
  clock: bigint
}

export namespace Request {
  let _codec: Codec<Request>

  export const codec = (): Codec<Request> => {
    if (_codec == null) {
      _codec = message<Request>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.device != null && obj.device.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.device)
        }

        if ((obj.proof != null && obj.proof.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.proof)
        }

        if ((obj.kem != null && obj.kem.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.kem)
        }

        if ((obj.label != null && obj.label !== '')) {
          w.uint32(34)
          w.string(obj.label)
        }

        if ((obj.hostname != null && obj.hostname !== '')) {
          w.uint32(42)
          w.string(obj.hostname)
        }

        if ((obj.os != null && obj.os !== '')) {
          w.uint32(50)
          w.string(obj.os)
        }

        if ((obj.arch != null && obj.arch !== '')) {
          w.uint32(58)
          w.string(obj.arch)
        }

        if ((obj.meshVersion != null && obj.meshVersion !== '')) {
          w.uint32(66)
          w.string(obj.meshVersion)
        }

        if ((obj.capabilities != null && obj.capabilities !== 0)) {
          w.uint32(72)
          w.uint32(obj.capabilities)
        }

        if ((obj.clock != null && obj.clock !== 0n)) {
          w.uint32(80)
          w.uint64(obj.clock)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          device: new Uint8Array(0),
          proof: new Uint8Array(0),
          kem: new Uint8Array(0),
          label: '',
          hostname: '',
          os: '',
          arch: '',
          meshVersion: '',
          capabilities: 0,
          clock: 0n
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
              obj.proof = reader.bytes()
              break
            }
            case 3: {
              obj.kem = reader.bytes()
              break
            }
            case 4: {
              obj.label = reader.string()
              break
            }
            case 5: {
              obj.hostname = reader.string()
              break
            }
            case 6: {
              obj.os = reader.string()
              break
            }
            case 7: {
              obj.arch = reader.string()
              break
            }
            case 8: {
              obj.meshVersion = reader.string()
              break
            }
            case 9: {
              obj.capabilities = reader.uint32()
              break
            }
            case 10: {
              obj.clock = reader.uint64()
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
                field: `${prefix}.device`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.proof`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.kem`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.label`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.hostname`,
                value: reader.string()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.os`,
                value: reader.string()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.arch`,
                value: reader.string()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.meshVersion`,
                value: reader.string()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.capabilities`,
                value: reader.uint32()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.clock`,
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

  export interface RequestDeviceFieldEvent {
    field: '$.device'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RequestProofFieldEvent {
    field: '$.proof'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RequestKemFieldEvent {
    field: '$.kem'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RequestLabelFieldEvent {
    field: '$.label'
    value: string
  }

  export interface RequestHostnameFieldEvent {
    field: '$.hostname'
    value: string
  }

  export interface RequestOsFieldEvent {
    field: '$.os'
    value: string
  }

  export interface RequestArchFieldEvent {
    field: '$.arch'
    value: string
  }

  export interface RequestMeshVersionFieldEvent {
    field: '$.meshVersion'
    value: string
  }

  export interface RequestCapabilitiesFieldEvent {
    field: '$.capabilities'
    value: number
  }

  export interface RequestClockFieldEvent {
    field: '$.clock'
    value: bigint
  }

  export function encode (obj: Partial<Request>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Request.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Request>): Request {
    return decodeMessage(buf, Request.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Request>): Generator<RequestDeviceFieldEvent | RequestProofFieldEvent | RequestKemFieldEvent | RequestLabelFieldEvent | RequestHostnameFieldEvent | RequestOsFieldEvent | RequestArchFieldEvent | RequestMeshVersionFieldEvent | RequestCapabilitiesFieldEvent | RequestClockFieldEvent> {
    return streamMessage(buf, Request.codec(), opts)
  }
}

export interface Verdict {
  approved: boolean
  reason: string
  grant: Uint8Array<ArrayBuffer>
}

export namespace Verdict {
  let _codec: Codec<Verdict>

  export const codec = (): Codec<Verdict> => {
    if (_codec == null) {
      _codec = message<Verdict>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.approved != null && obj.approved !== false)) {
          w.uint32(8)
          w.bool(obj.approved)
        }

        if ((obj.reason != null && obj.reason !== '')) {
          w.uint32(18)
          w.string(obj.reason)
        }

        if ((obj.grant != null && obj.grant.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.grant)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          approved: false,
          reason: '',
          grant: new Uint8Array(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.approved = reader.bool()
              break
            }
            case 2: {
              obj.reason = reader.string()
              break
            }
            case 3: {
              obj.grant = reader.bytes()
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
                field: `${prefix}.approved`,
                value: reader.bool()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.reason`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.grant`,
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

  export interface VerdictApprovedFieldEvent {
    field: '$.approved'
    value: boolean
  }

  export interface VerdictReasonFieldEvent {
    field: '$.reason'
    value: string
  }

  export interface VerdictGrantFieldEvent {
    field: '$.grant'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Verdict>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Verdict.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Verdict>): Verdict {
    return decodeMessage(buf, Verdict.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Verdict>): Generator<VerdictApprovedFieldEvent | VerdictReasonFieldEvent | VerdictGrantFieldEvent> {
    return streamMessage(buf, Verdict.codec(), opts)
  }
}

export interface EpochKey {
  epoch: number
  key: Uint8Array<ArrayBuffer>
}

export namespace EpochKey {
  let _codec: Codec<EpochKey>

  export const codec = (): Codec<EpochKey> => {
    if (_codec == null) {
      _codec = message<EpochKey>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.epoch != null && obj.epoch !== 0)) {
          w.uint32(8)
          w.uint32(obj.epoch)
        }

        if ((obj.key != null && obj.key.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.key)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          epoch: 0,
          key: new Uint8Array(0)
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
              obj.key = reader.bytes()
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
                field: `${prefix}.epoch`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.key`,
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

  export interface EpochKeyEpochFieldEvent {
    field: '$.epoch'
    value: number
  }

  export interface EpochKeyKeyFieldEvent {
    field: '$.key'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<EpochKey>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, EpochKey.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<EpochKey>): EpochKey {
    return decodeMessage(buf, EpochKey.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<EpochKey>): Generator<EpochKeyEpochFieldEvent | EpochKeyKeyFieldEvent> {
    return streamMessage(buf, EpochKey.codec(), opts)
  }
}

export interface Grant {
  wallet: Uint8Array<ArrayBuffer>
  certificate: Uint8Array<ArrayBuffer>
  records: Uint8Array<ArrayBuffer>[]
  currentEpoch: number
  epochs: EpochKey[]
  docIdKey: Uint8Array<ArrayBuffer>
  rendezvous: Uint8Array<ArrayBuffer>
  bootstrap: string[]
  approver: string
  membershipKey: Uint8Array<ArrayBuffer>
}

export namespace Grant {
  let _codec: Codec<Grant>

  export const codec = (): Codec<Grant> => {
    if (_codec == null) {
      _codec = message<Grant>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.wallet != null && obj.wallet.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.wallet)
        }

        if ((obj.certificate != null && obj.certificate.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.certificate)
        }

        if (obj.records != null && obj.records.length > 0) {
          for (const value of obj.records) {
            w.uint32(26)
            w.bytes(value)
          }
        }

        if ((obj.currentEpoch != null && obj.currentEpoch !== 0)) {
          w.uint32(32)
          w.uint32(obj.currentEpoch)
        }

        if (obj.epochs != null && obj.epochs.length > 0) {
          for (const value of obj.epochs) {
            w.uint32(42)
            EpochKey.codec().encode(value, w)
          }
        }

        if ((obj.docIdKey != null && obj.docIdKey.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.docIdKey)
        }

        if ((obj.rendezvous != null && obj.rendezvous.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.rendezvous)
        }

        if (obj.bootstrap != null && obj.bootstrap.length > 0) {
          for (const value of obj.bootstrap) {
            w.uint32(66)
            w.string(value)
          }
        }

        if ((obj.approver != null && obj.approver !== '')) {
          w.uint32(74)
          w.string(obj.approver)
        }

        if ((obj.membershipKey != null && obj.membershipKey.byteLength > 0)) {
          w.uint32(82)
          w.bytes(obj.membershipKey)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          wallet: new Uint8Array(0),
          certificate: new Uint8Array(0),
          records: [],
          currentEpoch: 0,
          epochs: [],
          docIdKey: new Uint8Array(0),
          rendezvous: new Uint8Array(0),
          bootstrap: [],
          approver: '',
          membershipKey: new Uint8Array(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.wallet = reader.bytes()
              break
            }
            case 2: {
              obj.certificate = reader.bytes()
              break
            }
            case 3: {
              if (opts.limits?.records != null && obj.records.length === opts.limits.records) {
                throw new MaxLengthError('Decode error - repeated field "records" had too many elements')
              }

              obj.records.push(reader.bytes())
              break
            }
            case 4: {
              obj.currentEpoch = reader.uint32()
              break
            }
            case 5: {
              if (opts.limits?.epochs != null && obj.epochs.length === opts.limits.epochs) {
                throw new MaxLengthError('Decode error - repeated field "epochs" had too many elements')
              }

              obj.epochs.push(EpochKey.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.epochs$
              }))
              break
            }
            case 6: {
              obj.docIdKey = reader.bytes()
              break
            }
            case 7: {
              obj.rendezvous = reader.bytes()
              break
            }
            case 8: {
              if (opts.limits?.bootstrap != null && obj.bootstrap.length === opts.limits.bootstrap) {
                throw new MaxLengthError('Decode error - repeated field "bootstrap" had too many elements')
              }

              obj.bootstrap.push(reader.string())
              break
            }
            case 9: {
              obj.approver = reader.string()
              break
            }
            case 10: {
              obj.membershipKey = reader.bytes()
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
          records: 0,
          epochs: 0,
          bootstrap: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.wallet`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.certificate`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              if (opts.limits?.records != null && obj.records === opts.limits.records) {
                throw new MaxLengthError('Streaming decode error - repeated field "records" had too many elements')
              }

              yield {
                field: `${prefix}.records[]`,
                index: obj.records,
                value: reader.bytes()
              }

              obj.records++

              break
            }
            case 4: {
              yield {
                field: `${prefix}.currentEpoch`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              if (opts.limits?.epochs != null && obj.epochs === opts.limits.epochs) {
                throw new MaxLengthError('Streaming decode error - repeated field "epochs" had too many elements')
              }

              for (const evt of EpochKey.codec().stream(reader, reader.uint32(), `${prefix}.epochs[]`, {
                limits: opts.limits?.epochs$
              })) {
                yield {
                  ...evt,
                  index: obj.epochs
                }
              }

              obj.epochs++

              break
            }
            case 6: {
              yield {
                field: `${prefix}.docIdKey`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.rendezvous`,
                value: reader.bytes()
              }
              break
            }
            case 8: {
              if (opts.limits?.bootstrap != null && obj.bootstrap === opts.limits.bootstrap) {
                throw new MaxLengthError('Streaming decode error - repeated field "bootstrap" had too many elements')
              }

              yield {
                field: `${prefix}.bootstrap[]`,
                index: obj.bootstrap,
                value: reader.string()
              }

              obj.bootstrap++

              break
            }
            case 9: {
              yield {
                field: `${prefix}.approver`,
                value: reader.string()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.membershipKey`,
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

  export interface GrantWalletFieldEvent {
    field: '$.wallet'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GrantCertificateFieldEvent {
    field: '$.certificate'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GrantRecordsFieldEvent {
    field: '$.records[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface GrantCurrentEpochFieldEvent {
    field: '$.currentEpoch'
    value: number
  }

  export interface GrantEpochsEpochFieldEvent {
    field: '$.epochs[].epoch'
    value: number
    index: number
  }

  export interface GrantEpochsKeyFieldEvent {
    field: '$.epochs[].key'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface GrantDocIdKeyFieldEvent {
    field: '$.docIdKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GrantRendezvousFieldEvent {
    field: '$.rendezvous'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GrantBootstrapFieldEvent {
    field: '$.bootstrap[]'
    index: number
    value: string
  }

  export interface GrantApproverFieldEvent {
    field: '$.approver'
    value: string
  }

  export interface GrantMembershipKeyFieldEvent {
    field: '$.membershipKey'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Grant>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Grant.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Grant>): Grant {
    return decodeMessage(buf, Grant.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Grant>): Generator<GrantWalletFieldEvent | GrantCertificateFieldEvent | GrantRecordsFieldEvent | GrantCurrentEpochFieldEvent | GrantEpochsEpochFieldEvent | GrantEpochsKeyFieldEvent | GrantDocIdKeyFieldEvent | GrantRendezvousFieldEvent | GrantBootstrapFieldEvent | GrantApproverFieldEvent | GrantMembershipKeyFieldEvent> {
    return streamMessage(buf, Grant.codec(), opts)
  }
}
