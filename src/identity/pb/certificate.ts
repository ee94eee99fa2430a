import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
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

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          wallet: uint8ArrayAlloc(0),
          device: uint8ArrayAlloc(0),
          capabilities: 0,
          label: '',
          issuedAt: 0n
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

  export function encode (obj: Partial<DeviceCertificate>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DeviceCertificate.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeviceCertificate>): DeviceCertificate {
    return decodeMessage(buf, DeviceCertificate.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeviceCertificate>): Generator<DeviceCertificateVersionFieldEvent | DeviceCertificateWalletFieldEvent | DeviceCertificateDeviceFieldEvent | DeviceCertificateCapabilitiesFieldEvent | DeviceCertificateLabelFieldEvent | DeviceCertificateIssuedAtFieldEvent | DeviceCertificateExpiresAtFieldEvent> {
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
          body: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
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
