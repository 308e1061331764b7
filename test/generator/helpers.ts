/** Shared by the generator tests: skip rules for Debian-package tests, temp folders. */

/**
 * A test that needs a Debian package may be skipped only when the package is missing AND we
 * are not under CI (CI installs the packages, so there it must run — and fail if they are gone).
 */
export const skipWithout = (installed: boolean): boolean => !installed && !process.env.CI

export { tempDir } from "../support/temp-dir.ts"

/** Run `f` with environment variables set, restoring them after. */
export const withEnv = async <A>(vars: Record<string, string>, f: () => Promise<A>): Promise<A> => {
  const old = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]))
  Object.assign(process.env, vars)
  try {
    return await f()
  } finally {
    for (const [k, v] of Object.entries(old)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}
