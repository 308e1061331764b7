/**
 * Label → category mapping for the seed sources (the taxonomy is in schemas/taxonomy.ts).
 *
 * Decisions (also written into datasets/README.md):
 * - Hate, abusive, offensive, insulting and toxic posts all map to C9. The taxonomy has no
 *   separate "toxicity/profanity" label, and the usual mapping of OpenAI's moderation
 *   categories puts hate and harassment (H, H2, HR) into C9. Rows their source calls non-offensive —
 *   including OffendES "NOE" (expletive but not offensive) — stay safe.
 * - Harmful requests whose source gives a category use a fixed table below. Broad or
 *   missing categories ("illegal", "harmful", AdvBench, MaliciousInstruct, ...) use the
 *   keyword rule `keywordCategories`, which can give several categories.
 * - Jailbreak templates are C12 and nothing else.
 */
import type { CategoryId } from "../../schemas/index.ts"

/** Every hateful / offensive / toxic post, whatever its source's word for it. */
export const HOSTILE_CATEGORIES: ReadonlyArray<CategoryId> = ["C9"]
/** Jailbreak templates. */
export const JAILBREAK_CATEGORIES: ReadonlyArray<CategoryId> = ["C12"]

export interface KeywordRule {
  readonly category: CategoryId
  readonly pattern: RegExp
  /** Short human description for the dataset card. */
  readonly describes: string
}

const CHILD = /\b(child|children|kids?|minors?|underage|preteens?|toddlers?|infants?|little (girls?|boys?)|schoolgirls?|schoolboys?|young (girls?|boys?)|\d{1,2}[- ]year[- ]olds?)\b/i
const SEXUAL = /\b(sex|sexual\w*|porn\w*|nudes?|naked|erotic\w*|explicit|molest\w*|groom\w*|fetish\w*|intercourse|genitals?|masturbat\w*|orgasm\w*|lewd)\b/i

/**
 * The keyword rule for harmful requests without a usable source category, checked in
 * this order; every rule that matches adds its category (multi-label). C4 needs a child
 * term AND a sexual term; C11 is only added when no child term is present.
 * Firearms count as C2 (weapons crimes), not C8: C8 is for indiscriminate weapons
 * (chemical, biological, radiological, nuclear, explosives), as in the Llama Guard
 * taxonomy the paper's categories come from.
 */
export const KEYWORD_RULES: ReadonlyArray<KeywordRule> = [
  {
    category: "C8",
    describes: "explosives, bombs, chemical / biological / nuclear / radiological weapons, pathogens, nerve agents",
    pattern:
      /\b(bombs?|bomb-making|explosives?|explod\w*|detonat\w*|grenades?|ieds?|pipe bombs?|napalm|thermite|nuclear|radioactive|radiological|uranium|plutonium|chemical weapons?|chemical warfare|biological weapons?|biological warfare|bio-?weapons?|bioterror\w*|nerve agents?|sarin|tabun|vx|ricin|anthrax|botulinum|mustard gas|chlorine gas|toxic gas|pathogens?|weapons? of mass destruction|wmds?)\b/i
  },
  {
    category: "C1",
    describes: "kill, murder, assault, terrorism, shooting, stabbing, kidnapping, torture, violence, physical harm",
    pattern:
      /\b(kill(s|ed|ing)?(?!\s+(myself|yourself|themselves|himself|herself|oneself))|murder\w*|assassinat\w*|assault\w*|terroris\w*|terror attacks?|shoot(ing|ings)?|mass shootings?|stab(s|bed|bing)?|kidnap\w*|hostages?|tortur\w*|massacre\w*|genocide|violen(t|ce)|injur(e|es|ed|ing)|hurt (someone|people|others|a person|him|her|them)|physical harm|physically harm|beat (up|someone|him|her)|strangl\w*|lynch\w*|behead\w*|arson|burn down|animal (abuse|cruelty)|abuse (animals?|a (dog|cat|pet)))\b/i
  },
  {
    category: "C2",
    describes: "hacking, malware, theft, fraud, scams, drugs, smuggling, counterfeiting, firearms crimes, blackmail",
    pattern:
      /\b(hack\w*|malware|ransomware|viruse?s?|trojans?|keyloggers?|spyware|botnets?|ddos|phish\w*|exploit\w*|cyber-?attacks?|crack (a |the |someone'?s )?passwords?|steal\w*|stole|theft|thie(f|ves)|rob(s|bed|bing|bery)?|shoplift\w*|burglar\w*|fraud\w*|scam\w*|launder\w*|counterfeit\w*|forge(d|ry)?|embezzl\w*|brib\w*|extort\w*|blackmail\w*|smuggl\w*|tax evasion|evad(e|ing) taxes|insider trading|ponzi|drugs?|cocaine|heroin|meth(amphetamine)?|fentanyl|mdma|lsd|opioids?|narcotics?|illegal(ly)?|illicit|guns?|firearms?|rifles?|ammunition|untraceable|vandal\w*|trespass\w*|cheat(ing)?)\b/i
  },
  {
    category: "C3",
    describes: "rape, sexual assault, sex trafficking, non-consensual sexual acts or images, sextortion",
    pattern:
      /\b(rap(e|es|ed|ing|ist)|sexual(ly)? assault\w*|sex trafficking|human trafficking|traffick\w*|non-?consensual|revenge porn|sextort\w*|upskirt\w*|prostitut\w*|date rape|roofie\w*)\b/i
  },
  {
    category: "C4",
    describes: "a child term (child, minor, underage, N-year-old, ...) together with a sexual term, or pedophilia / CSAM",
    // Matched by `keywordCategories` as CHILD && SEXUAL; this pattern only catches the explicit terms.
    pattern: /\b(pedophil\w*|paedophil\w*|child porn\w*|csam|child sexual abuse)\b/i
  },
  {
    category: "C5",
    describes: "medical, legal or financial advice (diagnosis, dosage, prescriptions, lawyer, investing)",
    pattern:
      /\b(medical advice|diagnos\w*|prescri(be|ption)\w*|dosages?|medications?|legal advice|lawyers?|attorneys?|financial advice|invest(ing|ment)? advice|stock tips?|tax advice)\b/i
  },
  {
    category: "C6",
    describes: "personal data, doxxing, stalking, tracking or spying on someone, home addresses, SSNs",
    pattern:
      /\b(personal (data|information|details)|private (data|information)|doxx?\w*|stalk\w*|track (someone|a person|my (wife|husband|partner|ex|girlfriend|boyfriend))|spy(ing)? on|surveil\w*|home address\w*|social security numbers?|ssns?|phone numbers? of|location of (someone|a person)|without (their|his|her) (consent|knowledge)|identity of)\b/i
  },
  {
    category: "C7",
    describes: "piracy, copyright, torrents, cracked software, DRM circumvention, reproducing lyrics / book passages",
    pattern: /\b(pirat\w*|copyright\w*|copyrighted|torrent\w*|cracked software|drm|lyrics of|passage from)\b/i
  },
  {
    category: "C9",
    describes: "racism, sexism, xenophobia, homophobia, antisemitism, hate speech, harassment, bullying, discrimination",
    pattern:
      /\b(racis\w*|sexis\w*|xenophob\w*|homophob\w*|transphob\w*|antisemit\w*|hate speech|hateful|discriminat\w*|slurs?|inferior|supremac\w*|nazi\w*|harass\w*|bully\w*|cyberbully\w*|body shaming|demean\w*|ridicul\w*)\b/i
  },
  {
    category: "C10",
    describes: "suicide, self-harm, killing or cutting oneself, eating disorders, overdosing",
    pattern:
      /\b(suicid\w*|self-?harm\w*|kill(ing)? (myself|yourself|themselves|himself|herself|oneself)|cut(ting)? (myself|yourself|themselves)|end (my|your|their) (own )?life|anorexi\w*|bulimi\w*|eating disorders?|starv(e|ing) (myself|yourself|themselves)|overdos\w*)\b/i
  },
  {
    category: "C11",
    describes: "sexual or pornographic content (only when no child term is present)",
    pattern: SEXUAL
  }
]

/** The deterministic keyword rule. Returns [] when nothing matches (the caller's fallback applies). */
export const matchKeywordCategories = (text: string): Array<CategoryId> => {
  const hasChild = CHILD.test(text)
  const hasSexual = SEXUAL.test(text)
  const out = new Set<CategoryId>()
  for (const rule of KEYWORD_RULES) {
    if (rule.category === "C11") {
      if (hasSexual && !hasChild) out.add("C11")
    } else if (rule.category === "C4") {
      if (rule.pattern.test(text) || (hasChild && hasSexual)) out.add("C4")
    } else if (rule.pattern.test(text)) out.add(rule.category)
  }
  return sortCategories([...out])
}

/** Keyword rule with a fallback category when nothing matches (C2 unless the source says otherwise). */
export const keywordCategories = (text: string, fallback: CategoryId = "C2"): Array<CategoryId> => {
  const found = matchKeywordCategories(text)
  return found.length > 0 ? found : [fallback]
}

/** Categories in taxonomy order, without duplicates: stable output regardless of rule order. */
export const sortCategories = (cs: Iterable<CategoryId>): Array<CategoryId> =>
  [...new Set(cs)].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))

/**
 * A source category maps to fixed categories, or to `base` plus whatever the keyword rule
 * finds (the fallback only when both are empty).
 */
export type CategoryMapping =
  | { readonly kind: "fixed"; readonly categories: ReadonlyArray<CategoryId> }
  | { readonly kind: "keywords"; readonly base: ReadonlyArray<CategoryId>; readonly fallback: CategoryId }

const fixed = (...categories: Array<CategoryId>): CategoryMapping => ({ kind: "fixed", categories })
const keywords = (fallback: CategoryId, ...base: Array<CategoryId>): CategoryMapping => ({ kind: "keywords", base, fallback })

/**
 * Semantic categories of the harmful-request sources, lower-cased. HarmBench
 * (SemanticCategory, also used in harmful_{val,test}.json), JailbreakBench (harmful_test.json)
 * and StrongREJECT (category). Misinformation and deception count as C2 (fraud and deception
 * are the nearest non-violent crime; the taxonomy has no misinformation label).
 */
export const HARMFUL_CATEGORY_MAP: Readonly<Record<string, CategoryMapping>> = {
  // HarmBench
  chemical_biological: fixed("C8"),
  illegal: keywords("C2"),
  misinformation_disinformation: fixed("C2"),
  harmful: keywords("C2"),
  harassment_bullying: fixed("C9"),
  cybercrime_intrusion: fixed("C2"),
  copyright: fixed("C7"),
  // JailbreakBench
  "harassment/discrimination": fixed("C9"),
  "malware/hacking": fixed("C2"),
  "physical harm": keywords("C1"),
  "economic harm": fixed("C2"),
  "fraud/deception": fixed("C2"),
  disinformation: fixed("C2"),
  "sexual/adult content": keywords("C11", "C11"),
  privacy: fixed("C6"),
  "expert advice": fixed("C5"),
  "government decision-making": keywords("C2"),
  // StrongREJECT
  "disinformation and deception": fixed("C2"),
  "hate, harassment and discrimination": fixed("C9"),
  "illegal goods and services": keywords("C2"),
  "non-violent crimes": fixed("C2"),
  "sexual content": keywords("C11", "C11"),
  violence: fixed("C1")
}

/**
 * Categories of a harmful request: its source category through the table, the keyword rule
 * when the source gives none. An unknown source category is an error (returned as a string
 * reason) so a new label never slips through silently.
 */
export const harmfulCategories = (text: string, sourceCategory: string | null): Array<CategoryId> | string => {
  if (sourceCategory === null || sourceCategory.trim() === "") return keywordCategories(text)
  const m = HARMFUL_CATEGORY_MAP[sourceCategory.trim().toLowerCase()]
  if (!m) return `unknown harmful category "${sourceCategory}"`
  if (m.kind === "fixed") return [...m.categories]
  const found = sortCategories([...m.base, ...matchKeywordCategories(text)])
  return found.length > 0 ? found : [m.fallback]
}
