//! Planning an import and writing it.
//!
//! Every row is checked by the same rules as the forms. Then each good row is matched
//! with what is stored: by its `id` (only a column named exactly `id`; wards by `code`),
//! else by the same place — venues and partner shops by name and address compared
//! after normalisation (`domain::match_key`), sessions by venue, title and meetings. A
//! matched row becomes an update (field by field, old → new) or "no change"; columns a
//! file leaves out keep their stored values. Importing the same file twice therefore
//! creates nothing the second time, and nothing is written before the plan is seen.

use std::collections::HashMap;

use chrono::{NaiveTime, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use super::ImportKind;
use super::{
    cells, export,
    read::{self, Facility, Table},
    FileFormat, Said,
};
use crate::{
    city::{self, wards::CheckedWard, CityProfile},
    domain::{self, Carrier, FieldErrors, Problem, SessionKind, Topic, VenueKind},
    i18n::Lang,
    partners::{self, store::CheckedPartner, Partner, PartnerInput},
    policy::Viewer,
    server::{
        audit,
        error::{AppError, AppResult},
        state::AppState,
    },
    sessions::{
        self,
        store::{Draft, Span},
        SessionInput,
    },
    time::from_tokyo,
    venues::{self, store::CheckedVenue, Venue, VenueInput, Ward},
};

/// What to import and how the file is laid out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOptions {
    pub kind: ImportKind,
    pub format: FileFormat,
    /// Facility list only: keep the rows whose 名称 (or 名称_通称) contains this, e.g.
    /// 市民センター; new venues get the kind of that name (else 「その他」).
    pub facility_type: String,
    /// Write the good rows even when some are bad (those are reported and left out).
    pub skip_bad_rows: bool,
}

/// What is wrong with one cell: its column (as the file names it), the value found,
/// the problem, and the values that would be accepted where they are few.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellProblem {
    pub column: String,
    pub value: String,
    pub problem: Said,
    pub accepted: Vec<String>,
}

impl CellProblem {
    /// 「ward」の「港区」：選択肢から選んでください。使えるのは：門司区 (moji)、…
    pub fn message(&self, lang: Lang) -> String {
        let message = self.problem.text(lang);
        let mut text = if self.value.is_empty() {
            lang.tr_with("exchange.problem", &[("column", self.column.clone()), ("message", message)])
        } else {
            lang.tr_with(
                "exchange.problem_value",
                &[("column", self.column.clone()), ("value", self.value.clone()), ("message", message)],
            )
        };
        if !self.accepted.is_empty() {
            let separator = if lang == Lang::Ja { "、" } else { ", " };
            text.push_str(&lang.tr_with("exchange.accepted", &[("values", self.accepted.join(separator))]));
        }
        text
    }
}

/// A row that cannot be imported: its line in the file and what is wrong, by column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BadRow {
    pub line: u64,
    pub problems: Vec<CellProblem>,
}

impl BadRow {
    /// "4行目：「ward」の「港区」：選択肢から選んでください。…"
    pub fn message(&self, lang: Lang) -> String {
        let problems: Vec<String> = self.problems.iter().map(|p| p.message(lang)).collect();
        lang.tr_with("exchange.bad_row", &[("line", self.line.to_string()), ("problems", problems.join(" "))])
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    Create,
    Update,
    Unchanged,
}

/// How a row found the stored record it updates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MatchedBy {
    Id,
    /// The same name and address (venues, partner shops).
    Place,
    /// The same venue, title and meetings (sessions).
    Schedule,
    /// The same code (wards).
    Code,
}

/// One field an update changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub column: String,
    pub old: String,
    pub new: String,
}

/// What one good row will do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Planned {
    pub line: u64,
    /// The record's name (a session's title).
    pub label: String,
    pub action: Action,
    /// The stored record it updates (or leaves as it is).
    pub id: Option<String>,
    pub matched_by: Option<MatchedBy>,
    pub changes: Vec<Change>,
    /// The update changes the record's name: shown as such, and written only when the
    /// clerk confirms it.
    pub renamed: bool,
}

/// A row the file has that this import is not about (another body's facility, another
/// facility type).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeftOut {
    pub line: u64,
    pub reason: Said,
}

/// The plan of an import, and after `apply`, what it did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub options: ImportOptions,
    /// Data rows read (blank rows are not counted).
    pub rows: usize,
    pub planned: Vec<Planned>,
    pub bad_rows: Vec<BadRow>,
    pub left_out: Vec<LeftOut>,
    /// Headers that are almost a known column, and the like.
    pub notices: Vec<Said>,
    /// False until written; stays false when bad rows (not skipped) stopped it.
    pub applied: bool,
}

impl ImportReport {
    fn count(&self, action: Action) -> usize {
        self.planned.iter().filter(|p| p.action == action).count()
    }

    pub fn created(&self) -> usize {
        self.count(Action::Create)
    }

    pub fn updated(&self) -> usize {
        self.count(Action::Update)
    }

    pub fn unchanged(&self) -> usize {
        self.count(Action::Unchanged)
    }

    pub fn renames(&self) -> usize {
        self.planned.iter().filter(|p| p.renamed).count()
    }

    /// Whether writing may go ahead: no bad rows, or skipping them was asked for.
    pub fn writable(&self) -> bool {
        self.bad_rows.is_empty() || self.options.skip_bad_rows
    }

    /// A fingerprint of what the plan would do: the confirmation of a preview writes
    /// only if the plan made again has the same one.
    pub fn fingerprint(&self) -> String {
        let what = serde_json::to_vec(&(&self.options, &self.planned, &self.bad_rows, &self.left_out))
            .expect("a report serialises");
        hex::encode(Sha256::digest(what))
    }

    /// The counts in one line: 新規 2件、変更 1件、変更なし 5件、対象外 1行、問題のある行 0行.
    pub fn summary(&self, lang: Lang) -> String {
        lang.tr_with(
            "exchange.summary",
            &[
                ("kind", self.options.kind.label(lang)),
                ("created", self.created().to_string()),
                ("updated", self.updated().to_string()),
                ("unchanged", self.unchanged().to_string()),
                ("left_out", self.left_out.len().to_string()),
                ("bad", self.bad_rows.len().to_string()),
            ],
        )
    }

    /// The plan line by line, as the command line prints it: each new record, each
    /// change with old → new, each row left out and each notice (bad rows are printed
    /// apart, to standard error).
    pub fn lines(&self, lang: Lang) -> Vec<String> {
        let mut lines: Vec<String> = self.notices.iter().map(|n| n.text(lang)).collect();
        for p in self.planned.iter().filter(|p| p.action != Action::Unchanged) {
            lines.push(p.describe(lang));
            for c in &p.changes {
                lines.push(format!("    {}", c.describe(lang)));
            }
        }
        for l in &self.left_out {
            lines.push(
                lang.tr_with(
                    "exchange.left_out_line",
                    &[("line", l.line.to_string()), ("reason", l.reason.text(lang))],
                ),
            );
        }
        lines
    }
}

impl Planned {
    /// 「5行目：新規「門司市民センター」」 or 「6行目：変更 id 3「…」（名前と住所が同じ）」.
    pub fn describe(&self, lang: Lang) -> String {
        let action = match self.action {
            Action::Create => lang.tr("exchange.action.create"),
            Action::Update => lang.tr("exchange.action.update"),
            Action::Unchanged => lang.tr("exchange.action.unchanged"),
        };
        let matched = self.matched_by.map(|m| lang.tr(&format!("exchange.matched.{m:?}").to_lowercase()));
        let mut text = lang.tr_with(
            "exchange.planned_line",
            &[
                ("line", self.line.to_string()),
                ("action", action),
                ("label", self.label.clone()),
                ("id", self.id.clone().unwrap_or_default()),
            ],
        );
        if let Some(m) = matched {
            text.push_str(&format!("（{m}）"));
        }
        if self.renamed {
            text.push(' ');
            text.push_str(&lang.tr("exchange.renamed"));
        }
        text
    }
}

impl Change {
    pub fn describe(&self, lang: Lang) -> String {
        lang.tr_with(
            "exchange.change_line",
            &[("column", self.column.clone()), ("old", self.old.clone()), ("new", self.new.clone())],
        )
    }
}

/// A checked row, ready to write.
enum Write {
    Venue(CheckedVenue),
    Session(Box<Draft>),
    Partner(CheckedPartner),
    Ward(CheckedWard),
}

/// A planned import: the report and, for each planned row, what to write.
pub struct Plan {
    pub report: ImportReport,
    writes: Vec<Write>,
}

/// What the checks need from the database, read once per file.
struct Context {
    city: CityProfile,
    wards: Vec<(Ward, i32)>,
    venues: Vec<Venue>,
    partners: Vec<Partner>,
    sessions: Vec<(i64, Draft)>,
}

impl Context {
    async fn load(state: &AppState, kind: ImportKind) -> AppResult<Context> {
        let db = &state.db;
        Ok(Context {
            city: city::store::get(db).await?,
            wards: export::stored_wards(db).await?,
            venues: venues::store::list(db).await?,
            partners: if kind == ImportKind::Partners { partners::store::list(db).await? } else { Vec::new() },
            sessions: if kind == ImportKind::Sessions { export::stored_sessions(db).await? } else { Vec::new() },
        })
    }

    fn ward_list(&self) -> Vec<Ward> {
        self.wards.iter().map(|(w, _)| w.clone()).collect()
    }

    /// A ward by its code, its Japanese or English name, with or without the city's
    /// name in front (門司区, 北九州市門司区, Moji); anything else is left for the check
    /// to refuse.
    fn ward_code(&self, cell: &str) -> String {
        let plain = self.city.without_city(cell.trim());
        let key = domain::match_key(plain);
        self.wards
            .iter()
            .map(|(w, _)| w)
            .find(|w| {
                w.code == plain || [&w.name_ja, &w.name_en].iter().any(|n| !n.is_empty() && domain::match_key(n) == key)
            })
            .map_or_else(|| cell.trim().to_string(), |w| w.code.clone())
    }

    /// The wards as a refusal lists them: 門司区 (moji).
    fn ward_choices(&self) -> Vec<String> {
        self.wards.iter().map(|(w, _)| format!("{} ({})", w.name_ja, w.code)).collect()
    }

    /// A session's venue by its id, its exact name, or the same name after
    /// normalisation. A name that fits several venues, or none, is refused with the
    /// candidates listed.
    fn venue_id(&self, cell: &str) -> Result<i64, (Problem, Vec<String>)> {
        let cell = cell.trim();
        if cell.is_empty() {
            return Err((Problem::new("error.required"), Vec::new()));
        }
        let named = |v: &Venue| format!("{} (id {})", v.name, v.id);
        if let Ok(id) = domain::number(cell) {
            return self
                .venues
                .iter()
                .find(|v| v.id == id)
                .map(|v| v.id)
                .ok_or((Problem::new("exchange.error.unknown_venue"), Vec::new()));
        }
        let exact: Vec<&Venue> = self.venues.iter().filter(|v| v.name == cell).collect();
        let key = domain::match_key(cell);
        let same: Vec<&Venue> = if exact.is_empty() {
            self.venues.iter().filter(|v| domain::match_key(&v.name) == key).collect()
        } else {
            exact
        };
        match same.as_slice() {
            [one] => Ok(one.id),
            [] => {
                let near: Vec<String> = self
                    .venues
                    .iter()
                    .filter(|v| {
                        let name = domain::match_key(&v.name);
                        name.contains(&key) || key.contains(&name)
                    })
                    .take(5)
                    .map(named)
                    .collect();
                Err((Problem::new("exchange.error.unknown_venue"), near))
            }
            many => Err((Problem::new("exchange.error.ambiguous_venue"), many.iter().map(|v| named(v)).collect())),
        }
    }
}

/// The code of a closed set, also accepting its label as people write it in Excel
/// (「市民センター」 for `community_center`); anything else is left for the check to refuse.
fn code_or_label<T: Copy>(cell: &str, all: &[T], code: fn(T) -> &'static str, label: fn(T, Lang) -> String) -> String {
    let key = domain::match_key(cell);
    all.iter()
        .find(|t| [Lang::Ja, Lang::En].into_iter().any(|lang| domain::match_key(&label(**t, lang)) == key))
        .map_or_else(|| cell.trim().to_string(), |t| code(*t).to_string())
}

/// The choices of a closed set as a refusal lists them: 市民センター (community_center).
fn choices<T: Copy>(all: &[T], code: fn(T) -> &'static str, label: fn(T, Lang) -> String) -> Vec<String> {
    all.iter().map(|t| format!("{} ({})", label(*t, Lang::Ja), code(*t))).collect()
}

/// "2026-12-05 10:00-12:30; 2026-12-12 10:00-12:30" (Tokyo time), one entry per meeting;
/// an end on a later day names its date ("2026-12-05 22:00-2026-12-06 01:00", as exported).
fn parse_meetings(cell: &str) -> Result<Vec<Span>, Problem> {
    let entries: Vec<&str> = cell.split([';', '\n']).map(str::trim).filter(|e| !e.is_empty()).collect();
    if entries.is_empty() {
        return Err(Problem::new("error.required"));
    }
    let time = |t: &str| {
        NaiveTime::parse_from_str(t.trim(), "%H:%M:%S").or_else(|_| NaiveTime::parse_from_str(t.trim(), "%H:%M")).ok()
    };
    entries
        .into_iter()
        .map(|entry| {
            let entry = domain::normalise(&domain::ascii_number(entry), false).replace(['〜', '～', '~'], "-");
            let (day, span) = entry.split_once(' ').ok_or(Problem::new("exchange.error.meetings"))?;
            let day = domain::date(day).map_err(|_| Problem::new("exchange.error.meetings"))?;
            // The start is a bare time, so the first dash ends it even when the end has a date.
            let (starts, ends) = span.split_once('-').ok_or(Problem::new("exchange.error.meetings"))?;
            let (end_day, ends) = match ends.trim().split_once(' ') {
                Some((d, t)) => (domain::date(d).map_err(|_| Problem::new("exchange.error.meetings"))?, t),
                None => (day, ends),
            };
            match (time(starts), time(ends)) {
                (Some(s), Some(e)) => Ok((from_tokyo(day, s), from_tokyo(end_day, e))),
                _ => Err(Problem::new("exchange.error.meetings")),
            }
        })
        .collect()
}

/// A session check's field named as the file's column (a session's meeting fields all
/// come from the `meetings` cell).
fn column_of(field: &str) -> &str {
    if field.starts_with("meetings") || field == "starts_at" || field == "ends_at" {
        "meetings"
    } else {
        field
    }
}

/// One row's cells by Ippo column, and what the stored record it matches says.
struct Row<'a> {
    kind: ImportKind,
    format: FileFormat,
    /// Ippo column → the file's value; a column the file does not have is absent.
    given: HashMap<String, String>,
    /// The stored record's cells, once the row is matched with one.
    stored: Option<Vec<String>>,
    ctx: &'a Context,
}

impl Row<'_> {
    /// The value to check: the file's, else (a column the file leaves out) the stored
    /// record's, else empty.
    fn get(&self, column: &str) -> String {
        if let Some(v) = self.given.get(column) {
            return v.clone();
        }
        let at = self.kind.columns().iter().position(|c| *c == column);
        match (&self.stored, at) {
            (Some(stored), Some(i)) => stored[i].clone(),
            _ => String::new(),
        }
    }

    /// A name or address written another way for the same place (全角, 丁目, the
    /// prefecture in front) is not a change: the stored spelling stays.
    fn keep_stored_spelling(&mut self, city: &CityProfile, name: &str, address: &str) {
        if self.given.get("name").is_some_and(|n| domain::match_key(n) == domain::match_key(name)) {
            self.given.insert("name".into(), name.to_string());
        }
        if self.given.get("address").is_some_and(|a| address_key(city, a) == address_key(city, address)) {
            self.given.insert("address".into(), address.to_string());
        }
    }

    /// The column as the file names it (the 公共施設一覧's own names).
    fn file_column(&self, column: &str) -> String {
        match self.format {
            FileFormat::FacilityList => {
                let name = read::facility_column(column);
                if name.is_empty() {
                    column.to_string()
                } else {
                    name.to_string()
                }
            }
            FileFormat::Ippo => column.to_string(),
        }
    }

    /// The closed set a column is chosen from, for refusals.
    fn accepted(&self, column: &str) -> Vec<String> {
        match (self.kind, column) {
            (ImportKind::Venues, "kind") => choices(VenueKind::ALL, VenueKind::as_str, VenueKind::label),
            (ImportKind::Sessions, "kind") => choices(SessionKind::ALL, SessionKind::as_str, SessionKind::label),
            (_, "topic") => choices(Topic::ALL, Topic::as_str, Topic::label),
            (_, "carrier") => choices(Carrier::ALL, Carrier::as_str, Carrier::label),
            (_, "ward") => self.ctx.ward_choices(),
            _ => Vec::new(),
        }
    }

    /// The problems of a check as cell problems, one per column in the file's column
    /// order, each with the value found.
    fn problems(&self, errors: FieldErrors) -> Vec<CellProblem> {
        let mut errors = errors.0;
        let position = |field: &str| self.kind.columns().iter().position(|c| *c == column_of(field));
        errors.sort_by_key(|(field, _)| position(field));
        let mut out: Vec<CellProblem> = Vec::new();
        for (field, problem) in errors {
            let column = column_of(&field).to_string();
            if out.iter().any(|p| p.column == self.file_column(&column)) {
                continue;
            }
            let value = self.get(&column);
            let accepted = if problem.key == "error.choice" { self.accepted(&column) } else { Vec::new() };
            out.push(CellProblem { column: self.file_column(&column), value, problem: (&problem).into(), accepted });
        }
        out
    }
}

/// The row's cells as the file gives them, by Ippo column, or why it is left out.
fn given_cells(
    options: &ImportOptions,
    table: &Table,
    record: &csv::StringRecord,
    ctx: &Context,
) -> Result<HashMap<String, String>, Said> {
    match options.format {
        FileFormat::Ippo => Ok(options
            .kind
            .columns()
            .iter()
            .filter_map(|c| table.cell(record, c).map(|v| (c.to_string(), v.to_string())))
            .collect()),
        FileFormat::FacilityList => {
            match read::facility(table, record, &ctx.city, &ctx.ward_list(), &options.facility_type) {
                Facility::LeftOut(reason) => Err(reason),
                Facility::Venue(cells) => Ok(cells.into_iter().map(|(k, v)| (k.to_string(), v)).collect()),
            }
        }
    }
}

/// The outcome of planning one row.
enum RowPlan {
    Good(Box<(Planned, Write)>),
    Bad(Vec<CellProblem>),
    LeftOut(Said),
}

/// One cell's problem, as a refused row reports it.
fn bad(column: &str, value: &str, problem: Problem) -> Vec<CellProblem> {
    vec![CellProblem {
        column: column.to_string(),
        value: value.to_string(),
        problem: (&problem).into(),
        accepted: Vec::new(),
    }]
}

/// An address compared as the same place however it is written: normalised
/// (`domain::match_key`), without the prefecture and the city in front (a published
/// list writes 福岡県北九州市…, a clerk 小倉北区…), 丁目・番地・番 as dashes and 号 dropped
/// (中井1丁目3番6号 = 中井1-3-6).
fn address_key(city: &CityProfile, address: &str) -> String {
    let mut key = domain::match_key(address);
    if let Some(prefecture) = PREFECTURES.iter().find(|p| key.starts_with(*p)) {
        key = key[prefecture.len()..].to_string();
    }
    let city_key = domain::match_key(&city.name);
    if !city_key.is_empty() {
        key = key.strip_prefix(city_key.as_str()).unwrap_or(&key).to_string();
    }
    let key = key.replace("丁目", "-").replace("番地", "-").replace('番', "-").replace('号', "");
    key.trim_end_matches('-').to_string()
}

/// The 47 prefectures, as an address begins with them (named, not cut at the first
/// 都・道・府・県: 京都府, and cities such as 府中市 or 都城市, would be cut wrongly).
const PREFECTURES: [&str; 47] = [
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
];

/// The same place written twice: its normalised name and address.
fn place_key(city: &CityProfile, name: &str, address: &str) -> String {
    format!("{}\u{1f}{}", domain::match_key(name), address_key(city, address))
}

/// Ids, codes and places seen on earlier lines of the file.
#[derive(Default)]
struct Seen {
    ids: HashMap<String, u64>,
    keys: HashMap<String, u64>,
}

/// Compares the stored cells with the new ones (the identifying first column aside).
fn changes(kind: ImportKind, old: &[String], new: &[String]) -> Vec<Change> {
    kind.columns()
        .iter()
        .zip(old.iter().zip(new))
        .skip(1)
        .filter(|(_, (o, n))| o != n)
        .map(|(c, (o, n))| Change { column: c.to_string(), old: o.clone(), new: n.clone() })
        .collect()
}

/// Plans a good row: create, update or no change, with its changes and whether it renames.
fn planned(kind: ImportKind, line: u64, stored: Option<(&str, MatchedBy)>, row: &Row, new: Vec<String>) -> Planned {
    let name_at = kind.columns().iter().position(|c| *c == kind.name_column()).unwrap_or(1);
    let label = new[name_at].clone();
    match (stored, &row.stored) {
        (Some((id, matched_by)), Some(old)) => {
            let changes = changes(kind, old, &new);
            let renamed = domain::match_key(&old[name_at]) != domain::match_key(&new[name_at]);
            Planned {
                line,
                label,
                action: if changes.is_empty() { Action::Unchanged } else { Action::Update },
                id: Some(id.to_string()),
                matched_by: Some(matched_by),
                changes,
                renamed,
            }
        }
        _ => Planned {
            line,
            label,
            action: Action::Create,
            id: None,
            matched_by: None,
            changes: Vec::new(),
            renamed: false,
        },
    }
}

/// The record a row names by its `id`: refused if unknown or named twice in the file.
fn by_id<'a, T>(
    row_id: &str,
    line: u64,
    seen: &mut Seen,
    records: &'a [T],
    id_of: impl Fn(&T) -> i64,
) -> Result<Option<&'a T>, Vec<CellProblem>> {
    if row_id.trim().is_empty() {
        return Ok(None);
    }
    let id = domain::number(row_id).map_err(|p| bad("id", row_id, p))?;
    if let Some(first) = seen.ids.insert(id.to_string(), line) {
        seen.ids.insert(id.to_string(), first);
        return Err(bad("id", row_id, Problem::new("exchange.error.duplicate_id").with("line", first)));
    }
    records
        .iter()
        .find(|r| id_of(r) == id)
        .map(Some)
        .ok_or_else(|| bad("id", row_id, Problem::new("exchange.error.unknown_id").with("id", id)))
}

/// Refuses a second row for the same stored record, however each found it (by `id` or
/// by place): the later row would silently undo what the earlier one shows.
fn claim_record(seen: &mut Seen, id: &str, line: u64, column: &str, value: &str) -> Result<(), Vec<CellProblem>> {
    first_time(seen, format!("record\u{1f}{id}"), line, column, value)
}

/// Refuses a row that repeats the place (or schedule) of an earlier line.
fn first_time(seen: &mut Seen, key: String, line: u64, column: &str, value: &str) -> Result<(), Vec<CellProblem>> {
    match seen.keys.get(&key) {
        Some(first) => Err(bad(column, value, Problem::new("exchange.error.duplicate_row").with("line", *first))),
        None => {
            seen.keys.insert(key, line);
            Ok(())
        }
    }
}

/// The stored record (venue or partner shop) a row is about: the one its `id` names, else
/// the one at the same place (name and address). Refused: an unknown or repeated id, a
/// place on an earlier line, a second row for one record, or an id whose new name and
/// address are another record's.
fn match_place<'a, T>(
    row: &Row,
    line: u64,
    seen: &mut Seen,
    records: &'a [T],
    facts: impl Fn(&T) -> (i64, &String, &String),
) -> Result<Option<(&'a T, MatchedBy)>, Vec<CellProblem>> {
    let city = &row.ctx.city;
    let id_cell = row.given.get("id").cloned().unwrap_or_default();
    let named = by_id(&id_cell, line, seen, records, |r| facts(r).0)?;
    let key = place_key(city, &row.get("name"), &row.get("address"));
    first_time(seen, key.clone(), line, "name", &row.get("name"))?;
    let same_place = records.iter().find(|r| {
        let (_, name, address) = facts(r);
        place_key(city, name, address) == key
    });
    if let (Some(named), Some(other)) = (named, same_place) {
        let other = facts(other).0;
        if facts(named).0 != other {
            return Err(bad("id", &id_cell, Problem::new("exchange.error.same_as_other").with("id", other)));
        }
    }
    let stored = named.map(|r| (r, MatchedBy::Id)).or(same_place.map(|r| (r, MatchedBy::Place)));
    if let Some((r, _)) = stored {
        claim_record(seen, &facts(r).0.to_string(), line, "name", &row.get("name"))?;
    }
    Ok(stored)
}

fn plan_venue(mut row: Row, line: u64, seen: &mut Seen, options: &ImportOptions) -> RowPlan {
    let ctx = row.ctx;
    let stored = match match_place(&row, line, seen, &ctx.venues, |v| (v.id, &v.name, &v.address)) {
        Ok(stored) => stored,
        Err(refused) => return RowPlan::Bad(refused),
    };
    row.stored = stored.map(|(v, _)| cells::venue(v));
    if let Some((v, _)) = stored {
        row.keep_stored_spelling(&ctx.city, &v.name, &v.address);
    }
    if options.format == FileFormat::FacilityList {
        // A stored venue keeps its kind; a new one takes the kind the facility type names.
        let kind = match stored {
            Some((v, _)) => v.kind.as_str().to_string(),
            None => code_or_label(&options.facility_type, VenueKind::ALL, VenueKind::as_str, VenueKind::label),
        };
        let kind = VenueKind::parse(&kind).map_or("other", VenueKind::as_str);
        row.given.insert("kind".into(), kind.into());
    }
    let input = VenueInput {
        name: row.get("name"),
        kind: code_or_label(&row.get("kind"), VenueKind::ALL, VenueKind::as_str, VenueKind::label),
        ward: ctx.ward_code(&row.get("ward")),
        address: row.get("address"),
        access: row.get("access"),
        name_kana: row.get("name_kana"),
        phone: row.get("phone"),
        hours: row.get("hours"),
        latitude: row.get("latitude"),
        longitude: row.get("longitude"),
        wheelchair: row.get("wheelchair"),
        step_free: row.get("step_free"),
        accessible_toilet: row.get("accessible_toilet"),
        priority_parking: row.get("priority_parking"),
    };
    match venues::store::check(&input, &ctx.ward_list()) {
        Err(errors) => RowPlan::Bad(row.problems(errors)),
        Ok(checked) => {
            let id = stored.map(|(v, _)| v.id).unwrap_or(0);
            let new = cells::venue(&checked.as_venue(id));
            let id = id.to_string();
            let p = planned(ImportKind::Venues, line, stored.map(|(_, m)| (id.as_str(), m)), &row, new);
            RowPlan::Good(Box::new((p, Write::Venue(checked))))
        }
    }
}

fn plan_partner(mut row: Row, line: u64, seen: &mut Seen) -> RowPlan {
    let ctx = row.ctx;
    let stored = match match_place(&row, line, seen, &ctx.partners, |p| (p.id, &p.name, &p.address)) {
        Ok(stored) => stored,
        Err(refused) => return RowPlan::Bad(refused),
    };
    row.stored = stored.map(|(p, _)| cells::partner(p));
    if let Some((p, _)) = stored {
        row.keep_stored_spelling(&ctx.city, &p.name, &p.address);
    }
    let mut errors = FieldErrors::default();
    let active = errors.check("active", domain::yes_no(&row.get("active"))).flatten();
    let input = PartnerInput {
        carrier: code_or_label(&row.get("carrier"), Carrier::ALL, Carrier::as_str, Carrier::label),
        name: row.get("name"),
        ward: ctx.ward_code(&row.get("ward")),
        address: row.get("address"),
        contact_name: row.get("contact_name"),
        phone: row.get("phone"),
        email: row.get("email"),
        agreement_date: Some(row.get("agreement_date")),
        active,
        notes: row.get("notes"),
    };
    match partners::store::check(&input, &ctx.ward_list()) {
        Ok(checked) if errors.is_empty() => {
            let id = stored.map(|(p, _)| p.id).unwrap_or(0);
            let new = cells::partner(&checked.as_partner(id));
            let id = id.to_string();
            let p = planned(ImportKind::Partners, line, stored.map(|(_, m)| (id.as_str(), m)), &row, new);
            RowPlan::Good(Box::new((p, Write::Partner(checked))))
        }
        Ok(_) => RowPlan::Bad(row.problems(errors)),
        Err(more) => {
            errors.0.extend(more.0);
            RowPlan::Bad(row.problems(errors))
        }
    }
}

fn plan_ward(mut row: Row, line: u64, seen: &mut Seen) -> RowPlan {
    let ctx = row.ctx;
    let code = row.get("code").trim().to_string();
    // An empty code is the check's to refuse ("required"), not a repeat of another row.
    if !code.is_empty() {
        if let Err(refused) = first_time(seen, code.clone(), line, "code", &code) {
            return RowPlan::Bad(refused);
        }
    }
    let stored = ctx.wards.iter().find(|(w, _)| w.code == code);
    row.stored = stored.map(|(w, order)| cells::ward(w, *order));
    let input = city::wards::WardInput {
        code: code.clone(),
        name_ja: row.get("name_ja"),
        name_en: row.get("name_en"),
        sort_order: row.get("sort_order"),
    };
    match city::wards::check(&input) {
        Err(errors) => RowPlan::Bad(row.problems(errors)),
        Ok(checked) => {
            let ward =
                Ward { code: checked.code.clone(), name_ja: checked.name_ja.clone(), name_en: checked.name_en.clone() };
            let order = checked.sort_order.or(stored.map(|(_, o)| *o));
            let mut new = cells::ward(&ward, order.unwrap_or_default());
            if order.is_none() {
                new[3] = String::new();
            }
            let p = planned(ImportKind::Wards, line, stored.map(|_| (code.as_str(), MatchedBy::Code)), &row, new);
            RowPlan::Good(Box::new((p, Write::Ward(checked))))
        }
    }
}

/// A session's identity without an id: its venue, its title (normalised) and its meetings.
fn schedule_key(venue_id: i64, title: &str, meetings: &[Span]) -> String {
    let mut meetings = meetings.to_vec();
    meetings.sort();
    format!("{venue_id}\u{1f}{}\u{1f}{}", domain::match_key(title), cells::meetings(&meetings))
}

async fn plan_session(
    state: &AppState,
    viewer: &Viewer,
    mut row: Row<'_>,
    line: u64,
    seen: &mut Seen,
) -> AppResult<RowPlan> {
    let ctx = row.ctx;
    let id_cell = row.given.get("id").cloned().unwrap_or_default();
    let by_id = match by_id(&id_cell, line, seen, &ctx.sessions, |(id, _)| *id) {
        Ok(found) => found,
        Err(refused) => return Ok(RowPlan::Bad(refused)),
    };
    row.stored = by_id.map(|(id, d)| cells::session(*id, d));
    let venue_cell = row.get("venue_id");
    let venue_id = match ctx.venue_id(&venue_cell) {
        Ok(id) => id,
        Err((problem, candidates)) => {
            return Ok(RowPlan::Bad(vec![CellProblem {
                column: "venue_id".into(),
                value: venue_cell,
                problem: (&problem).into(),
                accepted: candidates,
            }]))
        }
    };
    // Without an id, the same venue, title and meetings are the same session: found before
    // the row is checked, so the columns the file leaves out keep their stored values.
    let meetings = parse_meetings(&row.get("meetings"));
    let key = meetings.as_ref().ok().map(|m| schedule_key(venue_id, &row.get("title"), m));
    let stored = by_id.map(|s| (s, MatchedBy::Id)).or_else(|| {
        let key = key.as_ref()?;
        ctx.sessions
            .iter()
            .find(|(_, d)| schedule_key(d.venue_id, &d.title, &d.meetings) == *key)
            .map(|s| (s, MatchedBy::Schedule))
    });
    if let Some(key) = &key {
        if let Err(refused) = first_time(seen, key.clone(), line, "title", &row.get("title")) {
            return Ok(RowPlan::Bad(refused));
        }
    }
    if let Some(((id, _), _)) = stored {
        if let Err(refused) = claim_record(seen, &id.to_string(), line, "title", &row.get("title")) {
            return Ok(RowPlan::Bad(refused));
        }
    }
    row.stored = stored.map(|((id, d), _)| cells::session(*id, d));
    let mut errors = FieldErrors::default();
    let mut number = |column: &str| {
        let cell = row.get(column);
        if cell.trim().is_empty() {
            None
        } else {
            errors.check(column, domain::number(&cell))
        }
    };
    let input = SessionInput {
        kind: code_or_label(&row.get("kind"), SessionKind::ALL, SessionKind::as_str, SessionKind::label),
        title: row.get("title"),
        topic: code_or_label(&row.get("topic"), Topic::ALL, Topic::as_str, Topic::label),
        venue_id: Some(venue_id),
        capacity: number("capacity"),
        loaner_devices: number("loaner_devices"),
        instructors: number("instructors"),
        assistants: number("assistants"),
        slot_minutes: number("slot_minutes"),
        advisors: number("advisors"),
        description: row.get("description"),
        what_to_bring: row.get("what_to_bring"),
        ..Default::default()
    };
    let meetings = meetings.map_err(|problem| {
        let mut e = FieldErrors::default();
        e.add("meetings", problem);
        e
    });
    let draft = match sessions::store::check(&state.db, viewer, &input, meetings).await {
        Ok(draft) if errors.is_empty() => draft,
        Ok(_) => return Ok(RowPlan::Bad(row.problems(errors))),
        Err(AppError::Invalid(more)) => {
            errors.0.extend(more.0);
            return Ok(RowPlan::Bad(row.problems(errors)));
        }
        Err(other) => return Err(other),
    };
    if let Some(((id, _), _)) = stored {
        // Checked again under the session's lock when written; told here by line.
        let current = sessions::store::detail(&state.db, *id, None).await?;
        if draft.capacity < current.confirmed {
            let problem = Problem::new("error.capacity_below_confirmed").with("confirmed", current.confirmed);
            let mut e = FieldErrors::default();
            e.add("capacity", problem);
            return Ok(RowPlan::Bad(row.problems(e)));
        }
    }
    let id = stored.map(|((id, _), _)| *id).unwrap_or(0);
    let new = cells::session(id, &draft);
    let id = id.to_string();
    let p = planned(ImportKind::Sessions, line, stored.map(|(_, m)| (id.as_str(), m)), &row, new);
    Ok(RowPlan::Good(Box::new((p, Write::Session(Box::new(draft))))))
}

fn file_error(problem: Problem) -> AppError {
    let mut errors = FieldErrors::default();
    errors.add(super::field::FILE, problem);
    AppError::Invalid(errors)
}

/// Reads and checks a whole file and plans what it would do; writes nothing.
pub async fn plan(
    state: &AppState,
    viewer: &Viewer,
    options: &ImportOptions,
    bytes: &[u8],
    progress: &ProgressBar,
) -> AppResult<Plan> {
    options.kind.require(viewer)?;
    if options.format == FileFormat::FacilityList && options.kind != ImportKind::Venues {
        let mut errors = FieldErrors::default();
        errors.add(super::field::FORMAT, Problem::new("exchange.error.facility_list_venues"));
        return Err(AppError::Invalid(errors));
    }
    let text = read::decode(bytes).map_err(file_error)?;
    let table = match options.format {
        FileFormat::Ippo => {
            read::read_table(&text, options.kind.columns(), options.kind.required_columns()).map_err(file_error)?
        }
        FileFormat::FacilityList => {
            read::read_table(&text, read::FACILITY_COLUMNS, read::FACILITY_REQUIRED).map_err(file_error)?
        }
    };
    let ctx = Context::load(state, options.kind).await?;
    progress.set_length(table.rows.len() as u64);
    progress.set_message("checking");
    let mut report = ImportReport {
        options: options.clone(),
        rows: table.rows.len() + table.unreadable.len(),
        planned: Vec::new(),
        bad_rows: table
            .unreadable
            .iter()
            .map(|(line, problem)| BadRow {
                line: *line,
                problems: vec![CellProblem {
                    column: String::new(),
                    value: String::new(),
                    problem: problem.into(),
                    accepted: Vec::new(),
                }],
            })
            .collect(),
        left_out: Vec::new(),
        notices: table.notices.clone(),
        applied: false,
    };
    let mut writes = Vec::new();
    let mut seen = Seen::default();
    for (line, record) in &table.rows {
        let outcome = match given_cells(options, &table, record, &ctx) {
            Err(reason) => RowPlan::LeftOut(reason),
            Ok(given) => {
                let row = Row { kind: options.kind, format: options.format, given, stored: None, ctx: &ctx };
                match options.kind {
                    ImportKind::Venues => plan_venue(row, *line, &mut seen, options),
                    ImportKind::Partners => plan_partner(row, *line, &mut seen),
                    ImportKind::Wards => plan_ward(row, *line, &mut seen),
                    ImportKind::Sessions => plan_session(state, viewer, row, *line, &mut seen).await?,
                }
            }
        };
        match outcome {
            RowPlan::Good(good) => {
                let (p, w) = *good;
                report.planned.push(p);
                writes.push(w);
            }
            RowPlan::Bad(problems) => report.bad_rows.push(BadRow { line: *line, problems }),
            RowPlan::LeftOut(reason) => report.left_out.push(LeftOut { line: *line, reason }),
        }
        progress.inc(1);
    }
    report.bad_rows.sort_by_key(|b| b.line);
    Ok(Plan { report, writes })
}

/// Writes a plan in one transaction: new records, and the changed ones (rows with no
/// change are not touched). Nothing is written when bad rows are not to be skipped
/// (the report says so), or when the plan renames records and `accept_renames` is not
/// given (409 `exchange.error.renames`). On the audit log.
/// `preview`: the stored upload this plan comes from, taken in the same transaction so
/// a preview is written at most once.
pub async fn apply(
    state: &AppState,
    viewer: &Viewer,
    plan: Plan,
    accept_renames: bool,
    preview: Option<&str>,
) -> AppResult<ImportReport> {
    let Plan { mut report, writes } = plan;
    report.options.kind.require(viewer)?;
    if !report.writable() {
        return Ok(report);
    }
    if report.renames() > 0 && !accept_renames {
        return Err(AppError::Conflict(Problem::new("exchange.error.renames").with("n", report.renames())));
    }
    let now = Utc::now();
    let mut tx = state.db.begin().await?;
    if let Some(token) = preview {
        super::previews::claim_in(&mut tx, viewer, token).await?;
    }
    for (p, write) in report.planned.iter().zip(&writes) {
        let id = p.id.as_deref().and_then(|id| id.parse::<i64>().ok());
        let written = match (p.action, write, id) {
            (Action::Unchanged, _, _) => Ok(()),
            (Action::Create, Write::Venue(v), _) => venues::store::insert(&mut tx, v, now).await.map(|_| ()),
            (Action::Update, Write::Venue(v), Some(id)) => venues::store::update_in(&mut tx, id, v, now).await,
            (Action::Create, Write::Partner(c), _) => partners::store::insert(&mut tx, c, now).await.map(|_| ()),
            (Action::Update, Write::Partner(c), Some(id)) => partners::store::update_in(&mut tx, id, c, now).await,
            (Action::Create, Write::Session(d), _) => sessions::store::insert(&mut tx, d, now).await.map(|_| ()),
            (Action::Update, Write::Session(d), Some(id)) => {
                sessions::changes::edit_in(&mut tx, state, id, d, now).await
            }
            (_, Write::Ward(w), _) => city::wards::upsert_in(&mut tx, w).await.map(|_| ()),
            (Action::Update, _, None) => Err(AppError::Internal(anyhow::anyhow!("an update without an id"))),
        };
        match written {
            Ok(()) => {}
            // The record changed since it was checked: nothing is written, the row is reported.
            Err(AppError::Invalid(errors)) => {
                let problems = errors
                    .0
                    .iter()
                    .map(|(field, problem)| CellProblem {
                        column: column_of(field).to_string(),
                        value: String::new(),
                        problem: problem.into(),
                        accepted: Vec::new(),
                    })
                    .collect();
                report.bad_rows.push(BadRow { line: p.line, problems });
                report.options.skip_bad_rows = false;
                return Ok(report);
            }
            Err(other) => return Err(other),
        }
    }
    tx.commit().await?;
    let detail = format!("{} created, {} updated", report.created(), report.updated());
    audit::record(&state.db, viewer, &format!("import.{}", report.options.kind.code()), "csv", &detail).await?;
    // Promoted people get their mail now.
    state.outbox.wake();
    report.applied = true;
    Ok(report)
}

/// `ippo import`: plans the file with a progress bar, prints the plan (bad rows to
/// standard error) and, unless `dry_run`, writes it. Refuses (exit 1) when a row is bad
/// and skipping was not asked for, or when records would be renamed without
/// `accept_renames`.
pub async fn import_file(
    state: &AppState,
    viewer: &Viewer,
    options: &ImportOptions,
    path: &std::path::Path,
    dry_run: bool,
    accept_renames: bool,
    lang: Lang,
) -> AppResult<()> {
    let bytes = std::fs::read(path).map_err(|e| {
        AppError::BadRequest(
            Problem::new("exchange.error.unreadable_file").with("path", path.display()).with("error", e),
        )
    })?;
    let progress = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{msg:>9} [{bar:40}] {pos}/{len}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    let planned = plan(state, viewer, options, &bytes, &progress).await;
    progress.finish_and_clear();
    let planned = planned?;
    for line in planned.report.lines(lang) {
        println!("{line}");
    }
    for bad in &planned.report.bad_rows {
        eprintln!("{}", bad.message(lang));
    }
    println!("{}", planned.report.summary(lang));
    if dry_run {
        println!("{}", lang.tr("exchange.dry_run"));
        return Ok(());
    }
    let report = apply(state, viewer, planned, accept_renames, None).await?;
    if !report.applied {
        return Err(AppError::Conflict(Problem::new("exchange.refused").with("n", report.bad_rows.len())));
    }
    println!("{}", lang.tr("exchange.written"));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meetings_read_as_excel_keeps_them() {
        let m = parse_meetings("2026/12/5 10:00〜12:30; 2026-12-12 10:00-12:30:30").unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].0.to_rfc3339(), "2026-12-05T01:00:00+00:00");
        assert_eq!(m[1].1.to_rfc3339(), "2026-12-12T03:30:30+00:00");
        assert_eq!(parse_meetings("２０２６－１２－０５　１０：００－１２：００").unwrap().len(), 1);
        assert_eq!(parse_meetings("").unwrap_err().key, "error.required");
        assert_eq!(parse_meetings("12/5 10:00").unwrap_err().key, "exchange.error.meetings");
    }

    #[test]
    fn a_meeting_past_midnight_reads_back_as_exported() {
        for (starts, ends) in
            [("2026-12-01T14:05:00Z", "2026-12-01T16:05:00Z"), ("2026-12-01T04:00:00Z", "2026-12-01T06:30:15Z")]
        {
            let span = (starts.parse().unwrap(), ends.parse().unwrap());
            let written = super::super::cells::meetings(&[span]);
            assert_eq!(parse_meetings(&written).unwrap(), vec![span], "{written}");
        }
        let overnight = parse_meetings("2026/12/1 23:05〜2026/12/2 1:05").unwrap();
        assert_eq!(overnight[0].1.to_rfc3339(), "2026-12-01T16:05:00+00:00");
        assert_eq!(parse_meetings("2026-12-01 23:05-2026-12-32 01:05").unwrap_err().key, "exchange.error.meetings");
    }

    #[test]
    fn labels_are_read_as_codes() {
        assert_eq!(
            code_or_label("市民センター", VenueKind::ALL, VenueKind::as_str, VenueKind::label),
            "community_center"
        );
        assert_eq!(code_or_label("seminar", SessionKind::ALL, SessionKind::as_str, SessionKind::label), "seminar");
        assert_eq!(code_or_label("お城", VenueKind::ALL, VenueKind::as_str, VenueKind::label), "お城");
        assert_eq!(column_of("meetings[2].ends_at"), "meetings");
        assert_eq!(column_of("capacity"), "capacity");
    }

    #[test]
    fn the_same_place_is_found_however_it_is_typed() {
        let city = CityProfile { name: "北九州市".into(), ..Default::default() };
        let key = |name: &str, address: &str| place_key(&city, name, address);
        assert_eq!(key("門司 市民センター", "門司区 大里１－１"), key("門司市民センター", "門司区大里1-1"));
        assert_eq!(key("霞ヶ丘市民センター", "x"), key("霞ケ丘市民センター", "x"));
        assert_eq!(
            key("中井市民センター", "福岡県北九州市小倉北区中井１丁目３番６号"),
            key("中井市民センター", "北九州市小倉北区中井1丁目3-6")
        );
        assert_ne!(key("門司市民センター", "門司区大里1-1"), key("門司市民センター", "門司区大里1-2"));
        let kyoto = CityProfile { name: "京都市".into(), ..Default::default() };
        assert_eq!(place_key(&kyoto, "x", "京都府京都市左京区1-1"), place_key(&kyoto, "x", "左京区1-1"));
        assert_eq!(address_key(&CityProfile::default(), "府中市宮町1-1"), "府中市宮町1-1");
    }
}
