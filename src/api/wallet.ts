/**
 * Finding the wallet: `--wallet PATH`, then $MESH_WALLET, then Solana's default
 * (~/.config/solana/id.json), then the wallet mesh generated earlier (~/.config/mesh/wallet.json).
 */
import { access } from 'node:fs/promises'
import { loadWallet, meshDefaultWalletPath, solanaDefaultWalletPath, writeNewWallet, type Wallet } from '../identity/index.js'

export interface WalletChoice { path?: string }

/** The wallet the user named: `--wallet PATH`, else $MESH_WALLET; undefined when neither is given. */
export function namedWalletPath (choice: WalletChoice = {}): string | undefined {
  if (choice.path !== undefined) return choice.path
  if (process.env.MESH_WALLET !== undefined && process.env.MESH_WALLET !== '') return process.env.MESH_WALLET
  return undefined
}

export async function findWalletPath (choice: WalletChoice = {}): Promise<string | undefined> {
  const named = namedWalletPath(choice)
  if (named !== undefined) return named
  for (const p of [solanaDefaultWalletPath(), meshDefaultWalletPath()]) {
    try { await access(p); return p } catch { /* not there: try the next */ }
  }
  return undefined
}

/** Loads the wallet the user named or has; undefined when there is none anywhere. */
export async function resolveWallet (choice: WalletChoice = {}): Promise<Wallet | undefined> {
  const p = await findWalletPath(choice)
  return p === undefined ? undefined : await loadWallet(p)
}

/** Loads the user's wallet, or generates one into mesh's own wallet file and says so. */
export async function resolveOrGenerateWallet (choice: WalletChoice = {}): Promise<{ wallet: Wallet, generated: boolean }> {
  const w = await resolveWallet(choice)
  if (w !== undefined) return { wallet: w, generated: false }
  return { wallet: await writeNewWallet(meshDefaultWalletPath()), generated: true }
}
