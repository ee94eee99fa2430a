/**
 * Child process for the lock race: waits on stdin for `go HOME ID`, tries to take the home's
 * lock, and if it wins appends ID to a record log in the home (positional writes at the end it
 * saw, as the store does) before printing `won ID acked`; `lost CODE` otherwise. `release` lets go.
 */
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { acquireLock, RecordLog, type HomeLock } from '../../src/store/index.js'

let held: HomeLock | undefined
const say = (s: string): void => { process.stdout.write(s + '\n') }

for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, home, id] = line.split(' ')
  if (cmd === 'go') {
    try {
      held = await acquireLock(home as string)
    } catch (err: any) {
      say(`lost ${String(err?.code ?? err?.message)}`)
      continue
    }
    try {
      const { log } = await RecordLog.open(join(home as string, 'race.log'), () => {}, () => {})
      await log.append(new TextEncoder().encode(id))
      await log.close()
      say(`won ${id as string} acked`)
    } catch (err: any) {
      say(`won ${id as string} failed ${String(err?.code ?? err?.message)}`)
    }
  } else if (cmd === 'release') {
    await held?.release()
    held = undefined
    say('released')
  }
}
