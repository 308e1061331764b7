/**
 * The playground page in headless Chromium: it loads the served model into tfjs in the browser
 * and must show the same scores as the server gives for the same texts (within 1e-4).
 * Needs Debian's `chromium` (/usr/bin/chromium): skipped with a message where it is missing,
 * except under CI (CI=true), where a missing browser fails the test.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as fs from "node:fs"
import { chromium, type Browser, type Page } from "playwright-core"
import { CATEGORY_IDS, CATEGORY_NAMES } from "../../schemas/taxonomy.ts"
import { postJson, testServer, tinyModel, type TestServer } from "./fixtures.ts"

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"
const haveChromium = fs.existsSync(CHROMIUM)
if (!haveChromium && !process.env.CI) {
  console.warn(`playground test skipped: no Chromium at ${CHROMIUM} (apt-get install -y --no-install-recommends chromium)`)
}
const suite = haveChromium || process.env.CI ? describe : describe.skip

let model: { dir: string }
let server: TestServer
let browser: Browser
let page: Page

beforeAll(async () => {
  if (!haveChromium) {
    if (process.env.CI) throw new Error(`CI needs Chromium at ${CHROMIUM} for the playground test (Debian package: chromium)`)
    return
  }
  model = await tinyModel()
  server = await testServer(model.dir, { playground: true })
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"
    ]
  })
  page = await browser.newPage({ viewport: { width: 1000, height: 900 } })
  const errors: Array<string> = []
  page.on("pageerror", (e) => errors.push(String(e)))
  // Nothing may be fetched from anywhere but the server itself.
  const foreign: Array<string> = []
  page.on("request", (r) => {
    if (!r.url().startsWith(server.url)) foreign.push(r.url())
  })
  await page.goto(server.url)
  await page.waitForSelector("body[data-ready=true]", { timeout: 30_000 })
  expect(errors).toEqual([])
  expect(foreign).toEqual([])
})
afterAll(async () => {
  await browser?.close()
  await server?.close()
})

type Shown = Array<{ flagged: boolean; scores: Record<string, number> }>

/** Put `text` in the box, score it, and read every turn's category scores off the page. */
const scoreOnPage = async (text: string): Promise<Shown> => {
  await page.fill("#input", text)
  await page.click("#check")
  await page.waitForFunction((t) => document.getElementById("results")?.dataset.input === t, text)
  return page.$$eval("#results .turn", (turns) =>
    turns.map((t) => ({
      flagged: (t as HTMLElement).dataset.flagged === "true",
      scores: Object.fromEntries(
        Array.from(t.querySelectorAll<HTMLElement>(".cat")).map((c) => [c.dataset.category!, Number(c.dataset.score)])
      )
    }))
  )
}

const serverScores = async (input: unknown): Promise<Shown> => {
  const res = await postJson(server.url, { input })
  expect(res.status).toBe(200)
  const body = (await res.json()) as { results: Array<{ flagged: boolean; category_scores: Record<string, number> }> }
  return body.results.map((r) => ({ flagged: r.flagged, scores: r.category_scores }))
}

const expectClose = (page: Shown, api: Shown) => {
  expect(page.length).toBe(api.length)
  page.forEach((p, i) => {
    expect(p.flagged).toBe(api[i].flagged)
    for (const id of CATEGORY_IDS) {
      const name = CATEGORY_NAMES[id]
      expect(Math.abs(p.scores[name] - api[i].scores[name]), `${name}: page ${p.scores[name]}, server ${api[i].scores[name]}`).toBeLessThan(1e-4)
    }
  })
}

suite("playground page (headless Chromium)", () => {
  it("shows the server's scores for typed texts", async () => {
    for (const text of ["murder the dog in the garden", "the cat read a book", "ｍｕｒｄｅｒ the d0g", "subhuman vermin 😀 ∑"]) {
      expectClose(await scoreOnPage(text), await serverScores(text))
    }
  })

  it("scores a pasted conversation turn by turn like the server", async () => {
    await page.click("#mode-conversation")
    const transcript = "User: the cat read a book\nAssistant: murder the dog\nUser: the blue house"
    const shown = await scoreOnPage(transcript)
    expect(shown).toHaveLength(2)
    expectClose(
      shown,
      await serverScores([
        { role: "user", content: "the cat read a book" },
        { role: "assistant", content: "murder the dog" },
        { role: "user", content: "the blue house" }
      ])
    )
    if (process.env.PLAYGROUND_SCREENSHOT) await page.screenshot({ path: process.env.PLAYGROUND_SCREENSHOT, fullPage: true })
    await page.click("#mode-text")
  })
})
