/**
 * A setup file of the shared project (vitest.config.ts): its files run one after another in one
 * process, so what a file changed of a module or a global must not outlive it. Each file that
 * spies on a function or fakes the clock undoes it itself; this undoes it too at the file's end,
 * for a test that failed before its own undoing ran (else every file after it would fail, or
 * pass, for what this one left behind).
 */
import { afterAll, vi } from 'vitest'

afterAll(() => {
  vi.restoreAllMocks()
  vi.useRealTimers()
})
