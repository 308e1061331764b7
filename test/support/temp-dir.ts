/**
 * Temporary folders for tests that are removed when their test file ends (the setup file
 * `remove-temp-dirs.ts` registers that), so a test run leaves nothing behind in the system's
 * temp folder, whether a test passed or failed.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const created: Array<string> = []

/** A fresh empty folder `<tmp>/duoguard-<prefix>-XXXXXX`, removed after the test file. */
export const tempDir = (prefix: string): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `duoguard-${prefix}-`))
  created.push(dir)
  return dir
}

/** Remove every folder `tempDir` made so far. */
export const removeTempDirs = (): void => {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
}
