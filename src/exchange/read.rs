//! Reading a CSV file as Excel and cities write them: its encoding, its header (matched
//! exactly, with near misses reported), its rows by line, and a 公共施設一覧 row read as
//! a venue.

use std::collections::HashMap;

use super::{cells, Said};
use crate::{
    city::CityProfile,
    domain::{self, Problem},
    server::download::read_back,
    venues::{field as venue, Ward},
};

/// The text of a file: UTF-8 (with or without a byte-order mark) if it is valid UTF-8,
/// else Shift_JIS as Excel for Japanese Windows saves CSV.
pub fn decode(bytes: &[u8]) -> Result<String, Problem> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_string());
    }
    encoding_rs::SHIFT_JIS
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|text| text.into_owned())
        .ok_or(Problem::new("exchange.error.encoding"))
}

/// The data rows of a file with their line numbers.
pub struct Table {
    /// Column name → index; a name that repeats keeps its first column (the 公共施設一覧
    /// has repeated names).
    pub columns: HashMap<String, usize>,
    pub rows: Vec<(u64, csv::StringRecord)>,
    /// Lines that cannot be read as rows of this header, and why.
    pub unreadable: Vec<(u64, Problem)>,
    /// Headers that are almost a known column, and other things the clerk should know.
    pub notices: Vec<Said>,
}

impl Table {
    pub fn has(&self, column: &str) -> bool {
        self.columns.contains_key(column)
    }

    /// A cell by column name, as it was before an export made it safe for Excel; `None`
    /// when the file has no such column.
    pub fn cell<'a>(&self, record: &'a csv::StringRecord, column: &str) -> Option<&'a str> {
        self.columns.get(column).map(|i| record.get(*i).map(read_back).unwrap_or(""))
    }
}

/// Line numbers of records, counted as the reader moves forward (once over the text, not
/// from the start for every record). The reader's own line count is off by one after a
/// CRLF (as Excel writes), so a record's line is counted from its first byte past any
/// line breaks.
struct Lines<'a> {
    bytes: &'a [u8],
    at: usize,
    line: u64,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Lines { bytes: text.as_bytes(), at: 0, line: 1 }
    }

    /// The line of the record starting at `position` (records come in order).
    fn of(&mut self, position: Option<&csv::Position>) -> u64 {
        let Some(position) = position else { return 0 };
        let mut start = (position.byte() as usize).min(self.bytes.len());
        while start < self.bytes.len() && matches!(self.bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        let start = start.max(self.at);
        self.line += self.bytes[self.at..start].iter().filter(|b| **b == b'\n').count() as u64;
        self.at = start;
        self.line
    }
}

/// A known column this header is probably meant to be: the same letters in another case
/// or width (`Name`, `ＩＤ`, `名称_ｶﾅ`), or, for ASCII names, at most two letters off
/// (`adress`, `venue id`). Japanese names are not compared by spelling: the 公共施設一覧
/// has many columns a letter apart (名称_カナ, 名称_英字).
fn near_miss<'a>(header: &str, known: &[&'a str]) -> Option<&'a str> {
    let plain = domain::match_key(header).replace('-', "_");
    known.iter().copied().find(|k| {
        let k_plain = domain::match_key(k);
        plain == k_plain
            || (plain.is_ascii()
                && k.is_ascii()
                && (plain.replace('_', "") == k.replace('_', "")
                    || (k.len() > 3 && strsim::levenshtein(&plain, k) <= 2)))
    })
}

/// Reads the header and rows. Headers are matched exactly (after trimming): `ID` is not
/// `id`. A header that is almost a known column is reported; a missing required column
/// refuses the file, naming the near miss if there is one.
pub fn read_table(text: &str, known: &[&str], required: &[&str]) -> Result<Table, Problem> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let header = reader.headers().map_err(|_| Problem::new("exchange.error.empty"))?.clone();
    if header.iter().all(|h| h.trim().trim_start_matches('\u{feff}').is_empty()) {
        return Err(Problem::new("exchange.error.empty"));
    }
    let mut columns = HashMap::new();
    let mut notices = Vec::new();
    let mut near: HashMap<&str, String> = HashMap::new();
    for (i, name) in header.iter().enumerate() {
        let name = name.trim().trim_start_matches('\u{feff}');
        columns.entry(name.to_string()).or_insert(i);
        if known.contains(&name) || name.is_empty() {
            continue;
        }
        if let Some(meant) = near_miss(name, known) {
            let key = if meant == "id" { "exchange.notice.id_column" } else { "exchange.notice.near_header" };
            notices.push(Said::new(key).with("header", name).with("column", meant));
            near.entry(meant).or_insert_with(|| name.to_string());
        }
    }
    let missing: Vec<String> = required
        .iter()
        .filter(|c| !columns.contains_key(**c))
        .map(|c| match near.get(c) {
            Some(found) => format!("{c} (「{found}」?)"),
            None => c.to_string(),
        })
        .collect();
    if !missing.is_empty() {
        return Err(Problem::new("exchange.error.missing_columns").with("columns", missing.join(", ")));
    }
    let (mut rows, mut unreadable, mut lines) = (Vec::new(), Vec::new(), Lines::new(text));
    for record in reader.records() {
        match record {
            Ok(r) if r.iter().all(str::is_empty) => {}
            // A row with more or fewer cells than the header has its cells in the wrong
            // columns (an unquoted comma): refused, never read shifted.
            Ok(r) if r.len() != header.len() => {
                let problem =
                    Problem::new("exchange.error.cell_count").with("found", r.len()).with("expected", header.len());
                unreadable.push((lines.of(r.position()), problem));
            }
            Ok(r) => rows.push((lines.of(r.position()), r)),
            Err(e) => unreadable.push((lines.of(e.position()), Problem::new("exchange.error.csv_syntax"))),
        }
    }
    if rows.is_empty() && unreadable.is_empty() {
        return Err(Problem::new("exchange.error.empty"));
    }
    Ok(Table { columns, rows, unreadable, notices })
}

/// The 公共施設一覧 columns this import reads (自治体標準オープンデータセット; names as
/// published, see SPEC.md). `FACILITY_REQUIRED` must be there.
pub const FACILITY_COLUMNS: &[&str] = &[
    "全国地方公共団体コード",
    "ID",
    "地方公共団体名",
    "名称",
    "名称_カナ",
    "名称_通称",
    "所在地_全国地方公共団体コード",
    "所在地_連結表記",
    "所在地_都道府県",
    "所在地_市区町村",
    "所在地_町字",
    "所在地_番地以下",
    "建物名等（方書）",
    "緯度",
    "経度",
    "電話番号",
    "利用可能曜日",
    "開始時間",
    "終了時間",
    "利用可能時間特記事項",
    "車椅子可",
    "バリアフリートイレ",
    STEP_FREE_COLUMN,
    "優先駐車場",
];
pub const FACILITY_REQUIRED: &[&str] = &["名称"];
const STEP_FREE_COLUMN: &str = "スロープ、エレベータ、エスカレータ";

/// The facility list's column each venue field is read from (for messages by column).
pub fn facility_column(venue_field: &str) -> &'static str {
    match venue_field {
        venue::NAME => "名称",
        venue::NAME_KANA => "名称_カナ",
        venue::ADDRESS => "所在地_連結表記",
        venue::WARD => "所在地_町字",
        venue::PHONE => "電話番号",
        venue::HOURS => "利用可能時間特記事項",
        venue::LATITUDE => "緯度",
        venue::LONGITUDE => "経度",
        venue::WHEELCHAIR => "車椅子可",
        venue::STEP_FREE => STEP_FREE_COLUMN,
        venue::ACCESSIBLE_TOILET => "バリアフリートイレ",
        venue::PRIORITY_PARKING => "優先駐車場",
        _ => "",
    }
}

/// A facility-list row read as a venue's columns, or why it is left out.
pub enum Facility {
    /// Venue column → value, for the columns the file gives.
    Venue(HashMap<&'static str, String>),
    LeftOut(Said),
}

/// Reads one 公共施設一覧 row. Rows of another body (another 全国地方公共団体コード or
/// another city in 所在地_市区町村) and, with a `facility_type`, rows whose 名称 (or
/// 名称_通称) does not contain it are left out. The ward is the one 所在地_町字 (or the
/// address after the city's name) begins with.
pub fn facility(
    table: &Table,
    record: &csv::StringRecord,
    city: &CityProfile,
    wards: &[Ward],
    facility_type: &str,
) -> Facility {
    let get = |column: &str| table.cell(record, column).unwrap_or("").trim().to_string();
    let body = get("地方公共団体名");
    let municipality = get("所在地_市区町村");
    if is_elsewhere(
        city,
        wards,
        &[get("全国地方公共団体コード"), get("所在地_全国地方公共団体コード")],
        &body,
        &municipality,
    ) {
        let name = [body, municipality].into_iter().find(|v| !v.is_empty()).unwrap_or_default();
        return Facility::LeftOut(Said::new("exchange.left_out.other_body").with("body", name));
    }
    let name = get("名称");
    let wanted = domain::match_key(facility_type);
    if !wanted.is_empty() && ![&name, &get("名称_通称")].iter().any(|n| domain::match_key(n).contains(&wanted)) {
        return Facility::LeftOut(Said::new("exchange.left_out.type").with("type", facility_type));
    }
    let joined = [get("所在地_都道府県"), municipality.clone(), get("所在地_町字"), get("所在地_番地以下")].concat();
    let mut address = [get("所在地_連結表記"), joined].into_iter().find(|a| !a.is_empty()).unwrap_or_default();
    let building = get("建物名等（方書）");
    if !building.is_empty() && !address.contains(&building) {
        address = format!("{address} {building}");
    }
    // The ward: 所在地_町字 begins with it (若松区ひびきの北), or 所在地_市区町村 names it
    // after the city (北九州市若松区), or the address does after prefecture and city.
    let after_city = |text: &str| {
        let text = text.trim_start_matches(get("所在地_都道府県").as_str());
        city.without_city(text).to_string()
    };
    let places = [get("所在地_町字"), after_city(&municipality), after_city(&address)];
    let ward = places
        .iter()
        .find_map(|place| {
            let place = domain::match_key(place);
            wards.iter().find(|w| !w.name_ja.is_empty() && place.starts_with(&domain::match_key(&w.name_ja)))
        })
        .map(|w| w.code.clone())
        .unwrap_or_else(|| places.into_iter().find(|p| !p.is_empty()).unwrap_or_default());
    let hours = {
        let span =
            [get("開始時間"), get("終了時間")].into_iter().filter(|t| !t.is_empty()).collect::<Vec<_>>().join("〜");
        [get("利用可能曜日"), span, get("利用可能時間特記事項")]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut venue_cells =
        HashMap::from([(venue::NAME, name), (venue::ADDRESS, address), (venue::WARD, ward), (venue::HOURS, hours)]);
    for field in [
        venue::NAME_KANA,
        venue::PHONE,
        venue::LATITUDE,
        venue::LONGITUDE,
        venue::WHEELCHAIR,
        venue::STEP_FREE,
        venue::ACCESSIBLE_TOILET,
        venue::PRIORITY_PARKING,
    ] {
        if table.has(facility_column(field)) {
            venue_cells.insert(field, get(facility_column(field)));
        }
    }
    Facility::Venue(venue_cells)
}

/// Whether a 全国地方公共団体コード as published names the body `ours` (six digits). Excel
/// drops a leading zero (011002 → 11002) and some lists leave out the check digit
/// (40100): the first five digits name the body, however the cell lost its others.
/// `None` when the cell holds no code.
fn same_body(cell: &str, ours: &str) -> Option<bool> {
    let digits = domain::ascii_number(cell);
    if digits.is_empty() || digits.len() > 6 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let body = &ours[..5.min(ours.len())];
    let readings = [format!("{digits:0>6}"), format!("{digits:0>5}")];
    Some(readings.iter().any(|r| r.len() >= 5 && &r[..5] == body))
}

/// Whether a facility-list row belongs to another body. The names decide when they say
/// something — 地方公共団体名 or 所在地_市区町村 naming the city, or one of its wards, is
/// the city's own — and the codes when the names are silent: a designated city's ward
/// (401013 門司区) publishes under its own code, which is not the city's.
fn is_elsewhere(city: &CityProfile, wards: &[Ward], codes: &[String], body: &str, municipality: &str) -> bool {
    let city_key = domain::match_key(&city.name);
    let names_city = |v: &str| {
        let key = domain::match_key(v);
        (!city_key.is_empty() && key.contains(&city_key))
            || wards.iter().any(|w| !w.name_ja.is_empty() && key.starts_with(&domain::match_key(&w.name_ja)))
    };
    let named: Vec<&str> = [body, municipality].into_iter().filter(|v| !v.is_empty()).collect();
    if !named.is_empty() && !city_key.is_empty() {
        return !named.iter().any(|v| names_city(v));
    }
    if city.lg_code.len() != 6 {
        return false;
    }
    let said: Vec<bool> = codes.iter().filter_map(|c| same_body(c, &city.lg_code)).collect();
    !said.is_empty() && !said.contains(&true)
}

/// The value a venue column keeps when the file does not give it: the stored venue's.
pub fn stored_cell(stored: &crate::venues::Venue, column: &str) -> String {
    let columns = super::ImportKind::Venues.columns();
    let at = columns.iter().position(|c| *c == column);
    at.map(|i| cells::venue(stored)[i].clone()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_or_without_bom_and_shift_jis_decode_alike() {
        let text = "name,ward\n門司市民センター,門司区\n";
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(text);
        assert_eq!(decode(text.as_bytes()).unwrap(), text);
        assert_eq!(decode(&[b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat()).unwrap(), text);
        assert_eq!(decode(&sjis).unwrap(), text);
        assert_eq!(decode(b"\x82").unwrap_err().key, "exchange.error.encoding");
    }

    #[test]
    fn rows_are_numbered_by_their_line_in_the_file() {
        let known = ["name", "kind", "ward", "address"];
        for text in
            ["name,kind,ward,address\n1,2,3,4\n\n5,6,7,8\n", "name,kind,ward,address\r\n1,2,3,4\r\n\r\n5,6,7,8\r\n"]
        {
            let table = read_table(text, &known, &known).unwrap();
            let lines: Vec<u64> = table.rows.iter().map(|(line, _)| *line).collect();
            assert_eq!(lines, vec![2, 4], "{text:?}");
        }
    }

    #[test]
    fn rows_with_shifted_cells_are_refused() {
        let table = read_table("name,address\nA,x\nB,y,z\nC\n", &["name", "address"], &["name"]).unwrap();
        assert_eq!(table.rows.len(), 1);
        let refused: Vec<(u64, &str)> = table.unreadable.iter().map(|(l, p)| (*l, p.key)).collect();
        assert_eq!(refused, vec![(3, "exchange.error.cell_count"), (4, "exchange.error.cell_count")]);
    }

    #[test]
    fn the_city_knows_its_own_facilities() {
        let city = CityProfile { name: "北九州市".into(), lg_code: "401005".into(), ..Default::default() };
        let wards = vec![Ward { code: "moji".into(), name_ja: "門司区".into(), name_en: "Moji".into() }];
        let codes = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(!is_elsewhere(&city, &wards, &codes(&["401013"]), "", "北九州市門司区"), "a ward's own code");
        assert!(!is_elsewhere(&city, &wards, &codes(&[""]), "", "門司区"), "the ward alone");
        assert!(!is_elsewhere(&city, &wards, &codes(&["40100"]), "", ""), "no check digit");
        assert!(is_elsewhere(&city, &wards, &codes(&["401307"]), "福岡県福岡市", "福岡市中央区"));
        assert!(is_elsewhere(&city, &wards, &codes(&["401307"]), "", ""));
        let sapporo = CityProfile { lg_code: "011002".into(), ..Default::default() };
        assert!(!is_elsewhere(&sapporo, &[], &codes(&["11002"]), "", ""), "Excel dropped the zero");
    }

    #[test]
    fn only_an_exact_header_binds_and_near_misses_are_reported() {
        let known = ["id", "name", "address"];
        let table = read_table("ID,name,Adress,address\n1,a,b,c\n", &known, &["name"]).unwrap();
        assert_eq!(read_table("\u{feff}", &known, &["name"]).err().unwrap().key, "exchange.error.empty");
        assert!(!table.has("id"));
        let keys: Vec<(&str, &str)> = table.notices.iter().map(|n| (n.key.as_str(), n.args[0].1.as_str())).collect();
        assert_eq!(keys, vec![("exchange.notice.id_column", "ID"), ("exchange.notice.near_header", "Adress")]);
        let refused = read_table("Name,address\nx,y\n", &known, &["name"]).err().unwrap();
        assert!(refused.args[0].1.contains("name (「Name」?)"), "{refused:?}");
    }
}
