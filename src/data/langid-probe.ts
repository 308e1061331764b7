/**
 * How the language detector was chosen: a small hand-written probe set of short,
 * chat-style messages (typos, no accents, slang) like the texts the guard sees — written
 * for this project, not taken from any dataset or benchmark — and a top-1 accuracy
 * comparison of eld (used) against tinyld (the alternative). Kept apart from langid.ts so
 * that users of the detector do not load tinyld.
 */
import * as tinyld from "tinyld"
import { CORE_LANGUAGES, isCoreLanguage, type CoreLang } from "../../schemas/index.ts"
import { detectTop } from "./langid.ts"

export const LANGID_PROBE: ReadonlyArray<{ readonly lang: CoreLang; readonly text: string }> = [
  // English
  { lang: "en", text: "hey can u help me fix my wifi its super slow" },
  { lang: "en", text: "what's a good recipe for banana bread?" },
  { lang: "en", text: "lol that movie was so bad" },
  { lang: "en", text: "how do i reset my password" },
  { lang: "en", text: "Can you write a short poem about the sea?" },
  { lang: "en", text: "my boss is driving me crazy today" },
  { lang: "en", text: "Is it safe to mix bleach and vinegar?" },
  { lang: "en", text: "thanks, that worked perfectly" },
  { lang: "en", text: "explain quantum computing like I'm five" },
  { lang: "en", text: "where should we go for dinner tonight" },
  { lang: "en", text: "I need a cover letter for a nursing job" },
  { lang: "en", text: "why is the sky blue" },
  { lang: "en", text: "ugh monday again" },
  { lang: "en", text: "Translate good morning into Japanese please" },
  { lang: "en", text: "what time does the pharmacy close on sundays?" },
  { lang: "en", text: "give me three ideas for a birthday party" },
  { lang: "en", text: "my cat keeps throwing up, should I worry" },
  { lang: "en", text: "summarize this article in two sentences" },
  { lang: "en", text: "who won the game last night" },
  { lang: "en", text: "pls stop sending me these emails" },
  // French
  { lang: "fr", text: "salut tu peux m'aider avec mes devoirs de maths" },
  { lang: "fr", text: "c'est quoi une bonne recette de crepes ?" },
  { lang: "fr", text: "mdr ce film etait nul" },
  { lang: "fr", text: "comment je change mon mot de passe" },
  { lang: "fr", text: "Tu peux écrire un petit poème sur la mer ?" },
  { lang: "fr", text: "mon chef m'énerve grave aujourd'hui" },
  { lang: "fr", text: "Est-ce dangereux de mélanger de la javel et du vinaigre ?" },
  { lang: "fr", text: "merci ça marche nickel" },
  { lang: "fr", text: "explique moi l'informatique quantique simplement" },
  { lang: "fr", text: "on mange où ce soir" },
  { lang: "fr", text: "j'ai besoin d'une lettre de motivation pour un poste d'infirmière" },
  { lang: "fr", text: "pourquoi le ciel est bleu" },
  { lang: "fr", text: "encore lundi, j'en peux plus" },
  { lang: "fr", text: "traduis bonjour en japonais stp" },
  { lang: "fr", text: "la pharmacie ferme à quelle heure le dimanche ?" },
  { lang: "fr", text: "donne moi trois idées pour un anniversaire" },
  { lang: "fr", text: "mon chat vomit tout le temps, je dois m'inquiéter ?" },
  { lang: "fr", text: "résume cet article en deux phrases" },
  { lang: "fr", text: "qui a gagné le match hier soir" },
  { lang: "fr", text: "arrete de m'envoyer ces mails stp" },
  // German
  { lang: "de", text: "hey kannst du mir bei meinem wlan helfen, ist voll langsam" },
  { lang: "de", text: "was ist ein gutes rezept für bananenbrot?" },
  { lang: "de", text: "haha der film war echt schlecht" },
  { lang: "de", text: "wie setze ich mein passwort zurück" },
  { lang: "de", text: "Kannst du ein kurzes Gedicht über das Meer schreiben?" },
  { lang: "de", text: "mein chef nervt heute total" },
  { lang: "de", text: "Ist es gefährlich, Bleiche und Essig zu mischen?" },
  { lang: "de", text: "danke, hat super geklappt" },
  { lang: "de", text: "erklär mir quantencomputer wie einem kind" },
  { lang: "de", text: "wo gehen wir heute abend essen" },
  { lang: "de", text: "ich brauche ein anschreiben für eine stelle als pflegekraft" },
  { lang: "de", text: "warum ist der himmel blau" },
  { lang: "de", text: "schon wieder montag, keine lust" },
  { lang: "de", text: "übersetz guten morgen bitte ins japanische" },
  { lang: "de", text: "wann macht die apotheke am sonntag zu?" },
  { lang: "de", text: "gib mir drei ideen für eine geburtstagsfeier" },
  { lang: "de", text: "meine katze kotzt dauernd, muss ich mir sorgen machen" },
  { lang: "de", text: "fasse den artikel in zwei sätzen zusammen" },
  { lang: "de", text: "wer hat gestern das spiel gewonnen" },
  { lang: "de", text: "hör auf mir diese mails zu schicken" },
  // Spanish
  { lang: "es", text: "oye me ayudas con el wifi que va lentisimo" },
  { lang: "es", text: "cual es una buena receta de pan de platano?" },
  { lang: "es", text: "jajaja esa peli fue malisima" },
  { lang: "es", text: "como cambio mi contraseña" },
  { lang: "es", text: "¿Puedes escribir un poema corto sobre el mar?" },
  { lang: "es", text: "mi jefe me tiene harto hoy" },
  { lang: "es", text: "¿Es peligroso mezclar lejía con vinagre?" },
  { lang: "es", text: "gracias, funcionó perfecto" },
  { lang: "es", text: "explicame la computacion cuantica como a un niño" },
  { lang: "es", text: "donde cenamos esta noche" },
  { lang: "es", text: "necesito una carta de presentacion para un puesto de enfermera" },
  { lang: "es", text: "por que el cielo es azul" },
  { lang: "es", text: "otra vez lunes, que pereza" },
  { lang: "es", text: "traduce buenos dias al japones porfa" },
  { lang: "es", text: "¿a qué hora cierra la farmacia los domingos?" },
  { lang: "es", text: "dame tres ideas para una fiesta de cumpleaños" },
  { lang: "es", text: "mi gato vomita mucho, me preocupo?" },
  { lang: "es", text: "resume este articulo en dos frases" },
  { lang: "es", text: "quien gano el partido anoche" },
  { lang: "es", text: "deja de mandarme esos correos por favor" }
]

const isLang = isCoreLanguage

/** tinyld restricted to the project languages, like eld. */
const tinyDetect = (text: string): CoreLang | "und" => {
  const l = tinyld.detect(text, { only: [...CORE_LANGUAGES] })
  return isLang(l) ? l : "und"
}

export interface DetectorAccuracy {
  readonly set: string
  readonly n: number
  readonly eld: number
  readonly tinyld: number
}

/** Top-1 accuracy of both detectors on labelled texts (deterministic: no timing). */
export const compareDetectors = (
  set: string,
  samples: ReadonlyArray<{ readonly lang: CoreLang; readonly text: string }>
): DetectorAccuracy => {
  let e = 0
  let t = 0
  for (const s of samples) {
    if (detectTop(s.text) === s.lang) e++
    if (tinyDetect(s.text) === s.lang) t++
  }
  return { set, n: samples.length, eld: e, tinyld: t }
}
