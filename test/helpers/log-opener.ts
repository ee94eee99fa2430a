/**
 * Child process for the log-repair crash test: opens the record log at argv[2] (repairing it),
 * prints the number of intact records, and exits.
 *
 * With a step (argv[3], a RepairStep) and a count (argv[4], default 1), the repair is held at
 * that step's count-th occurrence instead: the child prints `at <step> <count>` and waits there
 * until the parent kills it (SIGKILL), so the kill lands exactly at that step.
 */
import { RecordLog } from '../../src/store/index.js'
import { openChecked, type RepairStep } from '../../src/store/log-repair.js'

const [path, step, nth] = process.argv.slice(2) as [string, RepairStep | undefined, string | undefined]
let n = 0
const onRecord = (): void => { n++ }
const onReset = (): void => { n = 0 }
if (step === undefined) {
  const { log } = await RecordLog.open(path, onRecord, onReset)
  await log.close()
} else {
  const at = Number(nth ?? 1)
  let seen = 0
  const { fh } = await openChecked(path, onRecord, onReset, {
    atStep: async (s) => {
      if (s !== step || ++seen !== at) return
      process.stdout.write(`at ${s} ${seen}\n`)
      // Held here until killed: the timer keeps the process alive (a pending promise alone would not).
      await new Promise(resolve => setTimeout(resolve, 10 * 60_000))
      throw new Error(`not killed at ${s} ${seen}`)
    }
  })
  await fh.close()
}
process.stdout.write(`${n}\n`)
