/**
 * Child process for the log-repair crash test: opens the record log at argv[2] (repairing it),
 * prints the number of intact records, and exits. The parent kills it with SIGKILL mid-repair.
 */
import { RecordLog } from '../../src/store/index.js'

let n = 0
const { log } = await RecordLog.open(process.argv[2] as string, () => { n++ }, () => { n = 0 })
await log.close()
process.stdout.write(`${n}\n`)
