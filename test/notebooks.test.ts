/**
 * Executes every notebooks/*.ipynb headless (jupyter nbconvert + the repo's Deno kernel) on a
 * small fixture dataset, and fails if any cell fails. Without `jupyter` the execution tests
 * are skipped locally, but fail under CI (CI must install jupyter-nbconvert).
 */
import { beforeAll, describe, expect, it } from "vitest"
import { Effect } from "effect"
import { execFile, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { BENCHMARK_LANGUAGES, BENCHMARKS, CATEGORY_IDS } from "../schemas/index.ts"
import type { BenchmarkRow, CategoryId, Example, Lang } from "../schemas/index.ts"
import { rowsToTable, writeParquet } from "../src/data/parquet.ts"
import { BENCHMARK_COLUMNS, EXAMPLE_COLUMNS } from "../src/data/tables.ts"
import { ITER, iterDir, RUN } from "../src/game/run-folder.ts"
import { Rng } from "../src/runtime/rng.ts"
import { tempDir } from "./support/temp-dir.ts"

const repoRoot = path.resolve(import.meta.dirname, "..")
const notebooksDir = path.join(repoRoot, "notebooks")
const notebooks = fs.readdirSync(notebooksDir).filter((f) => f.endsWith(".ipynb")).sort()

const jupyterAvailable = spawnSync("jupyter", ["nbconvert", "--version"], { encoding: "utf8" }).status === 0
const INSTALL_HINT = "apt-get install -y --no-install-recommends jupyter-nbconvert"
if (!jupyterAvailable && !process.env.CI) {
  console.warn(`notebooks.test.ts: 'jupyter nbconvert' not found, skipping notebook execution (install: ${INSTALL_HINT})`)
}

// ---- fixture data: same columns as the real tables, small, deterministic -----------------

const WORDS = ["lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed", "do", "eiusmod", "tempor"]
const words = (rng: Rng, n: number) => Array.from({ length: n }, () => WORDS[rng.int(WORDS.length)]).join(" ")

/** Fixture sources shaped like the real seed: posts in many languages, English-only requests, benign sentences. */
const makeSeedFixture = (rng: Rng): Array<Example> => {
  const kinds: Array<{ source: string; license: string; langs: ReadonlyArray<Lang>; unsafeShare: number; cats: ReadonlyArray<CategoryId>; words: [number, number] }> = [
    { source: "fx-posts", license: "MIT", langs: ["en", "fr", "de", "es", "pt", "ar"], unsafeShare: 0.4, cats: ["C9", "C11"], words: [3, 30] },
    { source: "fx-requests", license: "CC-BY-NC-4.0", langs: ["en"], unsafeShare: 1, cats: CATEGORY_IDS, words: [6, 60] },
    { source: "fx-benign", license: "CC-BY-SA-4.0", langs: ["fr", "de", "es", "it", "nl", "pt"], unsafeShare: 0, cats: [], words: [4, 40] }
  ]
  const rows: Array<Example> = []
  for (const kind of kinds) {
    for (let i = 0; i < 100; i++) {
      const unsafe = rng.next() < kind.unsafeShare
      const categories = unsafe ? [...new Set([kind.cats[rng.int(kind.cats.length)], kind.cats[rng.int(kind.cats.length)]])].sort() : []
      rows.push({
        id: `${kind.source}-${i}`,
        text: words(rng, kind.words[0] + rng.int(kind.words[1] - kind.words[0])),
        lang: kind.langs[rng.int(kind.langs.length)],
        unsafe,
        categories: categories as Array<CategoryId>,
        source: kind.source,
        license: kind.license,
        split: rng.next() < 0.9 ? "train" : "validation",
        origin: "seed",
        parent_id: null,
        iteration: 0
      })
    }
  }
  return rows
}

const makeBenchmarkFixture = (rng: Rng): Array<BenchmarkRow> =>
  BENCHMARKS.flatMap((benchmark) =>
    BENCHMARK_LANGUAGES.flatMap((lang) =>
      Array.from({ length: 8 }, () => {
        const unsafe = benchmark === "xsafety" || rng.next() < 0.5
        // Only one fixture benchmark maps to the taxonomy, like the real ones where few do.
        const categories = benchmark === "openai" ? (unsafe ? [CATEGORY_IDS[rng.int(12)]] : []) : null
        return { benchmark, lang, text: words(rng, 5 + rng.int(20)), unsafe, categories }
      })
    )
  )

/** A small real self-play run (see its README) for selfplay.ipynb. */
const fixtureRunDir = path.join(repoRoot, "test/fixtures/run")

// ---- running nbconvert --------------------------------------------------------------------

interface Run {
  readonly ok: boolean
  readonly log: string
  readonly output: string
}

/**
 * Execute one notebook into outDir with notebooks/execute.sh (jupyter nbconvert --execute, the
 * repo's kernel spec, 120 s per cell); never throws.
 */
const execute = (notebook: string, outDir: string, env: Record<string, string>): Promise<Run> =>
  new Promise((resolve) => {
    const childEnv = {
      ...process.env,
      NOTEBOOK_OUT_DIR: outDir,
      NOTEBOOK_FORMAT: "notebook",
      JUPYTER_RUNTIME_DIR: path.join(outDir, "runtime"),
      ...env
    }
    execFile(path.join(notebooksDir, "execute.sh"), [notebook], { env: childEnv, timeout: 170_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ ok: err === null, log: `${stdout}\n${stderr}`, output: path.join(outDir, path.basename(notebook)) })
    })
  })

interface NbOutput {
  output_type: string
  data?: Record<string, string | Array<string>>
  text?: string | Array<string>
  ename?: string
  evalue?: string
}
interface NbCell {
  cell_type: string
  id?: string
  source: string | Array<string>
  execution_count?: number | null
  outputs?: Array<NbOutput>
}
interface Nb {
  cells: Array<NbCell>
  metadata: { kernelspec?: { name?: string } }
}

const readNb = (file: string): Nb => JSON.parse(fs.readFileSync(file, "utf8")) as Nb
const joined = (s: string | Array<string> | undefined) => (Array.isArray(s) ? s.join("") : s ?? "")
const outputsOf = (nb: Nb) => nb.cells.flatMap((c) => c.outputs ?? [])

// ---- checks that need no jupyter -----------------------------------------------------------


describe("committed notebooks and kernel spec", () => {
  it("has at least one notebook", () => {
    expect(notebooks).toContain("datasets.ipynb")
  })

  it.each(notebooks)("%s is committed without outputs and uses the repo's deno kernel", (name) => {
    const nb = readNb(path.join(notebooksDir, name))
    expect(nb.metadata.kernelspec?.name).toBe("deno")
    for (const cell of nb.cells.filter((c) => c.cell_type === "code")) {
      expect(cell.outputs, `cell ${cell.id} has outputs`).toEqual([])
      expect(cell.execution_count, `cell ${cell.id} has an execution count`).toBeNull()
    }
  })

  // The kernel does not type-check cells, so do it here: all code cells as one module, placed
  // one level below the repo root like notebooks/ so relative and bare imports resolve the same.
  it.each(notebooks)("%s type-checks with deno check", (name) => {
    const nb = readNb(path.join(notebooksDir, name))
    const code = nb.cells.filter((c) => c.cell_type === "code").map((c) => joined(c.source)).join("\n\n")
    const dir = path.join(repoRoot, ".tmp")
    fs.mkdirSync(dir, { recursive: true })
    const file = path.join(dir, `notebook-check-${process.pid}-${name.replace(/\.ipynb$/, "")}.ts`)
    fs.writeFileSync(file, `${code}\nexport {}\n`)
    try {
      const deno = path.join(repoRoot, "node_modules/.bin/deno")
      const r = spawnSync(deno, ["check", "--quiet", "--config", path.join(repoRoot, "deno.json"), file], {
        encoding: "utf8",
        env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" }
      })
      expect(r.status, `deno check ${name}:\n${r.stdout}\n${r.stderr}`).toBe(0)
    } finally {
      fs.rmSync(file, { force: true })
    }
  })

  it("kernel spec holds no absolute path and starts the wrapper next to it", () => {
    const spec = JSON.parse(fs.readFileSync(path.join(notebooksDir, "kernels/deno/kernel.json"), "utf8")) as { argv: Array<string> }
    expect(spec.argv).toContain("{resource_dir}/run-kernel.sh")
    expect(spec.argv).toContain("{connection_file}")
    for (const arg of spec.argv) expect(path.isAbsolute(arg), arg).toBe(false)
    expect(fs.existsSync(path.join(notebooksDir, "kernels/deno/run-kernel.sh"))).toBe(true)
  })
})

// ---- execution -----------------------------------------------------------------------------

describe.runIf(process.env.CI && !jupyterAvailable)("jupyter under CI", () => {
  it("is installed", () => {
    expect.fail(`CI is set but 'jupyter nbconvert' is not available: ${INSTALL_HINT}`)
  })
})

describe.runIf(jupyterAvailable)("notebooks execute headless", () => {
  let tmp = ""
  let dataDir = ""
  let seedRows: Array<Example> = []
  let benchRows: Array<BenchmarkRow> = []
  const runs = new Map<string, Run>()

  /**
   * The executed notebook ran, shows exactly one output per code cell after setup (a missing one
   * means the kernel's output was dropped — see FLUSH_MS in the notebooks — not an empty result),
   * and renders one SVG per `await chart(` call (at least `minCharts`). Returns its outputs.
   */
  const expectOneOutputPerCellAndEveryChart = (notebook: string, minCharts: number) => {
    const run = runs.get(notebook)!
    expect(run.ok, run.log.slice(-4000)).toBe(true)
    const executed = readNb(run.output)
    for (const cell of executed.cells.filter((c) => c.cell_type === "code" && c.id !== "setup")) {
      expect(cell.outputs?.length, `outputs of cell ${cell.id}`).toBe(1)
    }
    const outputs = outputsOf(executed)
    const svgs = outputs.filter((o) => o.data?.["image/svg+xml"] !== undefined).map((o) => joined(o.data!["image/svg+xml"]))
    const chartCalls = readNb(path.join(notebooksDir, notebook)).cells
      .map((c) => joined(c.source).split("await chart(").length - 1)
      .reduce((a, b) => a + b, 0)
    expect(chartCalls).toBeGreaterThanOrEqual(minCharts)
    expect(svgs.length).toBe(chartCalls)
    for (const svg of svgs) expect(svg.trimStart().startsWith("<svg")).toBe(true)
    return outputs
  }

  beforeAll(async () => {
    tmp = tempDir("notebooks")
    dataDir = path.join(tmp, "datasets")
    const rng = new Rng(7)
    seedRows = makeSeedFixture(rng.child("seed"))
    benchRows = makeBenchmarkFixture(rng.child("benchmarks"))
    await Effect.runPromise(writeParquet(path.join(dataDir, "seed.parquet"), rowsToTable(seedRows, EXAMPLE_COLUMNS)))
    await Effect.runPromise(writeParquet(path.join(dataDir, "benchmarks.parquet"), rowsToTable(benchRows, BENCHMARK_COLUMNS)))
    // One at a time: each run starts its own kernel, and CI machines are small.
    for (const name of notebooks) {
      runs.set(name, await execute(path.join(notebooksDir, name), path.join(tmp, "out"), { DUOGUARD_DATASETS_DIR: dataDir, DUOGUARD_RUN_DIR: fixtureRunDir }))
    }
  }, notebooks.length * 180_000)

  it.each(notebooks)("%s runs every cell without error", (name) => {
    const run = runs.get(name)!
    expect(run.ok, `nbconvert failed on ${name}:\n${run.log.slice(-4000)}`).toBe(true)
    const nb = readNb(run.output)
    for (const cell of nb.cells.filter((c) => c.cell_type === "code")) {
      expect(cell.execution_count, `cell ${cell.id} did not run`).toBeTypeOf("number")
      const errors = (cell.outputs ?? []).filter((o) => o.output_type === "error")
      expect(errors.map((e) => `${e.ename}: ${e.evalue}`), `cell ${cell.id}`).toEqual([])
    }
  })

  it.each(notebooks)("%s gives the same bytes when executed twice on the same data", async (name) => {
    const again = await execute(path.join(notebooksDir, name), path.join(tmp, "out-again"), { DUOGUARD_DATASETS_DIR: dataDir, DUOGUARD_RUN_DIR: fixtureRunDir })
    expect(again.ok, again.log.slice(-4000)).toBe(true)
    expect(fs.readFileSync(again.output, "utf8")).toBe(fs.readFileSync(runs.get(name)!.output, "utf8"))
  })

  it("datasets.ipynb shows the fixture's numbers and renders every chart", () => {
    const outputs = expectOneOutputPerCellAndEveryChart("datasets.ipynb", 5)
    const markdown = outputs.map((o) => joined(o.data?.["text/markdown"])).join("\n")
    const unsafe = seedRows.filter((r) => r.unsafe).length
    expect(markdown).toContain(`**seed.parquet**: ${seedRows.length} rows, ${unsafe} unsafe`)
    expect(markdown).toContain(`**benchmarks.parquet**: ${benchRows.length} rows, ${BENCHMARKS.length} benchmarks`)
    // Every fixture source appears in the per-source tables, every language in the tables.
    for (const source of ["fx-posts", "fx-requests", "fx-benign"]) expect(markdown).toContain(`| ${source} |`)
    for (const lang of new Set(seedRows.map((r) => r.lang))) expect(markdown).toContain(`| ${lang} |`)
  })

  it("reports a failing cell as a failure (the harness can fail)", async () => {
    const broken = path.join(tmp, "broken.ipynb")
    const nb = readNb(path.join(notebooksDir, "datasets.ipynb"))
    nb.cells = [{ cell_type: "code", id: "boom", execution_count: null, outputs: [], source: 'throw new Error("boom from a cell")' }]
    fs.writeFileSync(broken, JSON.stringify({ ...nb, cells: nb.cells.map((c) => ({ ...c, metadata: {} })) }))
    const run = await execute(broken, path.join(tmp, "out-broken"), {})
    expect(run.ok).toBe(false)
    expect(run.log).toContain("boom from a cell")
  })

  it("selfplay.ipynb shows the fixture run's numbers and renders every chart", () => {
    // the fixture has finished iterations, so every chart call renders
    const outputs = expectOneOutputPerCellAndEveryChart("selfplay.ipynb", 10)

    // Numbers read straight from the fixture's files must appear in the notebook's tables.
    const markdown = outputs.map((o) => joined(o.data?.["text/markdown"])).join("\n")
    const json = (file: string) => JSON.parse(fs.readFileSync(file, "utf8"))
    const manifest = json(RUN.manifest.at(fixtureRunDir))
    const pct = (x: number) => (100 * x).toFixed(1)
    expect(markdown).toContain(`**Run \`${manifest.config.runId}\`** in \`${fixtureRunDir}\``)
    expect(markdown).toContain(`2 of ${manifest.config.iterations} self-play iteration(s) finished`)
    for (const t of [1, 2]) {
      const dir = iterDir(fixtureRunDir, t)
      const fooling = json(ITER.fooling.at(dir))
      expect(markdown).toContain(`${pct(fooling.reference.rate)} % (${fooling.reference.fooled}/${fooling.reference.proposals})`)
      expect(markdown).toContain(`${pct(fooling.updated.ratePerKept)} % (of ${fooling.updated.kept})`)
      expect(markdown).toContain(`| ${json(ITER.dpo.at(dir)).pairs} |`)
      for (const [reason, n] of Object.entries(json(ITER.filter.at(dir)) as Record<string, number>)) {
        const row = markdown.split("\n").find((line) => line.startsWith(`| ${reason} |`))
        expect(row, `filter table row of ${reason}`).toContain(`| ${n} (`)
      }
    }
    for (const t of [0, 2]) {
      const averages = json(ITER.table1.at(iterDir(fixtureRunDir, t))).ours.averages as Array<{ avgF1: number }>
      expect(markdown).toContain(`| ${t === 0 ? "iteration 0 (seed only)" : `iteration ${t}`} | ${averages.map((a) => pct(a.avgF1)).join(" | ")} |`)
    }
  })

  it("selfplay.ipynb names the run folder it cannot find", async () => {
    const missing = path.join(tmp, "no-such-run")
    const run = await execute(path.join(notebooksDir, "selfplay.ipynb"), path.join(tmp, "out-no-run"), { DUOGUARD_RUN_DIR: missing })
    expect(run.ok).toBe(false)
    expect(run.log).toContain(`${missing}: run folder does not exist`)
  })

  it("names the missing file when the data folder is empty", async () => {
    const empty = path.join(tmp, "empty")
    fs.mkdirSync(empty, { recursive: true })
    const run = await execute(path.join(notebooksDir, "datasets.ipynb"), path.join(tmp, "out-empty"), { DUOGUARD_DATASETS_DIR: empty })
    expect(run.ok).toBe(false)
    expect(run.log).toContain(`${path.join(empty, "seed.parquet")} does not exist`)
  })
})
