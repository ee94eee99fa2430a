import { mkdtemp, realpath, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * A temp dir removed after the test; pass `onTestFinished` or call cleanup. The removal retries a
 * few times (ENOTEMPTY, EBUSY) for a process that was still ending in it.
 */
export async function tempDir (prefix = 'mesh-test-'): Promise<{ dir: string, cleanup: () => Promise<void> }> {
  // Its real path: where the temp folder is reached through a link (macOS's /var/folders), an
  // agent started in it, and so mesh agent resume, sees the resolved path.
  const dir = await realpath(await mkdtemp(join(tmpdir(), prefix)))
  return { dir, cleanup: async () => { await rm(dir, { recursive: true, force: true, maxRetries: 3 }) } }
}
