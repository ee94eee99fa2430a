/**
 * `mesh join` on a home whose peers.json holds what cannot be used. An address that is no
 * multiaddr, or an entry whose PeerId does not parse, had the node print libp2p's bare error
 * ("String multiaddr must start with /") and never exit. A file that is no list was ignored
 * without a word and overwritten by the next save. Now each is said on a line naming the file,
 * the node runs, and a file that is no list is moved aside with its bytes.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cliHome } from '../helpers/cli-home.js'

const h = cliHome()
const GOOD = '12D3KooWE9aPve2GHERSpoMbnwWFWWpbBE5iJW9KyQQC5RPCb3rT'

describe('mesh join with a damaged peers.json', () => {
  it('says what it leaves out, naming the file, and runs', async () => {
    const file = join(h.home, 'peers.json')
    await writeFile(file, JSON.stringify([
      { peerId: GOOD, label: 'desk', capabilities: [], addrs: ['garbage', '/ip4/127.0.0.1/tcp/1'], lastSeen: 5 },
      { peerId: 'not-a-peer-id', label: 'x', capabilities: [], addrs: [], lastSeen: 5 }
    ]))
    const join1 = h.join()
    await join1.waitFor(/^running/m)
    await join1.waitFor(new RegExp(`^peers\\.json +${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} ${GOOD}: 1 of its addresses "garbage" is no multiaddr: left out`, 'm'))
    await join1.waitFor(/^peers\.json .*entry 2 names no PeerId mesh can read \("not-a-peer-id"\): left out/m)
    expect(await join1.stop()).toBe(0)

    // A file that is no list: moved aside, said, and the node runs with no remembered peers.
    await writeFile(file, 'garbage\n')
    const join2 = h.join()
    await join2.waitFor(/^running/m)
    await join2.waitFor(/^peers\.json .* is not JSON: moved to .*peers\.json\.unreadable, and no sibling is remembered until one is proven again/m)
    expect(await join2.stop()).toBe(0)
    expect(await readFile(`${file}.unreadable`, 'utf8')).toBe('garbage\n')
  }, 60_000)
})
