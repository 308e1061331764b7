import { Data } from "effect"

/** A file could not be read or written. */
export class FileError extends Data.TaggedError("FileError")<{
  readonly path: string
  readonly reason: string
}> {
  override get message() {
    return `${this.path}: ${this.reason}`
  }
}

/** A row of a file does not match its schema. Names file, row and field. */
export class RowDecodeError extends Data.TaggedError("RowDecodeError")<{
  readonly path: string
  readonly row: number
  readonly reason: string
}> {
  override get message() {
    return `${this.path}, row ${this.row}: ${this.reason}`
  }
}
