/**
 * identity: the wallet, device keys and certificates, vault keys, domain strings and the signed
 * entry envelope. Everything above it trusts bytes only after these functions verified them.
 *
 * @example
 * const wallet = await loadWallet('~/.config/solana/id.json')
 * const keys = deriveVaultKeys(vaultSeedSignature(wallet))
 * const cert = issueCertificate(wallet, { deviceKey, capabilities: ['read', 'write'], label: 'laptop' })
 */
export * from './bytes.js'
export * from './domains.js'
export * from './ed25519.js'
export * from './signed.js'
export * from './wallet.js'
export * from './keys.js'
export * from './certificate.js'
export * from './cutoff.js'
export * from './cutoff-part.js'
export * from './cutoff-runs.js'
export * from './chain.js'
export * from './wrap.js'
export * from './registry-op.js'
export * from './registry.js'
export * from './device.js'
export * from './entry.js'
export * from './record-seal.js'
export * from './fingerprint.js'
export * from './membership-key.js'
