import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface MembershipMessage {
  nonce: Uint8Array<ArrayBuffer>
  certificate: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
  tag: Uint8Array<ArrayBuffer>
  revocation: Uint8Array<ArrayBuffer>[]
}

export namespace MembershipMessage {
  let _codec: Codec<MembershipMessage>

  export const codec = (): Codec<MembershipMessage> => {
    if (_codec == null) {
      _codec = message<MembershipMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.nonce)
        }

        if ((obj.certificate != null && obj.certificate.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.certificate)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.signature)
        }

        if ((obj.tag != null && obj.tag.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.tag)
        }

        if (obj.revocation != null && obj.revocation.length > 0) {
          for (const value of obj.revocation) {
            w.uint32(42)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          nonce: new Uint8Array(0),
          certificate: new Uint8Array(0),
          signature: new Uint8Array(0),
          tag: new Uint8Array(0),
          revocation: []
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
              obj.certificate = reader.bytes()
              break
            }
            case 3: {
              obj.signature = reader.bytes()
              break
            }
            case 4: {
              obj.tag = reader.bytes()
              break
            }
            case 5: {
              if (opts.limits?.revocation != null && obj.revocation.length === opts.limits.revocation) {
                throw new MaxLengthError('Decode error - repeated field "revocation" had too many elements')
              }

              obj.revocation.push(reader.bytes())
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
          revocation: 0
        }

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
                field: `${prefix}.certificate`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.tag`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              if (opts.limits?.revocation != null && obj.revocation === opts.limits.revocation) {
                throw new MaxLengthError('Streaming decode error - repeated field "revocation" had too many elements')
              }

              yield {
                field: `${prefix}.revocation[]`,
                index: obj.revocation,
                value: reader.bytes()
              }

              obj.revocation++

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

  export interface MembershipMessageNonceFieldEvent {
    field: '$.nonce'
    value: Uint8Array<ArrayBuffer>
  }

  export interface MembershipMessageCertificateFieldEvent {
    field: '$.certificate'
    value: Uint8Array<ArrayBuffer>
  }

  export interface MembershipMessageSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface MembershipMessageTagFieldEvent {
    field: '$.tag'
    value: Uint8Array<ArrayBuffer>
  }

  export interface MembershipMessageRevocationFieldEvent {
    field: '$.revocation[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<MembershipMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MembershipMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MembershipMessage>): MembershipMessage {
    return decodeMessage(buf, MembershipMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MembershipMessage>): Generator<MembershipMessageNonceFieldEvent | MembershipMessageCertificateFieldEvent | MembershipMessageSignatureFieldEvent | MembershipMessageTagFieldEvent | MembershipMessageRevocationFieldEvent> {
    return streamMessage(buf, MembershipMessage.codec(), opts)
  }
}
