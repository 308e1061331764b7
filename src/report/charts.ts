/**
 * Vega-Lite → SVG, headless (no browser, no canvas): the one chart renderer that the
 * dataset card, notebooks and evaluation reports share.
 */
import * as vega from "vega"
import { compile, type TopLevelSpec } from "vega-lite"

export type VegaLiteSpec = TopLevelSpec

const DEFAULT_CONFIG = {
  font: "DejaVu Sans, Helvetica, Arial, sans-serif",
  view: { stroke: "transparent" },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12 }
}

/** Render a Vega-Lite spec to an SVG string. Deterministic for the same spec and data. */
export const renderSvg = async (spec: VegaLiteSpec): Promise<string> => {
  const withConfig = { ...spec, config: { ...DEFAULT_CONFIG, ...(spec as { config?: object }).config } } as TopLevelSpec
  const vgSpec = compile(withConfig).spec
  const view = new vega.View(vega.parse(vgSpec), { renderer: "none" })
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}
