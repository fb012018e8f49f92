/**
 * The taxonomy shipped with tagfeed, for its home region (Kazakhstan). Pure data. No I/O.
 * Used when KV holds no taxonomy document; default-taxonomy.test.ts validates it with
 * TaxonomySchema.
 *
 * Conventions:
 * - Canonical names as publishers write them: cities, regions and the country in Russian
 *   Cyrillic (`Алматы`, `Алматинская область`); parties as the party writes itself (`AMANAT`,
 *   `Respublica`, `Ак жол`).
 * - Every slug is written out (slugs are stable once assigned: URLs depend on them) and equals
 *   `slugify(name)` at the time of writing; a rename keeps the old slug in `former_slugs`.
 * - Aliases: Kazakh Cyrillic, Latin (official English/Kazakh Latin), former names.
 * - `autotag_exclude`: spellings that are also common words or other names (Семей "of families",
 *   Орал "yelled", Oral, Ауыл "village", Республика "republic", Аманат "trust", Nursultan as a
 *   first name, Гурьев and Джамбул as surname and poet, Акмола also the region, РК also
 *   Korea/Crimea...). They still resolve submitted tags;
 *   context aliases such as `партия Республика` or `город Семей` let autotag find them.
 */
import type { TagTypeDef, Taxonomy, TaxonomyEntry } from "../domain/taxonomy";

interface EntryOptions {
  aliases?: string[];
  former_slugs?: string[];
  autotag_exclude?: string[];
}

function entry(type: string, name: string, slug: string, options: EntryOptions = {}): TaxonomyEntry {
  const result: TaxonomyEntry = {
    type,
    name,
    slug,
    aliases: options.aliases ?? [],
    former_slugs: options.former_slugs ?? [],
  };
  if (options.autotag_exclude) result.autotag_exclude = options.autotag_exclude;
  return result;
}

const party = (name: string, slug: string, options?: EntryOptions) => entry("party", name, slug, options);
const city = (name: string, slug: string, options?: EntryOptions) => entry("city", name, slug, options);
const region = (name: string, slug: string, options?: EntryOptions) => entry("region", name, slug, options);
const country = (name: string, slug: string, options?: EntryOptions) => entry("country", name, slug, options);

/** Order matters: a bare string two types claim goes to the type listed first. */
const TYPES: TagTypeDef[] = [
  { type: "party", label: "Parties", autotag: true },
  { type: "city", label: "Cities", autotag: true },
  { type: "region", label: "Regions", autotag: true },
  { type: "country", label: "Countries", autotag: true },
  { type: "person", label: "People", autotag: true },
  { type: "org", label: "Organizations", autotag: true },
  // Topics and sections are too generic to find by word in text; they come from publishers.
  { type: "topic", label: "Topics", autotag: false },
  { type: "section", label: "Sections", autotag: false },
];

/** The parties in the Mazhilis after the 2023 election. */
const PARTIES: TaxonomyEntry[] = [
  party("AMANAT", "amanat", {
    aliases: [
      "Amanat", "Аманат", "партия Аманат", "Аманат партиясы",
      "Nur Otan", "Нур Отан", "Нұр Отан", "Нуротан", "Нұр Отан партиясы",
    ],
    autotag_exclude: ["Аманат"],
  }),
  party("Ак жол", "ak-zhol", {
    aliases: ["Ақ жол", "Ak Zhol", "Akzhol", "Ақ жол партиясы", "Демократическая партия Ак жол"],
    autotag_exclude: ["Ақ жол"],
  }),
  party("Народная партия Казахстана", "narodnaya-partiya-kazakhstana", {
    aliases: [
      "People's Party of Kazakhstan", "Қазақстан Халық партиясы", "QHP", "НПК", "Народная партия",
      "Коммунистическая народная партия Казахстана", "КНПК", "Communist People's Party of Kazakhstan",
    ],
    autotag_exclude: ["НПК", "Народная партия"],
  }),
  party("Ауыл", "auyl", {
    aliases: [
      "Auyl", "партия Ауыл", "Ауыл партиясы",
      "Народно-демократическая патриотическая партия Ауыл", "Auyl party",
    ],
    autotag_exclude: ["Ауыл"],
  }),
  party("Respublica", "respublica", {
    aliases: ["Республика", "партия Республика", "Respublica партиясы"],
    autotag_exclude: ["Республика"],
  }),
  party("ОСДП", "osdp", {
    aliases: [
      "Общенациональная социал-демократическая партия", "ЖСДП", "OSDP", "NSDP",
      "Жалпыұлттық социал-демократиялық партия", "National Social Democratic Party",
    ],
  }),
];

/** Cities of republican significance and regional centres, plus a few large towns. */
const CITIES: TaxonomyEntry[] = [
  city("Алматы", "almaty", { aliases: ["Almaty", "Алма-Ата", "Alma-Ata", "Almaty city"] }),
  city("Астана", "astana", {
    aliases: [
      "Astana", "Нур-Султан", "Nur-Sultan", "Nursultan", "Нурсултан", "Нұр-Сұлтан",
      "Акмола", "Akmola", "Ақмола", "Целиноград", "Tselinograd", "Акмолинск", "Akmolinsk",
    ],
    former_slugs: ["nur-sultan"],
    autotag_exclude: ["Nursultan", "Нурсултан", "Акмола", "Akmola", "Ақмола"],
  }),
  city("Шымкент", "shymkent", { aliases: ["Shymkent", "Чимкент", "Chimkent"] }),
  city("Караганда", "karaganda", { aliases: ["Karaganda", "Qaraghandy", "Қарағанды", "Караганды", "Karagandy"] }),
  city("Актобе", "aktobe", { aliases: ["Aktobe", "Ақтөбе", "Aqtobe", "Актюбинск", "Aktyubinsk"] }),
  city("Тараз", "taraz", {
    aliases: ["Taraz", "Джамбул", "Dzhambul", "Аулие-Ата", "Әулиеата"],
    autotag_exclude: ["Джамбул"], // also the poet Джамбул Джабаев
  }),
  city("Павлодар", "pavlodar", { aliases: ["Pavlodar"] }),
  city("Усть-Каменогорск", "ust-kamenogorsk", { aliases: ["Öskemen", "Oskemen", "Өскемен", "Ust-Kamenogorsk"] }),
  city("Семей", "semey", {
    aliases: ["Semey", "Семипалатинск", "Semipalatinsk", "город Семей"],
    autotag_exclude: ["Семей"],
  }),
  city("Атырау", "atyrau", {
    aliases: ["Atyrau", "Гурьев", "Guryev"],
    autotag_exclude: ["Гурьев", "Guryev"], // also a common surname
  }),
  city("Костанай", "kostanay", { aliases: ["Kostanay", "Қостанай", "Qostanay", "Кустанай", "Kustanay"] }),
  city("Кызылорда", "kyzylorda", { aliases: ["Kyzylorda", "Қызылорда", "Qyzylorda"] }),
  city("Уральск", "uralsk", { aliases: ["Uralsk", "Орал", "Oral", "город Орал"], autotag_exclude: ["Орал", "Oral"] }),
  city("Петропавловск", "petropavlovsk", { aliases: ["Petropavl", "Петропавл", "Petropavlovsk", "Қызылжар"] }),
  city("Актау", "aktau", { aliases: ["Aktau", "Ақтау", "Aqtau"] }),
  city("Туркестан", "turkestan", { aliases: ["Turkestan", "Turkistan", "Түркістан"] }),
  city("Кокшетау", "kokshetau", { aliases: ["Kokshetau", "Көкшетау", "Кокчетав"] }),
  city("Талдыкорган", "taldykorgan", { aliases: ["Taldykorgan", "Талдықорған", "Taldyqorgan"] }),
  city("Экибастуз", "ekibastuz", { aliases: ["Ekibastuz", "Екібастұз"] }),
  city("Темиртау", "temirtau", { aliases: ["Temirtau", "Теміртау"] }),
  city("Конаев", "konaev", {
    aliases: ["Konaev", "Qonaev", "Қонаев", "Капшагай", "Kapshagay", "Қапшағай"],
    autotag_exclude: ["Қонаев"],
  }),
  city("Жезказган", "zhezkazgan", { aliases: ["Zhezkazgan", "Жезқазған", "Jezqazgan"] }),
];

/** The 17 regions (oblys/область) since 2022. */
const REGIONS: TaxonomyEntry[] = [
  region("Абайская область", "abayskaya-oblast", { aliases: ["область Абай", "Абай облысы", "Abai Region", "Abay Region"] }),
  region("Акмолинская область", "akmolinskaya-oblast", { aliases: ["Ақмола облысы", "Akmola Region"] }),
  region("Актюбинская область", "aktyubinskaya-oblast", { aliases: ["Ақтөбе облысы", "Aktobe Region"] }),
  region("Алматинская область", "almatinskaya-oblast", { aliases: ["Алматы облысы", "Almaty Region"] }),
  region("Атырауская область", "atyrauskaya-oblast", { aliases: ["Атырау облысы", "Atyrau Region"] }),
  region("Восточно-Казахстанская область", "vostochno-kazakhstanskaya-oblast", {
    aliases: ["ВКО", "Шығыс Қазақстан облысы", "East Kazakhstan Region"],
  }),
  region("Жамбылская область", "zhambylskaya-oblast", { aliases: ["Жамбыл облысы", "Jambyl Region", "Zhambyl Region"] }),
  region("Жетысуская область", "zhetysuskaya-oblast", {
    aliases: ["область Жетісу", "область Жетысу", "Жетісу облысы", "Jetisu Region", "Zhetysu Region"],
  }),
  region("Западно-Казахстанская область", "zapadno-kazakhstanskaya-oblast", {
    aliases: ["ЗКО", "Батыс Қазақстан облысы", "West Kazakhstan Region"],
  }),
  region("Карагандинская область", "karagandinskaya-oblast", { aliases: ["Қарағанды облысы", "Karaganda Region"] }),
  region("Костанайская область", "kostanayskaya-oblast", { aliases: ["Қостанай облысы", "Kostanay Region"] }),
  region("Кызылординская область", "kyzylordinskaya-oblast", { aliases: ["Қызылорда облысы", "Kyzylorda Region"] }),
  region("Мангистауская область", "mangistauskaya-oblast", {
    aliases: ["Мангыстауская область", "Маңғыстау облысы", "Mangystau Region"],
  }),
  region("Павлодарская область", "pavlodarskaya-oblast", { aliases: ["Павлодар облысы", "Pavlodar Region"] }),
  region("Северо-Казахстанская область", "severo-kazakhstanskaya-oblast", {
    aliases: ["СКО", "Солтүстік Қазақстан облысы", "North Kazakhstan Region"],
  }),
  region("Туркестанская область", "turkestanskaya-oblast", {
    // Named Южно-Казахстанская until 2018, when Shymkent was split off.
    aliases: ["Түркістан облысы", "Turkistan Region", "Turkestan Region", "Южно-Казахстанская область", "ЮКО", "South Kazakhstan Region"],
    former_slugs: ["yuzhno-kazakhstanskaya-oblast"],
  }),
  region("Улытауская область", "ulytauskaya-oblast", {
    aliases: ["область Ұлытау", "область Улытау", "Ұлытау облысы", "Ulytau Region"],
  }),
];

const COUNTRIES: TaxonomyEntry[] = [
  country("Казахстан", "kazakhstan", {
    aliases: [
      "Kazakhstan", "Қазақстан", "Qazaqstan", "Republic of Kazakhstan", "Республика Казахстан",
      "Қазақстан Республикасы", "РК",
    ],
    autotag_exclude: ["РК"],
  }),
];

export const DEFAULT_TAXONOMY: Taxonomy = {
  version: 1,
  types: TYPES,
  entries: [...PARTIES, ...CITIES, ...REGIONS, ...COUNTRIES],
};
