/**
 * tfjs-core ships without gradient functions; they are registered by the `@tensorflow/tfjs`
 * umbrella package (its Node build bundles them). Only training needs them, so inference
 * never pays the ~0.4 s it takes to load the umbrella package.
 */
let loaded: Promise<void> | undefined

export const ensureGradients = (): Promise<void> =>
  (loaded ??= import("@tensorflow/tfjs").then(() => undefined))
