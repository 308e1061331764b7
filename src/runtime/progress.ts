/**
 * Progress for long steps: a live bar on a terminal, a few plain log lines otherwise
 * (CI logs stay readable). Exposed as a service so tests can silence it.
 */
import { Context, Effect, Layer } from "effect"
import cliProgress from "cli-progress"

export interface ProgressBar {
  readonly tick: (n?: number) => void
  readonly done: () => void
}

export interface ProgressService {
  readonly start: (label: string, total: number) => ProgressBar
}

export class Progress extends Context.Tag("duoguard/Progress")<Progress, ProgressService>() {}

const terminalBar: ProgressService = {
  start: (label, total) => {
    const bar = new cliProgress.SingleBar(
      { format: `${label.padEnd(28)} [{bar}] {percentage}% | {value}/{total} | eta {eta_formatted}`, hideCursor: true, etaBuffer: 50 },
      cliProgress.Presets.shades_classic
    )
    bar.start(total, 0)
    return { tick: (n = 1) => bar.increment(n), done: () => bar.stop() }
  }
}

const logLines: ProgressService = {
  start: (label, total) => {
    let value = 0
    let nextReport = 0.25
    const t0 = Date.now()
    process.stderr.write(`${label}: 0/${total}\n`)
    return {
      tick: (n = 1) => {
        value += n
        if (total > 0 && value / total >= nextReport && value < total) {
          process.stderr.write(`${label}: ${value}/${total} (${Math.round((100 * value) / total)}%)\n`)
          nextReport += 0.25
        }
      },
      done: () => process.stderr.write(`${label}: done ${value}/${total} in ${((Date.now() - t0) / 1000).toFixed(1)}s\n`)
    }
  }
}

const silent: ProgressService = { start: () => ({ tick: () => {}, done: () => {} }) }

export const ProgressLive: Layer.Layer<Progress> = Layer.sync(Progress, () =>
  process.stderr.isTTY && !process.env.CI ? terminalBar : logLines
)
export const ProgressSilent: Layer.Layer<Progress> = Layer.succeed(Progress, silent)

/** Run `f` with a progress bar that is always closed, even on failure. */
export const withProgress = <A, E, R>(
  label: string,
  total: number,
  f: (bar: ProgressBar) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R | Progress> =>
  Effect.flatMap(Progress, (p) =>
    Effect.acquireUseRelease(
      Effect.sync(() => p.start(label, total)),
      f,
      (bar) => Effect.sync(() => bar.done())
    )
  )
