/**
 * The 30 multilingual corpora and the UD train files, each on a tiny file written here in its
 * real format (invented texts: the raw datasets are never copied into the repository),
 * including the .xlsx workbooks and the password-protected zip.
 */
import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { MULTILINGUAL_SOURCES } from "../../src/data/sources/multilingual.ts"
import { udTrainSources } from "../../src/data/sources/ud.ts"
import { checkMalformed, type SourceAdapter } from "../../src/data/sources/source.ts"
import { tempDir } from "../support/temp-dir.ts"

const shared = tempDir("multilingual")

const write = (rel: string, text: string) => {
  const file = path.join(shared, rel)
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, text)
}

const writeXlsx = async (rel: string, rows: ReadonlyArray<ReadonlyArray<string | number>>) => {
  const { default: ExcelJS } = await import("exceljs")
  const book = new ExcelJS.Workbook()
  const sheet = book.addWorksheet("Sheet1")
  for (const r of rows) sheet.addRow([...r])
  fs.mkdirSync(path.dirname(path.join(shared, rel)), { recursive: true })
  await book.xlsx.writeFile(path.join(shared, rel))
}

const writeZip = async (rel: string, entry: string, text: string, password: string) => {
  const { ZipWriter, Uint8ArrayWriter, TextReader } = await import("@zip.js/zip.js")
  const zip = new ZipWriter(new Uint8ArrayWriter(), { password, zipCrypto: true })
  await zip.add(entry, new TextReader(text))
  fs.mkdirSync(path.dirname(path.join(shared, rel)), { recursive: true })
  fs.writeFileSync(path.join(shared, rel), await zip.close())
}

// [source, safe rows, unsafe rows, malformed]: what the files below hold.
const EXPECTED: ReadonlyArray<readonly [string, number, number, number]> = [
  ["ar_lhsab", 1, 2, 0],
  ["ar_mpold", 1, 1, 0],
  ["ar_osact2020", 1, 1, 0],
  ["ar_osact2022", 1, 1, 0],
  ["bn_blp25_banglamultihate", 1, 1, 0],
  ["da_dkhate", 1, 1, 1],
  ["el_offenseval2020_ogtd", 1, 1, 0],
  ["fa_parsoffensive", 1, 1, 0],
  ["he_olah5000", 1, 1, 0],
  ["hi_constraint2021_hostility", 1, 2, 0],
  ["id_ibrohim_hs_abusive", 1, 2, 0],
  ["it_pejorativity", 1, 1, 0],
  ["ja_inspection_toxic", 1, 1, 0],
  ["ko_curse_detection", 1, 1, 0],
  ["ko_kmhas", 1, 2, 0],
  ["ko_kocohub_hate", 1, 2, 0],
  ["ko_unsmile", 1, 1, 0],
  ["pl_ban_pl", 1, 1, 0],
  ["ro_fb_ro_offense", 1, 1, 0],
  ["ro_news_ro_offense", 1, 1, 0],
  ["ro_ro_offense", 1, 1, 0],
  ["ru_distorted_toxicity", 1, 1, 0],
  ["ru_russe_detox", 3, 2, 0],
  ["ta_dravidian_offenseval2021", 1, 1, 0],
  ["tr_offenseval2020", 1, 1, 0],
  ["ur_roman_ruhsold", 1, 1, 0],
  ["vi_vihsd", 1, 1, 0],
  ["vi_vihos", 1, 1, 0],
  ["zh_cold", 1, 1, 0],
  ["zh_toxicn", 1, 1, 0]
]

beforeAll(async () => {
  write("seed/ar_lhsab/Dataset/L-HSAB", "Tweet\tClass\nنص عادي عن الطقس اليوم\tnormal\nكلام مسيء جدا\tabusive\nكلام كراهية\thate\n")
  await writeXlsx("seed/ar_mpold/data/Arabic_offensive_comment_detection_annotation_4000_selected.xlsx", [
    ["Id", "Platform", "Comment", "Majority_Label"],
    [1, "Twitter", "تعليق لطيف عن المباراة", "Non-Offensive"],
    [2, "Facebook", "تعليق مسيء للغاية", "Offensive"]
  ])
  write("seed/ar_osact2020/OSACT4/OSACT2020-sharedTask-train.txt", "سطر أول<LF>سطر ثان\tNOT_OFF\tNOT_HS\n")
  write("seed/ar_osact2020/OSACT4/OSACT2020-sharedTask-dev.txt", 'تغريدة "مسيئة\tOFF\tHS\n')
  write("seed/ar_osact2022/data/train_data2022.csv", "Id,Tweet,Offensive,Hate\n1,تغريدة عادية,NOT_OFF,NOT_HS\n")
  write("seed/ar_osact2022/data/dev_data2022.csv", 'Id,Tweet,Offensive,Hate\n2,"تغريدة, مسيئة",OFF,HS\n')
  write("seed/bn_blp25_banglamultihate/data/subtask_1C/blp25_hatespeech_subtask_1C_dev.tsv", "id\ttext\thate_type\n1\tআজ আবহাওয়া ভালো\tNone\n2\tঘৃণার কথা\tPolitical Hate\n")
  write("seed/da_dkhate/oe20da_data/offenseval-da-training-v1.tsv", "id\ttweet\tsubtask_a\n1\tDet er en dejlig dag\tNOT\n2\tDu er en idiot\tOFF\n3\tnoget uden label\tMAYBE\n")
  write("seed/el_offenseval2020_ogtd/offenseval-greek-training-v1.tsv", 'id\ttweet\tsubtask_a\n1\tΚαλημέρα σε όλους\tNOT\n2\t"Είσαι ηλίθιος\tOFF\n')
  await writeXlsx("seed/fa_parsoffensive/ParsOffensive.xlsx", [["comment", "label"], ["سلام دوست من", "Neutral"], ["حرف توهین آمیز", "Offensive"]])
  await writeXlsx("seed/he_olah5000/Datasets/Hebrew/train & test/train_Heb.xlsx", [["text", "label"], ["שבוע טוב לכולם", 0], ["אתה טיפש", 1]])
  write("seed/hi_constraint2021_hostility/Copy of constraint_Hindi_Train - Sheet1.csv", '"आज मौसम अच्छा है",non-hostile\n"नफरत भरा संदेश\nदूसरी पंक्ति","hate,offensive"\n"झूठी खबर",fake\n')
  write("seed/hi_constraint2021_hostility/Copy of Constraint_Hindi_Valid - Sheet1.csv", '"अपमानजनक बात","offensive,defamation"\n')
  write("seed/id_ibrohim_hs_abusive/re_dataset.csv", "Tweet,HS,Abusive\nhari yang cerah,0,0\nkamu bodoh,0,1\nbenci kelompok itu,1,0\n")
  write("seed/it_pejorativity/datasets/pejorative/pejorativity.csv", 'id,text,word,pejorative,misogyny\n1,"Questa salsa è acida",acida,0,0\n2,"Sei proprio una vacca",vacca,1,1\n')
  write("seed/ja_inspection_toxic/data/subset.csv", "id,text,Not Toxic,Hard to Say,Toxic,Very Toxic\n0,今日はいい天気です,3,0,0,0\n1,お前は馬鹿だ,0,0,2,1\n2,どちらとも言えない,1,1,1,0\n")
  write("seed/ko_curse_detection/dataset.txt", "오늘 날씨 좋다 a|b|0\n이 바보야|1\n")
  write("seed/ko_kmhas/data/kmhas_valid.txt", "document\tlabel\n좋은 하루 보내세요\t8\n혐오 표현\t0,1\n욕설\t7\n")
  write("seed/ko_kocohub_hate/labeled/train.tsv", "comments\tcontain_gender_bias\tbias\thate\n멋진 공연이었어요\tFalse\tnone\tnone\n못생겼다\tFalse\tothers\toffensive\n")
  write("seed/ko_kocohub_hate/labeled/dev.tsv", "comments\tcontain_gender_bias\tbias\thate\n혐오 댓글\tTrue\tgender\thate\n")
  const unsmileHeader = "문장\t여성/가족\t남성\t성소수자\t인종/국적\t연령\t지역\t종교\t기타 혐오\t악플/욕설\tclean\t개인지칭\n"
  write("seed/ko_unsmile/unsmile_train_v1.0.tsv", `${unsmileHeader}평범한 문장\t0\t0\t0\t0\t0\t0\t0\t0\t0\t1\t0\n지역 비하\t0\t0\t0\t0\t0\t1\t0\t0\t0\t0\t0\n`)
  write("seed/ko_unsmile/unsmile_valid_v1.0.tsv", `${unsmileHeader}모순된 행\t0\t0\t0\t0\t0\t1\t0\t0\t0\t1\t0\n`)
  await writeZip("seed/pl_ban_pl/data/BAN-PL_2.zip", "BAN-PL.csv", ',id,Text,Class,Reason\n0,1,"\n   Dzień dobry wszystkim   \n",0,1\n1,2,"Jesteś idiotą",1,2\n', "BAN-PL_2")
  write("seed/ro_fb_ro_offense/train.csv", "sender,no_reacts,text,label\n$USER1,0,O zi frumoasa,OTHER\n$USER2,1,Esti un prost,INSULT\n")
  write("seed/ro_news_ro_offense/comments.csv", 'comment_id,reply_to_comment_id,comment_nr,content_id,comment_text,LABEL\n0,,0,0,"Articol bun, multumesc",0\n1,0,1,0,"Taci, prostule",3\n')
  write("seed/ro_ro_offense/train.csv", "id,text,label\n1,meci frumos aseara,OTHER\n2,arbitru hot si prost,ABUSE\n")
  write("seed/ru_distorted_toxicity/toxicity_corpus/russian_distorted_toxicity.tsv", "comment_id\tsource\tcomments\tdistortion\ttoxicity\n1\tx\tХороший день\t0\t0\n2\tx\tТы дурак\t0\t1\n")
  write("seed/ru_russe_detox/data/input/train.tsv", "index\ttoxic_comment\tneutral_comment1\tneutral_comment2\tneutral_comment3\n0\tгрубая фраза\tвежливая фраза\tспокойная фраза\t\n")
  write("seed/ru_russe_detox/data/input/dev.tsv", 'index\ttoxic_comment\tneutral_comment1\tneutral_comment2\tneutral_comment3\n1\t"ещё одна\nгрубость"\tмягко сказано\t\t\n')
  write("seed/ta_dravidian_offenseval2021/Datasets/tamil_offensive_full_dev.csv", "வணக்கம் நண்பர்களே\tNot_offensive\t\nsuper padam da\tOffensive_Untargetede\t\nbonjour à tous\tnot-Tamil\t\n")
  write("seed/tr_offenseval2020/offenseval-tr-training-v1.tsv", "id\ttweet\tsubtask_a\n1\tGünaydın herkese\tNOT\n2\t@USER salak mısın\tOFF\n")
  write("seed/ur_roman_ruhsold/task_1_train.tsv", "aap ka din acha guzre\t1\n")
  write("seed/ur_roman_ruhsold/task_1_validation.tsv", "tu bewakoof hai\t0\n")
  write("seed/vi_vihsd/train.csv", "free_text,label_id\nHôm nay trời đẹp quá,0\n")
  write("seed/vi_vihsd/dev.csv", "free_text,label_id\nđồ ngu,2\n")
  write("seed/vi_vihos/data/Span_Extraction_based_version/train.csv", ',content,index_spans\n0,Bài hát hay quá,[]\n1,thằng ngu,"[0, 1]"\n')
  write("seed/vi_vihos/data/Span_Extraction_based_version/dev.csv", ",content,index_spans\n")
  write("seed/zh_cold/COLDataset/train.csv", "\ufeff,split,topic,label,TEXT\n1,train,race,0,今天天气很好\n")
  write("seed/zh_cold/COLDataset/dev.csv", "\ufeff,split,topic,label,TEXT\n2,dev,region,1,你真是个笨蛋\n")
  write("seed/zh_toxicn/ToxiCN_ex/ToxiCN/data/train.json", JSON.stringify([{ content: "谢谢你的帮助", toxic: 0 }, { content: "滚开", toxic: 1 }]))
  for (const s of udTrainSources) write(s.files[0], "Une phrase tout à fait ordinaire.\n\nA second ordinary sentence.\n")
})

const load = (s: SourceAdapter) => Effect.runPromise(s.load(shared))

describe("multilingual seed sources", () => {
  it("cover every folder once", () => {
    expect(MULTILINGUAL_SOURCES.map((s) => s.name).sort()).toEqual(EXPECTED.map((e) => e[0]).sort())
    expect(new Set(MULTILINGUAL_SOURCES.flatMap((s) => s.files)).size).toBe(MULTILINGUAL_SOURCES.flatMap((s) => s.files).length)
  })

  it.each(EXPECTED)("%s: %i safe, %i unsafe, %i malformed", async (name, safe, unsafe, malformed) => {
    const source = MULTILINGUAL_SOURCES.find((s) => s.name === name)!
    const out = await load(source)
    expect(out.rows.filter((r) => !r.unsafe)).toHaveLength(safe)
    expect(out.rows.filter((r) => r.unsafe)).toHaveLength(unsafe)
    expect(out.malformed).toHaveLength(malformed)
    for (const r of out.rows) {
      expect(r.lang).toBe(name.slice(0, 2))
      expect(r.categories).toEqual(r.unsafe ? ["C9"] : [])
      expect(r.text.trim()).not.toBe("")
    }
    expect((await Effect.runPromise(Effect.either(checkMalformed(name, out, 0.5))))._tag).toBe("Right")
  })

  it("reads each format's quirks", async () => {
    const texts = async (name: string) => (await load(MULTILINGUAL_SOURCES.find((s) => s.name === name)!)).rows.map((r) => [r.text, r.unsafe])
    // OSACT 2020 writes newlines as <LF>, and its bare quotes are text, not quoting.
    expect(await texts("ar_osact2020")).toEqual([["سطر أول\nسطر ثان", false], ['تغريدة "مسيئة', true]])
    // Korean curse lines split on the LAST bar.
    expect(await texts("ko_curse_detection")).toContainEqual(["오늘 날씨 좋다 a|b", false])
    // Roman Urdu labels are inverted: 0 is offensive.
    expect(await texts("ur_roman_ruhsold")).toEqual([["aap ka din acha guzre", false], ["tu bewakoof hai", true]])
    // Hindi: fake / defamation only is excluded; hate with defamation is unsafe.
    expect(await texts("hi_constraint2021_hostility")).toContainEqual(["अपमानजनक बात", true])
    expect((await texts("hi_constraint2021_hostility")).map((t) => t[0])).not.toContain("झूठी खबर")
    // The password-protected zip is opened with its published password.
    expect((await texts("pl_ban_pl")).map((t) => t[0])).toContain("Jesteś idiotą")
    // Japanese: no majority → excluded.
    expect((await texts("ja_inspection_toxic")).map((t) => t[0])).not.toContain("どちらとも言えない")
    // The detox corpus gives one unsafe row and one safe row per paraphrase.
    expect(await texts("ru_russe_detox")).toContainEqual(["ещё одна\nгрубость", true])
  })

  it("names the row and the problem of a label outside the rule", async () => {
    const out = await load(MULTILINGUAL_SOURCES.find((s) => s.name === "da_dkhate")!)
    expect(out.malformed).toEqual([
      { file: "seed/da_dkhate/oe20da_data/offenseval-da-training-v1.tsv", line: 4, reason: 'subtask_a: expected one of "OFF", "NOT", got "MAYBE"' }
    ])
  })

  it("UD train files: every line a safe sentence of the file's language", async () => {
    for (const s of udTrainSources) {
      const out = await load(s)
      expect(out.rows.map((r) => [r.text, r.unsafe, r.lang])).toEqual([
        ["Une phrase tout à fait ordinaire.", false, s.name.slice("ud-train-".length, "ud-train-".length + 2)],
        ["A second ordinary sentence.", false, s.name.slice("ud-train-".length, "ud-train-".length + 2)]
      ])
    }
  })
})
