/**
 * `npm run demo`: a handoff between two machines, played on one machine with two homes.
 * Laptop and desktop share one wallet; they connect over loopback (mDNS stays off here: it
 * would multicast on your real network), the laptop works on a session, stops, and the desktop
 * resumes it with everything the agent needs. A temporary directory holds both homes.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateWallet, openMesh } from '@mesh-agent/mesh'

const dir = await mkdtemp(join(tmpdir(), 'mesh-demo-'))
const say = (s: string): void => { console.log(s) }
const loopback = { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: 'off' as const }
try {
  const wallet = generateWallet()
  say(`wallet ${wallet.address} (generated for the demo)`)
  const laptop = await openMesh({ home: join(dir, 'laptop'), wallet, label: 'laptop', node: loopback })
  const key = 'agent:main:fix-login'

  say('\nlaptop: starts a session and drives the agent')
  await laptop.sessions.create({ key, title: 'Fix the login bug', goal: 'users stay logged in after a refresh' })
  await laptop.sessions.takeLease({ key })
  await laptop.sessions.append({ key, role: 'user', content: 'Users get logged out when they refresh. Find out why.' })
  await laptop.sessions.append({ key, role: 'assistant', content: 'The session cookie is set without Max-Age; reading auth.ts.' })
  await laptop.sessions.task({ key, plan: '1. set Max-Age 2. add a test', progress: 'cause found: cookie has no Max-Age', todoAdd: ['regression test for refresh'], files: ['src/auth.ts'] })

  say('desktop: joins the mesh (here by dialing the laptop; on a LAN mDNS finds it)')
  const laptopAddr = (await laptop.node.status({})).daemon.listen[0] as string
  const desktop = await openMesh({ home: join(dir, 'desktop'), wallet, label: 'desktop', node: { ...loopback, bootstrap: [laptopAddr] } })
  const proven = new Promise<void>(resolve => {
    desktop.on(({ event }) => { if (event.type === 'peer.proven') { say(`desktop: proved ${event.label} is a device of the same wallet`); resolve() } }, { after: 0 })
  })
  await proven
  await desktop.sessions.find(key) // waits until the session arrives
  const seen = new Promise<void>(resolve => {
    desktop.on(({ event }) => {
      if (event.type !== 'message.appended' || event.key !== key) return
      for (const m of event.messages) say(`  desktop sees live: ${m.role}: ${m.content}`)
      resolve()
    }, { sessions: [key] })
  })
  say(`desktop: watching, read-only: ${(await desktop.sessions.show({ key })).messageCount} messages so far`)
  await laptop.sessions.append({ key, role: 'assistant', content: 'Set Max-Age to 30 days in auth.ts; the refresh keeps the session now.' })
  await seen

  say('\nlaptop: closes the lid (its node stops; the lease is still its own)')
  await laptop.close()

  say('desktop: resumes — the laptop still holds the lease, so it takes over explicitly')
  const info = await desktop.sessions.resume({ key, take: true })
  say(`  goal:     ${info.goal}`)
  say(`  plan:     ${info.task.plan}`)
  say(`  progress: ${info.task.progress.map(p => p.text).join('; ')}`)
  say(`  todo:     ${info.task.todos.map(t => t.text).join('; ')}`)
  say(`  last:     ${info.messages.at(-1)?.content ?? ''}`)
  say(`  lease:    ${info.lease?.label ?? ''} (epoch ${info.lease?.epoch ?? 0}, taken over from ${info.tookOverFrom ?? 'nobody'})`)
  await desktop.sessions.append({ key, role: 'assistant', content: 'Adding the regression test from the desktop.' })
  say(`desktop: continued the session (${(await desktop.sessions.show({ key })).messageCount} messages)`)
  await desktop.close()
} finally {
  await rm(dir, { recursive: true, force: true })
}
