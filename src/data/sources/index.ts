/** Every source in the shared datasets, in the order the card lists them and dedup prefers them. */
import { advbench } from "./advbench.ts"
import { alpaca } from "./alpaca.ts"
import { davidson } from "./davidson.ts"
import { fortuna } from "./fortuna.ts"
import { founta } from "./founta.ts"
import { gahd } from "./gahd.ts"
import { germeval2018 } from "./germeval2018.ts"
import { germeval2021 } from "./germeval2021.ts"
import { harmbench } from "./harmbench.ts"
import { harmfulInstructions } from "./harmful-instructions.ts"
import { hatebr } from "./hatebr.ts"
import { hateval2019 } from "./hateval2019.ts"
import { jailbreakchat, roleplayBenign, selfreminder, selfreminderItw, selfreminderTrain } from "./jailbreak.ts"
import { kennedy } from "./kennedy.ts"
import { maliciousinstruct } from "./maliciousinstruct.ts"
import { mlma } from "./mlma.ts"
import { offendes } from "./offendes.ts"
import { olid } from "./olid.ts"
import type { SourceAdapter } from "./source.ts"
import { strongreject } from "./strongreject.ts"
import { toldBr } from "./told-br.ts"
import { toxigen } from "./toxigen.ts"
import { debianSources } from "./debian.ts"
import { MULTILINGUAL_SOURCES } from "./multilingual.ts"
import { udSources, udTrainSources } from "./ud.ts"

export const SEED_SOURCES: ReadonlyArray<SourceAdapter> = [
  // English harmful requests first: on a duplicate, the source with the richest category wins.
  harmbench,
  strongreject,
  harmfulInstructions,
  advbench,
  maliciousinstruct,
  jailbreakchat,
  selfreminder,
  selfreminderItw,
  selfreminderTrain,
  roleplayBenign,
  alpaca,
  toxigen,
  davidson,
  olid,
  kennedy,
  founta,
  mlma,
  germeval2018,
  germeval2021,
  gahd,
  hateval2019,
  offendes,
  toldBr,
  hatebr,
  fortuna,
  ...udSources,
  ...MULTILINGUAL_SOURCES,
  ...udTrainSources
]

/** Every source ingest reads: the shared datasets, then the Debian packages' text under `systemRoot`. */
export const allSources = (systemRoot: string): ReadonlyArray<SourceAdapter> => [...SEED_SOURCES, ...debianSources(systemRoot)]

export type { SourceAdapter, SourceOutput, SourceRow, Malformed } from "./source.ts"
