/**
 * An agent keeping its working session in mesh. Run: `npm run build && node dist/examples/agent.js`
 * (it uses a temporary home and a fresh wallet, and cleans up after itself).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateWallet, openVault } from '@mesh-agent/mesh'

const dir = await mkdtemp(join(tmpdir(), 'mesh-example-'))
try {
  // A wallet is needed once, to certify this machine; afterwards the home works without it.
  const vault = await openVault({ home: join(dir, 'home'), wallet: generateWallet(), label: 'example' })
  const session = await vault.sessions.openOrCreate('agent:main:refactor-parser', { title: 'Refactor the parser', goal: 'split lexer and parser' })
  await session.takeLease() // this machine drives the agent now

  const off = session.subscribe(e => { if (e.type === 'messages') for (const m of e.messages) console.log(`  + ${m.role}: ${m.content}`) })
  await session.append({ role: 'user', content: 'Split the lexer out of parser.ts.' })
  await session.append({ role: 'assistant', content: 'Reading parser.ts first.', toolCall: { name: 'read_file', input: { path: 'src/parser.ts' } } })
  await session.updateTask({ plan: '1. extract lexer 2. move tests', progress: 'lexer extracted', todos: [{ id: 'tests', text: 'move lexer tests' }], filesTouched: ['src/lexer.ts'] })
  off()

  await vault.memory.set('style', 'two-space indent, no semicolons', { tags: ['code-style'] })
  await vault.skills.add('---\nname: review\nversion: 1.0.0\ndescription: review a diff\n---\nLook for missing tests.\n', { source: 'inline' })

  // What another machine would get from `mesh resume`:
  const info = session.resumeInfo()
  console.log(`goal: ${info.goal}; ${info.messageCount} messages; progress: ${info.task.progress.map(p => p.text).join(', ')}`)
  await session.releaseLease()
  await session.close()
  await vault.close()
} finally {
  await rm(dir, { recursive: true, force: true })
}
