/**
 * The playground's static assets, built once at server start and served from memory:
 * the page (playground/index.html), its script (playground/client.ts bundled with esbuild
 * for the browser, tfjs included from node_modules: nothing is loaded from a CDN) and the
 * model files the script loads.
 */
import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { ApiError } from "./errors.ts"

const here = import.meta.dirname

export interface PlaygroundAssets {
  readonly html: string
  readonly script: Uint8Array
}

const escapeAttr = (s: string) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;")

/** Bundle the browser script and read the page; `modelName` is shown on the page. */
export const buildPlayground = (modelName: string): Effect.Effect<PlaygroundAssets, ApiError> =>
  Effect.tryPromise({
    try: async () => {
      const { build } = await import("esbuild")
      const out = await build({
        entryPoints: [path.join(here, "playground", "client.ts")],
        bundle: true,
        write: false,
        format: "esm",
        platform: "browser",
        target: "es2020",
        minify: true,
        legalComments: "none",
        logLevel: "silent",
        // tfjs-core reads process.env in a few places; the browser has none.
        define: { "process.env.NODE_ENV": '"production"' }
      })
      const script = out.outputFiles[0].contents
      const page = fs.readFileSync(path.join(here, "playground", "index.html"), "utf8")
      const html = page.replace("</title>", `</title>\n<meta name="duoguard-model" content="${escapeAttr(modelName)}">`)
      return { html, script }
    },
    catch: (e) =>
      new ApiError({ status: 500, code: "server_error", message: `cannot build the playground: ${String(e)}`, param: null })
  })
