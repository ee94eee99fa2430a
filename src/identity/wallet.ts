/**
 * The wallet: an ed25519 keypair in Solana's keypair-file format (a JSON array of 64 numbers:
 * the 32-byte seed then the 32-byte public key, as solana-keygen and @solana/web3.js write it).
 * Its address is the base58 public key. The wallet signs rarely (device certificates and the
 * vault seed), so it uses tweetnacl, one of the user's packages; the home never stores it.
 */
import { constants } from 'node:fs'
import { link, lstat, mkdir, open, rmdir, stat, unlink } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import nacl from 'tweetnacl'
import { fsyncDir, mkdirDurable } from '../durable-dirs.js'
import { InvalidWalletError, NonDeterministicSignerError, StoreWriteError, WalletNotFoundError } from '../errors.js'
import { generatedWalletPath } from '../xdg.js'
import { equals, toBase58 } from './bytes.js'
import { VAULT_SEED_MESSAGE } from './domains.js'
import { checkWalletPlace } from './wallet-place.js'

export type WalletAddress = string & { readonly __brand: 'WalletAddress' }

export interface Wallet {
  readonly address: WalletAddress
  readonly publicKey: Uint8Array
  /** The file it was loaded from, when it came from one. */
  readonly path?: string
  /** That file can be read by more than its owner (loadWallet): a leak to warn about. */
  readonly readableBy?: 'group' | 'others'
  sign: (message: Uint8Array) => Uint8Array
}

export function walletFromSecretKey (secretKey: Uint8Array, path?: string): Wallet {
  if (secretKey.byteLength !== 64) throw new InvalidWalletError(`a wallet secret key has 64 bytes, got ${secretKey.byteLength}`)
  const pair = nacl.sign.keyPair.fromSeed(secretKey.subarray(0, 32))
  if (!equals(pair.publicKey, secretKey.subarray(32))) {
    throw new InvalidWalletError(`wallet ${path ?? ''}: its public half does not match its secret half (the file is damaged or was edited)`.replace('  ', ' '), { path })
  }
  const sk = pair.secretKey
  const pub = pair.publicKey
  return {
    address: toBase58(pub) as WalletAddress,
    publicKey: pub,
    path,
    sign: (m) => nacl.sign.detached(m, sk)
  }
}

export function walletFromSeed (seed: Uint8Array): Wallet {
  if (seed.byteLength !== 32) throw new InvalidWalletError('a wallet seed has 32 bytes')
  return walletFromSecretKey(nacl.sign.keyPair.fromSeed(seed).secretKey)
}

export function generateWallet (): Wallet {
  return walletFromSecretKey(nacl.sign.keyPair().secretKey)
}

/** Parses the text of a Solana keypair file. */
export function parseWalletFile (text: string, path?: string): Wallet {
  const where = path !== undefined ? `wallet file ${path}` : 'wallet'
  // Said as what they are, not as "not JSON": an empty file, and one an editor saved with a BOM.
  if (text.trim() === '') throw new InvalidWalletError(`${where} is empty: expected a Solana keypair file (a JSON array of 64 numbers)`, { path })
  if (text.startsWith('\ufeff')) throw new InvalidWalletError(`${where} starts with a UTF-8 byte order mark (BOM, the bytes EF BB BF some editors add): save it as UTF-8 without a BOM; a Solana keypair file is a JSON array of 64 numbers`, { path })
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new InvalidWalletError(`${where} is not JSON: expected a Solana keypair file (a JSON array of 64 numbers)`, { path })
  }
  if (!Array.isArray(parsed)) throw new InvalidWalletError(`${where} is not a JSON array: expected a Solana keypair file (a JSON array of 64 numbers)`, { path })
  if (parsed.length !== 64) throw new InvalidWalletError(`${where} has ${parsed.length} numbers: a Solana keypair file has exactly 64`, { path })
  const bytes = new Uint8Array(64)
  for (let i = 0; i < 64; i++) {
    const v = parsed[i]
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255) {
      throw new InvalidWalletError(`${where}: item ${i} is not a byte (0-255)`, { path })
    }
    bytes[i] = v
  }
  return walletFromSecretKey(bytes, path)
}

/** Expands a leading `~/` (shells do; library callers passing strings do not). */
export function expandHome (path: string): string {
  return path === '~' ? homedir() : path.startsWith('~/') ? join(homedir(), path.slice(2)) : path
}

/** Larger than any keypair file (64 numbers, however spaced): a bigger one is not read. */
const MAX_WALLET_BYTES = 16 * 1024
/** How long a wallet given as a pipe may take to come. */
const PIPE_WAIT_MS = 10_000

export async function loadWallet (path: string): Promise<Wallet> {
  const abs = resolve(expandHome(path))
  // Opened once, judged on what was opened, read from that: a path checked and then read again
  // could be swapped in between (a link another user points elsewhere in a shared folder). Not
  // blocking, so a FIFO planted at the path is refused instead of hanging the command.
  const cantRead = (err: any): Error => {
    if (err?.code === 'ENOENT') return new WalletNotFoundError(`wallet file ${abs} does not exist`, { path: abs })
    // Said in words: the errno alone (EISDIR, EACCES) is no sentence.
    const why = err?.code === 'EISDIR' ? 'it is a directory; give the keypair file (a JSON array of 64 numbers)' : err?.code === 'EACCES' || err?.code === 'EPERM' ? 'permission denied' : err?.code ?? err?.message
    return new InvalidWalletError(`wallet file ${abs} cannot be read: ${why}`, { path: abs }, { cause: err })
  }
  const fh = await open(abs, constants.O_RDONLY | constants.O_NONBLOCK).catch((err: unknown) => { throw cantRead(err) })
  let text: string
  let readableBy: 'group' | 'others' | undefined
  try {
    const st = await fh.stat()
    if (st.isDirectory()) throw cantRead({ code: 'EISDIR' })
    // A pipe is read (`--wallet <(pass show mesh)`, `gpg -d w.gpg | mesh … --wallet /dev/stdin`), up
    // to the same size, for PIPE_WAIT_MS at most; a device (/dev/zero, a terminal) or a socket is not.
    const pipe = st.isFIFO()
    if (!st.isFile() && !pipe) throw new InvalidWalletError(`wallet file ${abs} is not a regular file or a pipe (a device or a socket): give the keypair file (a JSON array of 64 numbers)`, { path: abs })
    if (st.size > MAX_WALLET_BYTES) throw new InvalidWalletError(`wallet file ${abs} is ${st.size} bytes: a Solana keypair file (a JSON array of 64 numbers) is well under ${MAX_WALLET_BYTES}`, { path: abs })
    // One another user put there, or could swap, is not used (wallet-place.ts).
    ;({ readableBy } = await checkWalletPlace(abs, st))
    const buf = Buffer.alloc(MAX_WALLET_BYTES + 1)
    let n = 0
    const until = Date.now() + PIPE_WAIT_MS
    while (n < buf.length) {
      let r: number
      try {
        r = (await fh.read(buf, n, buf.length - n, null)).bytesRead
      } catch (err: any) {
        // A pipe whose writer has not written yet (it is not blocked on: O_NONBLOCK): asked again, for a while.
        if (!pipe || err?.code !== 'EAGAIN') throw cantRead(err)
        if (Date.now() >= until) throw new InvalidWalletError(`wallet pipe ${abs}: nothing came in ${PIPE_WAIT_MS / 1000} s`, { path: abs })
        await new Promise(resolve => setTimeout(resolve, 10))
        continue
      }
      if (r === 0) break
      n += r
    }
    // A FIFO no program writes into reads as nothing at once (opened without blocking): not "not JSON".
    if (pipe && n === 0) throw new InvalidWalletError(`wallet pipe ${abs} gave nothing: no program wrote the keypair into it (a FIFO is read from a writer such as \`--wallet <(pass show mesh)\`); give the keypair file (a JSON array of 64 numbers)`, { path: abs })
    if (n > MAX_WALLET_BYTES) throw new InvalidWalletError(`wallet file ${abs} is over ${MAX_WALLET_BYTES} bytes: a Solana keypair file (a JSON array of 64 numbers) is well under that`, { path: abs })
    text = buf.toString('utf8', 0, n)
  } finally {
    await fh.close()
  }
  const wallet = parseWalletFile(text, abs)
  return readableBy === undefined ? wallet : { ...wallet, readableBy }
}

const isDirectory = async (path: string): Promise<boolean> => await stat(path).then(s => s.isDirectory(), () => false)

/**
 * Writes a new wallet file with mode 0600; refuses to overwrite an existing file, or to write into
 * a folder another user can write to (they could swap the file for theirs). The file, its
 * name and any folder made for it are synced before it returns: a home is certified with this
 * wallet right after, and a power cut must not keep the certificate and lose the key.
 */
/**
 * Why a new wallet could not be written at `abs`, said of the file, with what to do: a folder that
 * cannot be written is the user's to choose another for (INVALID_WALLET, exit 2); a full disk is
 * a failure to try again (exit 1). Said as a system error's code alone, it was INTERNAL.
 */
function unwrittenWallet (abs: string, err: any): Error {
  const code = err?.code as string | undefined
  const said = `cannot write a new wallet at ${abs}`
  const hint = { sep: '. ', cli: 'Nothing was written. Give a wallet you have (--wallet PATH or MESH_WALLET), or make one in a folder this user can write: `mesh wallet new --out PATH`' }
  if (code === 'ENOSPC' || code === 'EDQUOT') return new StoreWriteError(`${said}: ${code === 'ENOSPC' ? 'the disk is full' : 'the disk quota is used up'}`, { path: abs, errno: code }, { cause: err, hint })
  const why = code === 'EROFS'
    ? 'its folder is on a read-only file system'
    : code === 'EACCES' || code === 'EPERM' ? `this user may not write in ${dirname(abs)}` : code === 'ENOTDIR' ? 'a part of its path is a file, not a folder' : code ?? String(err?.message ?? err)
  return new InvalidWalletError(`${said}: ${why}`, { path: abs, ...(code !== undefined ? { errno: code } : {}) }, { cause: err, hint })
}

/** mkdirDurable, its failure said with its real cause: a recursive mkdir on a read-only mount reports ENOENT. */
async function makeWalletFolder (abs: string): Promise<void> {
  const dir = dirname(abs)
  try {
    await mkdirDurable(dir)
  } catch (err: any) {
    let cause = err
    if (err?.code === 'ENOENT') {
      // The first folder of the path that is not there yet, made alone, fails with the cause.
      let first = dir
      while (dirname(first) !== first && !await stat(dirname(first)).then(() => true, () => false)) first = dirname(first)
      await mkdir(first, { mode: 0o700 }).then(async () => { await rmdir(first).catch(() => {}) }, (e: unknown) => { cause = e })
    }
    throw unwrittenWallet(abs, cause)
  }
}

const alreadyThere = async (abs: string): Promise<InvalidWalletError> =>
  new InvalidWalletError(`${abs} already exists${await isDirectory(abs) ? ' and is a directory: give the path of a new file in it' : '; refusing to overwrite the wallet file there'}`, { path: abs })

export async function writeNewWallet (path: string): Promise<Wallet> {
  const abs = resolve(expandHome(path))
  await makeWalletFolder(abs)
  // Something already at the path is refused as there (link() below would refuse it anyway),
  // before its place is judged: a file others may write (/dev/null) was told to be chmod-ed.
  if (await lstat(abs).then(() => true, () => false)) throw await alreadyThere(abs)
  // mkdir leaves a folder that was there as it was: one another user can write to is refused
  // before the secret is made.
  await checkWalletPlace(abs)
  const { secretKey } = nacl.sign.keyPair()
  const tmp = `${abs}.${process.pid}.tmp`
  const fh = await open(tmp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600).catch((err: unknown) => { throw unwrittenWallet(abs, err) })
  try {
    await fh.writeFile(JSON.stringify(Array.from(secretKey)))
    await fh.sync()
  } catch (err) {
    // A half-written secret (a full disk) is not left beside the wallet's place. The write's
    // error is the one to tell: a close or an unlink failing after it changes nothing the user can do.
    await fh.close().catch(() => {})
    await unlink(tmp).catch(() => {})
    throw unwrittenWallet(abs, err)
  }
  await fh.close()
  try {
    // link() fails if the target exists, so an existing wallet is never replaced.
    await link(tmp, abs)
  } catch (err: any) {
    await unlink(tmp)
    if (err?.code === 'EEXIST') throw await alreadyThere(abs)
    throw unwrittenWallet(abs, err)
  }
  await unlink(tmp)
  await fsyncDir(dirname(abs))
  return walletFromSecretKey(secretKey, abs)
}

/** Solana CLI's default keypair path. */
export function solanaDefaultWalletPath (): string {
  return join(homedir(), '.config', 'solana', 'id.json')
}

/** Where mesh keeps a wallet it generated itself (xdg.ts generatedWalletPath): apart from the home's data, unless XDG_CONFIG_HOME and XDG_DATA_HOME are one folder. */
export function meshDefaultWalletPath (): string {
  return generatedWalletPath()
}

/**
 * Signs the vault seed message twice and refuses a signer whose signatures differ: the vault key
 * is derived from this signature, so a non-deterministic signer would derive a different vault
 * on every machine. Ed25519 (RFC 8032) is deterministic; some hardware or MPC signers are not.
 */
export function vaultSeedSignature (wallet: Pick<Wallet, 'sign'>): Uint8Array {
  const message = new TextEncoder().encode(VAULT_SEED_MESSAGE)
  const a = wallet.sign(message)
  const b = wallet.sign(message)
  if (!equals(a, b)) {
    throw new NonDeterministicSignerError('this wallet produced two different signatures for the same message. mesh derives the vault key from a signature, so it needs a deterministic ed25519 signer (RFC 8032); use a software keypair file')
  }
  return a
}
