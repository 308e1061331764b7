/**
 * A tiny stand-in for the Debian packages' files that ingest reads (src/data/sources/debian.ts),
 * written under a temp folder: invented texts in the packages' real formats, including
 * compiled gettext catalogs.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { mo } from "gettext-parser"

const write = (root: string, rel: string, data: string | Buffer) => {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true })
  fs.writeFileSync(path.join(root, rel), data)
}

const catalog = (language: string, entries: Record<string, string>) =>
  mo.compile({
    charset: "utf-8",
    headers: { "Content-Type": "text/plain; charset=UTF-8", Language: language },
    translations: {
      "": Object.fromEntries([["", { msgid: "", msgstr: [`Language: ${language}\n`] }], ...Object.entries(entries).map(([id, str]) => [id, { msgid: id, msgstr: [str] }])])
    }
  })

/** Writes the fixture under `root` and returns it. */
export const writeSystemFixture = (root: string): string => {
  write(
    root,
    "usr/share/trans/de-en",
    [
      "# Version :: test",
      "Haus {n} | Das Haus ist sehr alt. :: house | The house is very old.",
      "Wetter {n} | Wie wird das Wetter morgen?; Morgen regnet es bestimmt. :: weather | What will the weather be like tomorrow?; It will surely rain tomorrow.",
      "Mistkerl {m} [vulg.] | Du bist ein echter Mistkerl. :: bastard | You are a real bastard.",
      "kurz {adj} | Zu kurz. :: short | Too short."
    ].join("\n") + "\n"
  )
  write(root, "usr/share/games/fortunes/de/sprueche.u8", "Wer zuletzt lacht, lacht am besten.\n%\nMorgenstund hat Gold im Mund,\naber Blei im Hintern.\n%\nKurz.\n%\n")
  fs.symlinkSync("sprueche.u8", path.join(root, "usr/share/games/fortunes/de/sprueche"))
  write(root, "usr/share/games/fortunes/de/sprueche.dat", Buffer.from([0, 1, 2, 3]))
  write(root, "usr/share/games/fortunes/de/off/schlimm.u8", "Ein beleidigender Spruch, der nie gelesen wird.\n%\n")
  write(root, "usr/share/games/fortunes/es/amistad.fortunes", "Un amigo es un tesoro que vale mucho.\n%\n")
  write(root, "usr/share/games/fortunes/it/italia", "Chi va piano va sano e va lontano.\n%\n")
  const page = (p: string) => `<page xmlns="http://projectmallard.org/1.0/" id="x"><title>T</title><p>${p}</p><p>Too short.</p></page>`
  write(root, "usr/share/help/C/gnome-help/files.page", page("Press <key>Ctrl</key>+<key>F</key> to search for files &amp; folders."))
  write(root, "usr/share/help/de/gnome-help/files.page", page("Drücken Sie <key>Strg</key>+<key>F</key>, um nach Dateien zu suchen."))
  write(root, "usr/share/help/pt_BR/gnome-help/files.page", page("Pressione Ctrl+F para procurar arquivos e pastas."))
  write(
    root,
    "usr/share/locale/de/LC_MESSAGES/coreutils.mo",
    catalog("de", {
      "kill the process with the given PID": "den Prozess mit der angegebenen PID beenden",
      "_Open the file %s now": "Die Datei %s jetzt _öffnen",
      "Quit": "Beenden",
      "this line is not translated": ""
    })
  )
  write(root, "usr/share/locale/sr@latin/LC_MESSAGES/coreutils.mo", catalog("sr", { "kill the process with the given PID": "ubij proces sa zadatim PID brojem" }))
  write(root, "usr/share/locale/ast/LC_MESSAGES/coreutils.mo", catalog("ast", { "kill the process with the given PID": "mata'l procesu col PID dau" }))
  return root
}
