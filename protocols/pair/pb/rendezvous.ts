import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface RendezvousMessage {
  register?: Register
  registered?: Registered
  lookup?: Lookup
  candidates?: Candidates
  refused?: Refused
}

export namespace RendezvousMessage {
  let _codec: Codec<RendezvousMessage>

  export const codec = (): Codec<RendezvousMessage> => {
    if (_codec == null) {
      _codec = message<RendezvousMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.register != null) {
          w.uint32(10)
          Register.codec().encode(obj.register, w)
        }

        if (obj.registered != null) {
          w.uint32(18)
          Registered.codec().encode(obj.registered, w)
        }

        if (obj.lookup != null) {
          w.uint32(26)
          Lookup.codec().encode(obj.lookup, w)
        }

        if (obj.candidates != null) {
          w.uint32(34)
          Candidates.codec().encode(obj.candidates, w)
        }

        if (obj.refused != null) {
          w.uint32(42)
          Refused.codec().encode(obj.refused, w)
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
              obj.register = Register.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.register
              })
              break
            }
            case 2: {
              obj.registered = Registered.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.registered
              })
              break
            }
            case 3: {
              obj.lookup = Lookup.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.lookup
              })
              break
            }
            case 4: {
              obj.candidates = Candidates.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.candidates
              })
              break
            }
            case 5: {
              obj.refused = Refused.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.refused
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
              yield * Register.codec().stream(reader, reader.uint32(), `${prefix}.register`, {
                limits: opts.limits?.register
              })

              break
            }
            case 2: {
              yield * Registered.codec().stream(reader, reader.uint32(), `${prefix}.registered`, {
                limits: opts.limits?.registered
              })

              break
            }
            case 3: {
              yield * Lookup.codec().stream(reader, reader.uint32(), `${prefix}.lookup`, {
                limits: opts.limits?.lookup
              })

              break
            }
            case 4: {
              yield * Candidates.codec().stream(reader, reader.uint32(), `${prefix}.candidates`, {
                limits: opts.limits?.candidates
              })

              break
            }
            case 5: {
              yield * Refused.codec().stream(reader, reader.uint32(), `${prefix}.refused`, {
                limits: opts.limits?.refused
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

  export interface RendezvousMessageRegisterNameplateFieldEvent {
    field: '$.register.nameplate'
    value: string
  }

  export interface RendezvousMessageRegisteredExpiresFieldEvent {
    field: '$.registered.expires'
    value: bigint
  }

  export interface RendezvousMessageLookupNameplateFieldEvent {
    field: '$.lookup.nameplate'
    value: string
  }

  export interface RendezvousMessageLookupDialerFieldEvent {
    field: '$.lookup.dialer'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RendezvousMessageCandidatesPeersFieldEvent {
    field: '$.candidates.peers[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface RendezvousMessageCandidatesSeenFieldEvent {
    field: '$.candidates.seen[]'
    index: number
    value: string
  }

  export interface RendezvousMessageRefusedReasonFieldEvent {
    field: '$.refused.reason'
    value: string
  }

  export function encode (obj: Partial<RendezvousMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RendezvousMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RendezvousMessage>): RendezvousMessage {
    return decodeMessage(buf, RendezvousMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RendezvousMessage>): Generator<RendezvousMessageRegisterNameplateFieldEvent | RendezvousMessageRegisteredExpiresFieldEvent | RendezvousMessageLookupNameplateFieldEvent | RendezvousMessageLookupDialerFieldEvent | RendezvousMessageCandidatesPeersFieldEvent | RendezvousMessageCandidatesSeenFieldEvent | RendezvousMessageRefusedReasonFieldEvent> {
    return streamMessage(buf, RendezvousMessage.codec(), opts)
  }
}

export interface Register {
  nameplate: string
}

export namespace Register {
  let _codec: Codec<Register>

  export const codec = (): Codec<Register> => {
    if (_codec == null) {
      _codec = message<Register>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.nameplate != null && obj.nameplate !== '')) {
          w.uint32(10)
          w.string(obj.nameplate)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          nameplate: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.nameplate = reader.string()
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
                field: `${prefix}.nameplate`,
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

  export interface RegisterNameplateFieldEvent {
    field: '$.nameplate'
    value: string
  }

  export function encode (obj: Partial<Register>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Register.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Register>): Register {
    return decodeMessage(buf, Register.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Register>): Generator<RegisterNameplateFieldEvent> {
    return streamMessage(buf, Register.codec(), opts)
  }
}

export interface Registered {
  expires: bigint
}

export namespace Registered {
  let _codec: Codec<Registered>

  export const codec = (): Codec<Registered> => {
    if (_codec == null) {
      _codec = message<Registered>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.expires != null && obj.expires !== 0n)) {
          w.uint32(8)
          w.uint64(obj.expires)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          expires: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.expires = reader.uint64()
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
                field: `${prefix}.expires`,
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

  export interface RegisteredExpiresFieldEvent {
    field: '$.expires'
    value: bigint
  }

  export function encode (obj: Partial<Registered>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Registered.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Registered>): Registered {
    return decodeMessage(buf, Registered.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Registered>): Generator<RegisteredExpiresFieldEvent> {
    return streamMessage(buf, Registered.codec(), opts)
  }
}

export interface Lookup {
  nameplate: string
  dialer: Uint8Array<ArrayBuffer>
}

export namespace Lookup {
  let _codec: Codec<Lookup>

  export const codec = (): Codec<Lookup> => {
    if (_codec == null) {
      _codec = message<Lookup>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.nameplate != null && obj.nameplate !== '')) {
          w.uint32(10)
          w.string(obj.nameplate)
        }

        if ((obj.dialer != null && obj.dialer.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.dialer)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          nameplate: '',
          dialer: new Uint8Array(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.nameplate = reader.string()
              break
            }
            case 2: {
              obj.dialer = reader.bytes()
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
                field: `${prefix}.nameplate`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.dialer`,
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

  export interface LookupNameplateFieldEvent {
    field: '$.nameplate'
    value: string
  }

  export interface LookupDialerFieldEvent {
    field: '$.dialer'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Lookup>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Lookup.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Lookup>): Lookup {
    return decodeMessage(buf, Lookup.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Lookup>): Generator<LookupNameplateFieldEvent | LookupDialerFieldEvent> {
    return streamMessage(buf, Lookup.codec(), opts)
  }
}

export interface Candidates {
  peers: Uint8Array<ArrayBuffer>[]
  seen: string[]
}

export namespace Candidates {
  let _codec: Codec<Candidates>

  export const codec = (): Codec<Candidates> => {
    if (_codec == null) {
      _codec = message<Candidates>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.peers != null && obj.peers.length > 0) {
          for (const value of obj.peers) {
            w.uint32(10)
            w.bytes(value)
          }
        }

        if (obj.seen != null && obj.seen.length > 0) {
          for (const value of obj.seen) {
            w.uint32(18)
            w.string(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peers: [],
          seen: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.peers != null && obj.peers.length === opts.limits.peers) {
                throw new MaxLengthError('Decode error - repeated field "peers" had too many elements')
              }

              obj.peers.push(reader.bytes())
              break
            }
            case 2: {
              if (opts.limits?.seen != null && obj.seen.length === opts.limits.seen) {
                throw new MaxLengthError('Decode error - repeated field "seen" had too many elements')
              }

              obj.seen.push(reader.string())
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
          peers: 0,
          seen: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.peers != null && obj.peers === opts.limits.peers) {
                throw new MaxLengthError('Streaming decode error - repeated field "peers" had too many elements')
              }

              yield {
                field: `${prefix}.peers[]`,
                index: obj.peers,
                value: reader.bytes()
              }

              obj.peers++

              break
            }
            case 2: {
              if (opts.limits?.seen != null && obj.seen === opts.limits.seen) {
                throw new MaxLengthError('Streaming decode error - repeated field "seen" had too many elements')
              }

              yield {
                field: `${prefix}.seen[]`,
                index: obj.seen,
                value: reader.string()
              }

              obj.seen++

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

  export interface CandidatesPeersFieldEvent {
    field: '$.peers[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface CandidatesSeenFieldEvent {
    field: '$.seen[]'
    index: number
    value: string
  }

  export function encode (obj: Partial<Candidates>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Candidates.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Candidates>): Candidates {
    return decodeMessage(buf, Candidates.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Candidates>): Generator<CandidatesPeersFieldEvent | CandidatesSeenFieldEvent> {
    return streamMessage(buf, Candidates.codec(), opts)
  }
}

export interface Refused {
  reason: string
}

export namespace Refused {
  let _codec: Codec<Refused>

  export const codec = (): Codec<Refused> => {
    if (_codec == null) {
      _codec = message<Refused>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.reason != null && obj.reason !== '')) {
          w.uint32(10)
          w.string(obj.reason)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          reason: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
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
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
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

  export interface RefusedReasonFieldEvent {
    field: '$.reason'
    value: string
  }

  export function encode (obj: Partial<Refused>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Refused.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Refused>): Refused {
    return decodeMessage(buf, Refused.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Refused>): Generator<RefusedReasonFieldEvent> {
    return streamMessage(buf, Refused.codec(), opts)
  }
}
