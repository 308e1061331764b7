import { describe, expect, it } from "vitest"
import { renderSvg } from "../src/report/charts.ts"

describe("renderSvg", () => {
  it("renders a bar chart to SVG deterministically", async () => {
    const spec = {
      data: { values: [{ lang: "en", n: 3 }, { lang: "fr", n: 5 }] },
      mark: "bar" as const,
      encoding: { x: { field: "lang", type: "nominal" as const }, y: { field: "n", type: "quantitative" as const } }
    }
    const a = await renderSvg(spec)
    expect(a.startsWith("<svg")).toBe(true)
    expect(a).toContain("fr")
    expect(await renderSvg(spec)).toBe(a)
  })
})
