/** One fresh home's API served in this process on 127.0.0.1 (a free port), for HTTP tests. */
import { join } from 'node:path'
import { serveHttp, type HttpServer } from '../../src/api/http.js'
import { createLocalApi, openVault, type LocalApi, type MeshVault } from '../../src/api/index.js'
import { writeNewWallet } from '../../src/identity/index.js'
import { tempDir } from './tmp.js'

export interface SoloHttp {
  /** The temp directory holding the home (`home`) and its wallet. */
  dir: string
  home: string
  vault: MeshVault
  api: LocalApi
  server: HttpServer
  /** The bearer token of the served API. */
  token: string
  /** Stops the server, the API and the vault, and removes the directory. */
  close: () => Promise<void>
}

export async function soloHttp (): Promise<SoloHttp> {
  const t = await tempDir()
  const home = join(t.dir, 'home')
  const wallet = await writeNewWallet(join(t.dir, 'wallet.json'))
  const vault = await openVault({ home, wallet, label: 'solo' })
  const api = await createLocalApi({ vault })
  const server = await serveHttp(api, { home, port: 0 })
  const token = server.token
  const close = async (): Promise<void> => {
    await server.close()
    await api.close()
    await vault.close()
    await t.cleanup()
  }
  return { dir: t.dir, home, vault, api, server, token, close }
}
