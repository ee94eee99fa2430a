/**
 * Every domain-separation string and key-derivation label mesh uses, in one place, versioned.
 * Changing any of these changes every derived key and invalidates every signature: add a v2
 * beside a v1, never edit one. test/vectors/ freezes their effect.
 */

/** Signed-bytes domains: signatures cover `varint(len(domain)) || domain || payload`. */
export const DOMAIN = {
  deviceCertificate: 'mesh/device-cert/v1',
  entry: 'mesh/entry/v1',
  membership: 'mesh/membership/v1',
  /** Device signatures in the gated handshake (protocols/membership, `/mesh/membership/2.0.0`). */
  membershipV2: 'mesh/membership/v2',
  /** The HMAC input of a membership tag: a peer proves it knows the vault before any certificate moves. */
  membershipTag: 'mesh/membership-tag/v1',
  cutoff: 'mesh/cutoff/v1',
  /** Version 3 certificates (chains): signed by the wallet or by an admin device. */
  chainCertificate: 'mesh/device-cert/v3',
  registryOp: 'mesh/registry-op/v1',
  /** A new device's proof, inside the pairing channel, that it holds the device key it asks a certificate for. */
  pair: 'mesh/pair/v1'
} as const

/**
 * The fixed message a wallet signs once to derive the vault's keys (after Solana token-2022's
 * practice of deriving keys from the signature of a constant message). Human-readable so that a
 * wallet that shows what it signs shows what this is for.
 */
export const VAULT_SEED_MESSAGE = 'mesh/vault-seed/v1\nSign this message only inside mesh: its signature is the key to your mesh vault on every machine you own.'

/** HKDF-SHA256 salt and info labels. */
export const LABEL = {
  salt: 'mesh/hkdf-salt/v1',
  vaultKey: (epoch: number): string => `mesh/vault-key/v1/epoch/${epoch}`,
  keyWrap: 'mesh/key-wrap/v1',
  docId: 'mesh/doc-id/v1',
  docKey: 'mesh/doc-key/v1',
  rendezvous: 'mesh/rendezvous/v1',
  /** The membership key, from the rendezvous key: an access secret a keyless mirror can hold too. */
  membershipKey: 'mesh/membership-key/v1',
  entryAad: 'mesh/entry-aad/v1',
  snapshotAad: 'mesh/snapshot-aad/v1',
  /** The key certificate records in the store's log are sealed under (from the epoch-0 vault key). */
  certRecordKey: 'mesh/cert-record-key/v1',
  certRecordAad: 'mesh/cert-record-aad/v1',
  /** The home's file of session summaries (src/api/session-summaries.ts), sealed as certificate records are. */
  summaryRecordKey: 'mesh/summary-record-key/v1',
  summaryRecordAad: 'mesh/summary-record-aad/v1',
  docFingerprint: 'mesh/doc-fingerprint/v1',
  rangeFingerprint: 'mesh/range-fingerprint/v1',
  /** An author's retired lanes, folded into one vector item (protocols/sync/SPEC.md, Retired lanes). */
  retiredLanes: 'mesh/retired-lanes/v1',
  /** A device's X25519 key epoch keys are wrapped to, derived from its ed25519 seed. */
  deviceKem: 'mesh/device-kem/v1',
  /** The recovery key's X25519 secret, derived from the wallet's seed signature: only the wallet rebuilds it. */
  recoveryKem: 'mesh/recovery-kem/v1',
  /** HKDF info prefix of an epoch-key wrap (then wallet key || u32be(epoch)). */
  epochWrap: 'mesh/epoch-wrap/v1',
  /** HMAC label binding an epoch key to its number (Epoch.commitment). */
  epochCommit: 'mesh/epoch-commit/v1',
  /** AEAD info of Epoch.previous: the earlier epoch keys under the new one. */
  epochPrevious: 'mesh/epoch-previous/v1',
  /** The DHT rendezvous key of an epoch >= 1, derived from its key: a revoked device cannot find the mesh. */
  rendezvousEpoch: 'mesh/rendezvous/v2',
  /** Pairing (protocols/pair/SPEC.md): the CPace channel identifier's prefix, the session id and the two sealing keys. */
  pairCi: 'mesh/pair/v1',
  pairSid: 'mesh/pair/sid/v1',
  pairKeyN: 'mesh/pair/key-n/v1',
  pairKeyT: 'mesh/pair/key-t/v1',
  pairRequestAad: 'mesh/pair/request/v1',
  pairVerdictAad: 'mesh/pair/verdict/v1',
  /** The digest a home's vault.keys carries of its own keys (src/node/keyfile.ts). */
  keyFileCheck: 'mesh/key-file-check/v1',
  /** The digest a blind mirror's mirror.json carries of its wallet and membership key (src/node/mirror.ts). */
  mirrorFileCheck: 'mesh/mirror-file-check/v1'
} as const

/** Current format versions written into certificates and entries. */
export const CERTIFICATE_VERSION = 1
/** A certificate that names the cutoff it takes effect from (see cutoff.ts); written only then. */
export const CERTIFICATE_VERSION_CUTOFF = 2
/** A certificate in a chain (chain.ts): issued by the wallet or an admin device. */
export const CERTIFICATE_VERSION_CHAIN = 3
export const CUTOFF_VERSION = 1
/** A cutoff whose documents may list lanes as a run (cutoff.ts): written only when one has over 64 lanes. */
export const CUTOFF_VERSION_RUNS = 2
/** A cutoff that names parts (cutoff-part.ts): written only when a device wrote to more documents than one record holds. */
export const CUTOFF_VERSION_PARTS = 3
/** The version of a CutoffPart body. */
export const CUTOFF_PART_VERSION = 1
export const REGISTRY_OP_VERSION = 1
export const ENTRY_VERSION = 1
