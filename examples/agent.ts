/**
 * An agent keeping its working session in mesh. Run: `npm run build && node dist/examples/agent.js`
 * (it uses a temporary home and a fresh wallet, and cleans up after itself). `open()` gives the
 * same client whether or not `mesh join` runs for the home: here none does, so this process owns
 * the home (without a node: `node: false`) and serves it to other mesh commands meanwhile.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateWallet, open } from '@mesh-agent/mesh'

const dir = await mkdtemp(join(tmpdir(), 'mesh-example-'))
try {
  // A wallet is needed once, to certify this machine; afterwards the home works without it.
  const mesh = await open({ home: join(dir, 'home'), wallet: generateWallet(), label: 'example', node: false })
  const key = 'agent:main:refactor-parser'
  await mesh.sessions.create({ key, title: 'Refactor the parser', goal: 'split lexer and parser' })
  await mesh.sessions.takeLease({ key }) // this machine drives the agent now

  const off = mesh.on(({ event }) => {
    if (event.type === 'message.appended') for (const m of event.messages) console.log(`  + ${m.role}: ${m.content}`)
  }, { sessions: [key] })
  await mesh.sessions.append({ key, role: 'user', content: 'Split the lexer out of parser.ts.' })
  await mesh.sessions.append({ key, role: 'assistant', content: 'Reading parser.ts first.', toolCall: { name: 'read_file', input: { path: 'src/parser.ts' } } })
  await mesh.sessions.task({ key, plan: '1. extract lexer 2. move tests', progress: 'lexer extracted', todoAdd: ['move lexer tests'], files: ['src/lexer.ts'] })
  off()

  await mesh.memory.set({ key: 'style', value: 'two-space indent, no semicolons', tags: ['code-style'] })
  await mesh.skills.add({ content: '---\nname: review\nversion: 1.0.0\ndescription: review a diff\n---\nLook for missing tests.\n' })

  // What another machine gets from `mesh resume`:
  const info = await mesh.sessions.show({ key })
  console.log(`goal: ${info.goal}; ${info.messageCount} messages; progress: ${info.task.progress.map(p => p.text).join(', ')}`)
  await mesh.sessions.releaseLease({ key })
  await mesh.close()
} finally {
  await rm(dir, { recursive: true, force: true })
}
