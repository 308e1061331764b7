/**
 * The one Markdown table writer: every report, card and pipeline summary builds its tables here.
 * Runtime-agnostic (Node and Deno), no IO.
 */

export type Align = "left" | "right" | "center"

export interface TableStyle {
  /** One per column. Default: the first column left (a name), the others right (numbers). */
  readonly align?: ReadonlyArray<Align>
  /**
   * Write the delimiter row tight (`|---|---:|`) instead of spaced (`| --- | ---: |`). Both
   * render alike; each report keeps the style its committed copies were written in.
   */
  readonly tight?: boolean
}

const RULE: Readonly<Record<Align, string>> = { left: "---", right: "---:", center: ":---:" }

// An empty cell is written "| |"; a "|" inside a cell would end it, so it is escaped.
const line = (cells: ReadonlyArray<string>) =>
  `|${cells.map((c) => (c === "" ? " " : ` ${c.replace(/\|/g, "\\|")} `)).join("|")}|`

/** A GitHub-flavoured Markdown table of cells already formatted as text. */
export const table = (
  header: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
  style: TableStyle = {}
): string => {
  const align = style.align ?? header.map((_, i): Align => (i === 0 ? "left" : "right"))
  const rule = style.tight ? `|${align.map((a) => RULE[a]).join("|")}|` : line(align.map((a) => RULE[a]))
  return [line(header), rule, ...rows.map(line)].join("\n")
}
