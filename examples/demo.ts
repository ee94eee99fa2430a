/**
 * `npm run demo`: a handoff between two machines, played on one machine with two homes.
 * Laptop and desktop share one wallet; they connect over loopback (mDNS stays off here: it
 * would multicast on your real network), the laptop works on a session, stops, and the desktop
 * resumes it with everything the agent needs. A temporary directory holds both homes.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateWallet, MeshNode, openVault } from '@mesh-agent/mesh'

const dir = await mkdtemp(join(tmpdir(), 'mesh-demo-'))
const say = (s: string): void => { console.log(s) }
try {
  const wallet = generateWallet()
  say(`wallet ${wallet.address} (generated for the demo)`)
  const laptop = await openVault({ home: join(dir, 'laptop'), wallet, label: 'laptop' })
  const desktop = await openVault({ home: join(dir, 'desktop'), wallet, label: 'desktop' })
  const nodeL = await MeshNode.start(laptop.vault, { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: 'off' })
  const nodeD = await MeshNode.start(desktop.vault, { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: 'off' })
  nodeD.on('event', e => { if (e.type === 'proven') say(`desktop: proved ${e.label} is a device of the same wallet`) })

  say('\nlaptop: starts a session and drives the agent')
  const s = await laptop.sessions.create('agent:main:fix-login', { title: 'Fix the login bug', goal: 'users stay logged in after a refresh' })
  await s.takeLease()
  await s.append({ role: 'user', content: 'Users get logged out when they refresh. Find out why.' })
  await s.append({ role: 'assistant', content: 'The session cookie is set without Max-Age; reading auth.ts.' })
  await s.updateTask({ plan: '1. set Max-Age 2. add a test', progress: 'cause found: cookie has no Max-Age', todos: [{ id: 'test', text: 'regression test for refresh' }], filesTouched: ['src/auth.ts'] })

  say('desktop: joins the mesh (here by dialing the laptop; on a LAN mDNS finds it)')
  await nodeD.dial(nodeL.addresses()[0] as string)
  while (!(await desktop.sessions.exists('fix-login'))) await new Promise(resolve => setTimeout(resolve, 20))
  const watch = await desktop.sessions.open('fix-login')
  say(`desktop: watching, read-only: ${watch.messageCount()} messages so far`)
  const off = watch.subscribe(e => { if (e.type === 'messages') for (const m of e.messages) say(`  desktop sees live: ${m.role}: ${m.content}`) })
  await s.append({ role: 'assistant', content: 'Set Max-Age to 30 days in auth.ts; the refresh keeps the session now.' })
  while (watch.messageCount() < 3) await new Promise(resolve => setTimeout(resolve, 20))
  off()

  say('\nlaptop: closes the lid (its node stops; the lease is still its own)')
  await s.close()
  await nodeL.stop()
  await laptop.close()

  say('desktop: resumes — the lease is held by the laptop, so it takes over explicitly')
  const lease = await watch.takeLease({ force: true })
  const info = watch.resumeInfo()
  say(`  goal:     ${info.goal}`)
  say(`  plan:     ${info.task.plan}`)
  say(`  progress: ${info.task.progress.map(p => p.text).join('; ')}`)
  say(`  todo:     ${info.task.todos.map(t => t.text).join('; ')}`)
  say(`  last:     ${info.messages.at(-1)?.content ?? ''}`)
  say(`  lease:    ${lease.label ?? ''} (epoch ${lease.epoch})`)
  await watch.append({ role: 'assistant', content: 'Adding the regression test from the desktop.' })
  say(`desktop: continued the session (${watch.messageCount()} messages)`)
  await watch.close()
  await nodeD.stop()
  await desktop.close()
} finally {
  await rm(dir, { recursive: true, force: true })
}
