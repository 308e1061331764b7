// Vitest setup file: every test file removes the temp folders it made (test/support/temp-dir.ts).
import { afterAll } from "vitest"
import { removeTempDirs } from "./temp-dir.ts"

afterAll(removeTempDirs)
