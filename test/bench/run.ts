/**
 * `npm run bench`: every figure beside a baseline measured in the same run. `--quick` uses
 * smaller sizes (a smoke run). Results are printed and written to .bench/results.json.
 */
import '../../src/polyfill.js'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { rows } from './util.js'
import { benchVault } from './vault.js'
import { benchMesh } from './mesh.js'
import { benchApi } from './api.js'
import { benchHttp } from './http.js'
import { benchMcp } from './mcp.js'
import { benchScale } from './scale.js'
import { benchFlood } from './flood.js'
import { benchAgents } from './agents.js'
import { benchClaws } from './claws.js'
import { benchFollow } from './follow.js'
import { benchFollowSqlite, benchSqliteImage } from './follow-sqlite.js'
import { benchRegistry } from './registry.js'
import { benchPair } from './pair.js'
import { benchMirrorRelay } from './mirror-relay.js'
import { benchLanes } from './lanes.js'
import { benchLoop } from './loop.js'

const quick = process.argv.includes('--quick')
// --only=vault, --only=registry, --only=mesh, --only=api, --only=http, --only=mcp, --only=scale, --only=flood, --only=agents,
// --only=claws, --only=follow, --only=pair (direct and through the own relay), --only=mirror, --only=lanes (retired lanes: reconnect bytes with 50 old lanes),
// --only=loop (MESH_LOOP_MESSAGES, MESH_LOOP_ENTRIES),
// or one part:
// --only=mesh.handoff (handoff, throughput, resume, discovery, ten, bigsession, tail), --only=api.cli (cli, rpc),
// --only=http.rtt (API round trip over HTTP and the socket), --only=http.events (append on a peer
// → WebSocket), --only=scale.idle (reconnect, fresh, startup, idle); --only=mesh.bigsession is
// 30,000 and 100,000 × 1 KB to a fresh process (MESH_BIG_SIZES to choose).
const only = process.argv.find(a => a.startsWith('--only='))?.slice(7)
const [group, part] = (only ?? '').split('.')
const dir = join(tmpdir(), `mesh-bench-${process.pid}`)
await mkdir(dir, { recursive: true })
try {
  if (only === undefined || group === 'vault') await benchVault(join(dir, 'vault'), { quick })
  if (only === undefined || group === 'mesh') await benchMesh(join(dir, 'mesh'), { quick, part })
  if (only === undefined || group === 'api') await benchApi(join(dir, 'api'), { quick, part })
  if (only === undefined || group === 'http') await benchHttp(join(dir, 'http'), { quick, part })
  if (only === undefined || group === 'mcp') await benchMcp(join(dir, 'mcp'), { quick })
  if (only === undefined || group === 'scale') await benchScale(join(dir, 'scale'), { quick, part })
  if (only === undefined || group === 'flood') await benchFlood(join(dir, 'flood'), { quick })
  if (only === undefined || group === 'agents') await benchAgents(join(dir, 'agents'), { quick })
  if (only === undefined || group === 'claws') await benchClaws({ quick })
  if (only === undefined || group === 'follow') await benchFollow(join(dir, 'follow'), { quick })
  if (only === undefined || group === 'follow') await benchFollowSqlite(join(dir, 'follow-sqlite'), { quick })
  if (only === undefined || group === 'follow') await benchSqliteImage(join(dir, 'sqlite-image'), { quick })
  if (only === undefined || group === 'registry') await benchRegistry(join(dir, 'registry'), { quick })
  if (only === undefined || group === 'pair') await benchPair(join(dir, 'pair'), { quick })
  if (only === undefined || group === 'mirror') await benchMirrorRelay(join(dir, 'mirror'), { quick })
  if (only === undefined || group === 'lanes') await benchLanes(join(dir, 'lanes'), { quick })
  if (only === undefined || group === 'loop') await benchLoop(join(dir, 'loop'), { quick })
} finally {
  await rm(dir, { recursive: true, force: true })
}
await mkdir('.bench', { recursive: true })
await writeFile(join('.bench', 'results.json'), JSON.stringify({ date: new Date().toISOString(), quick, rows }, null, 2))
const failed = rows.filter(r => r.ok === false)
console.log(`\n${rows.length} figures, ${failed.length} off target${failed.length > 0 ? ': ' + failed.map(r => r.name).join('; ') : ''}`)
// libp2p leaves timers behind after stop() in this process (three Timeouts keep the loop alive
// although every node was stopped): exit explicitly once the figures are written.
process.exit(failed.length > 0 ? 1 : 0)
