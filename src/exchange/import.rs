//! Reading CSV files (UTF-8 or Shift_JIS from Excel) into venues, sessions and partners.
//!
//! Every row is checked by the same rules as the forms before anything is written. The
//! good rows are then written in one transaction — only when no row is bad, unless the
//! caller asks to skip the bad ones. A row with an `id` replaces that record; a row
//! without one makes a new record.

use std::{collections::HashMap, path::Path};

use chrono::{NaiveTime, Utc};
use indicatif::{ProgressBar, ProgressStyle};

pub use super::ImportKind;
use crate::{
    domain::{self, Carrier, FieldErrors, Problem, SessionKind, Topic, VenueKind},
    i18n::Lang,
    partners::{self, store::CheckedPartner, PartnerInput},
    server::{
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

/// A row that cannot be imported: its line in the file and what is wrong, by column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadRow {
    pub line: u64,
    pub errors: FieldErrors,
}

impl BadRow {
    /// "4行目：「ward」選択肢から選んでください。"
    pub fn message(&self, lang: Lang) -> String {
        let problems: Vec<String> = self
            .errors
            .0
            .iter()
            .map(|(column, problem)| {
                lang.tr_with("exchange.problem", &[("column", column.clone()), ("message", problem.message(lang))])
            })
            .collect();
        lang.tr_with("exchange.bad_row", &[("line", self.line.to_string()), ("problems", problems.join(" "))])
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportReport {
    pub kind: ImportKind,
    /// Data rows read (blank rows are not counted).
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub bad_rows: Vec<BadRow>,
    /// False when bad rows stopped the import: then nothing was written.
    pub applied: bool,
}

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

/// The data rows of a file with their line numbers; rows that do not parse as CSV are bad rows.
struct Table {
    columns: HashMap<String, usize>,
    rows: Vec<(u64, csv::StringRecord)>,
    unreadable: Vec<BadRow>,
}

fn file_error(problem: Problem) -> AppError {
    let mut errors = FieldErrors::default();
    errors.add("file", problem);
    AppError::Invalid(errors)
}

/// The line a record starts on. The reader's own line count is off by one after a CRLF
/// (as Excel writes), so count from the record's first byte past any line breaks.
fn line_at(text: &str, position: Option<&csv::Position>) -> u64 {
    let Some(position) = position else { return 0 };
    let bytes = text.as_bytes();
    let mut start = (position.byte() as usize).min(bytes.len());
    while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
        start += 1;
    }
    1 + bytes[..start].iter().filter(|b| **b == b'\n').count() as u64
}

fn read_table(kind: ImportKind, text: &str) -> AppResult<Table> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let header = reader.headers().map_err(|_| file_error(Problem::new("exchange.error.empty")))?;
    let columns: HashMap<String, usize> =
        header.iter().enumerate().map(|(i, name)| (name.trim().to_ascii_lowercase(), i)).collect();
    let missing: Vec<&str> = kind.required_columns().iter().copied().filter(|c| !columns.contains_key(*c)).collect();
    if !missing.is_empty() {
        return Err(file_error(Problem::new("exchange.error.missing_columns").with("columns", missing.join(", "))));
    }
    let (mut rows, mut unreadable) = (Vec::new(), Vec::new());
    for record in reader.records() {
        match record {
            Ok(r) if r.iter().all(str::is_empty) => {}
            Ok(r) => rows.push((line_at(text, r.position()), r)),
            Err(e) => {
                let mut errors = FieldErrors::default();
                errors.add("file", Problem::new("exchange.error.csv_syntax"));
                unreadable.push(BadRow { line: line_at(text, e.position()), errors });
            }
        }
    }
    if rows.is_empty() && unreadable.is_empty() {
        return Err(file_error(Problem::new("exchange.error.empty")));
    }
    Ok(Table { columns, rows, unreadable })
}

/// One data row, read by column name.
struct Row<'a> {
    columns: &'a HashMap<String, usize>,
    record: &'a csv::StringRecord,
}

impl Row<'_> {
    fn get(&self, column: &str) -> &str {
        self.columns.get(column).and_then(|i| self.record.get(*i)).unwrap_or("")
    }

    /// A whole number, or nothing if the cell is empty.
    fn number(&self, errors: &mut FieldErrors, column: &str) -> Option<i64> {
        let cell = self.get(column);
        if cell.is_empty() { None } else { errors.check(column, domain::number(cell)) }
    }
}

/// The code of a closed set, also accepting its label as people write it in Excel
/// (「市民センター」 for `community_center`); anything else is left for the check to refuse.
fn code_or_label<T: Copy>(cell: &str, all: &[T], code: fn(T) -> &'static str, label: fn(T, Lang) -> String) -> String {
    all.iter()
        .find(|t| [Lang::Ja, Lang::En].into_iter().any(|lang| label(**t, lang) == cell))
        .map_or_else(|| cell.to_string(), |t| code(*t).to_string())
}

/// A ward by code or by its Japanese or English name.
fn ward_code(cell: &str, wards: &[Ward]) -> String {
    wards.iter().find(|w| w.name_ja == cell || w.name_en == cell).map_or_else(|| cell.to_string(), |w| w.code.clone())
}

/// What the checks need from the database, read once per file.
struct Context {
    wards: Vec<Ward>,
    venues: Vec<Venue>,
    partner_ids: Vec<i64>,
}

enum Checked {
    Venue(CheckedVenue),
    Session(Box<Draft>),
    Partner(CheckedPartner),
}

struct Good {
    line: u64,
    id: Option<i64>,
    value: Checked,
}

/// A field of a domain check named as the file's column (a session's meeting fields all
/// come from the `meetings` cell).
fn column_of(field: &str) -> String {
    if field.starts_with("meetings") || field == "starts_at" || field == "ends_at" {
        "meetings".into()
    } else {
        field.into()
    }
}

/// Adds the problems of a domain check to those found while reading the row, one per column.
fn merge(mut errors: FieldErrors, more: FieldErrors) -> FieldErrors {
    for (field, problem) in more.0 {
        let column = column_of(&field);
        if !errors.0.iter().any(|(c, _)| *c == column) {
            errors.add(column, problem);
        }
    }
    errors
}

/// "2026-12-05 10:00-12:30; 2026-12-12 10:00-12:30" (Tokyo time), one entry per meeting.
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
            let entry = entry.replace(['〜', '～', '~'], "-").replace('\u{3000}', " ");
            let (day, span) = entry.split_once(' ').ok_or(Problem::new("exchange.error.meetings"))?;
            let day = domain::date(day).map_err(|_| Problem::new("exchange.error.meetings"))?;
            let (starts, ends) = span.split_once('-').ok_or(Problem::new("exchange.error.meetings"))?;
            match (time(starts), time(ends)) {
                (Some(s), Some(e)) => Ok((from_tokyo(day, s), from_tokyo(day, e))),
                _ => Err(Problem::new("exchange.error.meetings")),
            }
        })
        .collect()
}

/// The row's `id`: empty for a new record, else one that exists and is not repeated.
fn row_id(row: &Row, errors: &mut FieldErrors, exists: impl Fn(i64) -> bool, seen: &HashMap<i64, u64>) -> Option<i64> {
    let id = row.number(errors, "id")?;
    if let Some(first) = seen.get(&id) {
        errors.add("id", Problem::new("exchange.error.duplicate_id").with("line", first));
    } else if !exists(id) {
        errors.add("id", Problem::new("exchange.error.unknown_id").with("id", id));
    }
    Some(id)
}

async fn check_row(
    state: &AppState,
    ctx: &Context,
    kind: ImportKind,
    row: &Row<'_>,
    seen: &HashMap<i64, u64>,
) -> AppResult<Result<(Option<i64>, Checked), FieldErrors>> {
    let mut errors = FieldErrors::default();
    let checked = match kind {
        ImportKind::Venues => {
            let id = row_id(row, &mut errors, |id| ctx.venues.iter().any(|v| v.id == id), seen);
            let input = VenueInput {
                name: row.get("name").into(),
                kind: code_or_label(row.get("kind"), VenueKind::ALL, VenueKind::as_str, VenueKind::label),
                ward: ward_code(row.get("ward"), &ctx.wards),
                address: row.get("address").into(),
                access: row.get("access").into(),
            };
            venues::store::check(&input, &ctx.wards).map(|v| (id, Checked::Venue(v)))
        }
        ImportKind::Partners => {
            let id = row_id(row, &mut errors, |id| ctx.partner_ids.contains(&id), seen);
            let active = match row.get("active").to_lowercase().as_str() {
                "" => None,
                "yes" | "true" | "1" | "はい" | "有効" | "協力中" => Some(true),
                "no" | "false" | "0" | "いいえ" | "無効" | "休止" => Some(false),
                _ => {
                    errors.add("active", Problem::new("exchange.error.yes_no"));
                    None
                }
            };
            let input = PartnerInput {
                carrier: code_or_label(row.get("carrier"), Carrier::ALL, Carrier::as_str, Carrier::label),
                name: row.get("name").into(),
                ward: ward_code(row.get("ward"), &ctx.wards),
                address: row.get("address").into(),
                contact_name: row.get("contact_name").into(),
                phone: row.get("phone").into(),
                email: row.get("email").into(),
                agreement_date: Some(row.get("agreement_date").into()),
                active,
                notes: row.get("notes").into(),
            };
            partners::store::check(&input, &ctx.wards).map(|p| (id, Checked::Partner(p)))
        }
        ImportKind::Sessions => {
            let id = row_id(row, &mut errors, |_| true, seen);
            let current = match id {
                Some(id) => match sessions::store::detail(&state.db, id, None).await {
                    Ok(d) => Some(d),
                    Err(AppError::NotFound) => {
                        errors.add("id", Problem::new("exchange.error.unknown_id").with("id", id));
                        None
                    }
                    Err(e) => return Err(e),
                },
                None => None,
            };
            // A venue by its id, or by its exact name.
            let venue_cell = row.get("venue_id");
            let venue_id = match ctx.venues.iter().find(|v| v.name == venue_cell) {
                Some(v) => Some(v.id),
                None => row.number(&mut errors, "venue_id"),
            };
            let input = SessionInput {
                kind: code_or_label(row.get("kind"), SessionKind::ALL, SessionKind::as_str, SessionKind::label),
                title: row.get("title").into(),
                topic: code_or_label(row.get("topic"), Topic::ALL, Topic::as_str, Topic::label),
                venue_id,
                capacity: row.number(&mut errors, "capacity"),
                loaner_devices: row.number(&mut errors, "loaner_devices"),
                instructors: row.number(&mut errors, "instructors"),
                assistants: row.number(&mut errors, "assistants"),
                slot_minutes: row.number(&mut errors, "slot_minutes"),
                advisors: row.number(&mut errors, "advisors"),
                description: row.get("description").into(),
                what_to_bring: row.get("what_to_bring").into(),
                ..Default::default()
            };
            let meetings = parse_meetings(row.get("meetings")).map_err(|problem| {
                let mut e = FieldErrors::default();
                e.add("meetings", problem);
                e
            });
            match sessions::store::check(&state.db, &input, meetings).await {
                Ok(draft) => match current {
                    // Checked again under the session's lock when written; told here by line.
                    Some(d) if draft.capacity < d.confirmed => {
                        let problem = Problem::new("error.capacity_below_confirmed").with("confirmed", d.confirmed);
                        let mut e = FieldErrors::default();
                        e.add("capacity", problem);
                        Err(e)
                    }
                    _ => Ok((id, Checked::Session(Box::new(draft)))),
                },
                Err(AppError::Invalid(e)) => Err(e),
                Err(other) => return Err(other),
            }
        }
    };
    Ok(match checked {
        Ok(good) if errors.is_empty() => Ok(good),
        Ok(_) => Err(errors),
        Err(more) => Err(merge(errors, more)),
    })
}

/// Checks every row of a file and, if allowed, writes the good ones in one transaction.
pub async fn import(
    state: &AppState,
    kind: ImportKind,
    bytes: &[u8],
    skip_bad_rows: bool,
    progress: &ProgressBar,
) -> AppResult<ImportReport> {
    let text = decode(bytes).map_err(file_error)?;
    let table = read_table(kind, &text)?;
    let ctx = Context {
        wards: venues::store::wards(&state.db).await?,
        venues: venues::store::list(&state.db).await?,
        partner_ids: partners::store::list(&state.db).await?.iter().map(|p| p.id).collect(),
    };
    progress.set_length(table.rows.len() as u64);
    progress.set_message("checking");
    let mut report = ImportReport {
        kind,
        rows: table.rows.len() + table.unreadable.len(),
        created: 0,
        updated: 0,
        bad_rows: table.unreadable,
        applied: false,
    };
    let mut good = Vec::new();
    let mut seen = HashMap::new();
    for (line, record) in &table.rows {
        let row = Row { columns: &table.columns, record };
        match check_row(state, &ctx, kind, &row, &seen).await? {
            Ok((id, value)) => {
                if let Some(id) = id {
                    seen.insert(id, *line);
                }
                good.push(Good { line: *line, id, value });
            }
            Err(errors) => report.bad_rows.push(BadRow { line: *line, errors }),
        }
        progress.inc(1);
    }
    report.bad_rows.sort_by_key(|b| b.line);
    if !report.bad_rows.is_empty() && !skip_bad_rows {
        return Ok(report);
    }
    progress.set_position(0);
    progress.set_length(good.len() as u64);
    progress.set_message("importing");
    let now = Utc::now();
    let mut tx = state.db.begin().await?;
    for g in &good {
        let written = match (&g.value, g.id) {
            (Checked::Venue(v), None) => venues::store::insert(&mut tx, v, now).await.map(|_| ()),
            (Checked::Venue(v), Some(id)) => venues::store::update_in(&mut tx, id, v, now).await,
            (Checked::Session(d), None) => sessions::store::insert(&mut tx, d, now).await.map(|_| ()),
            (Checked::Session(d), Some(id)) => sessions::store::update_in(&mut tx, state, id, d, now).await,
            (Checked::Partner(p), None) => partners::store::insert(&mut tx, p, now).await.map(|_| ()),
            (Checked::Partner(p), Some(id)) => partners::store::update_in(&mut tx, id, p, now).await,
        };
        match written {
            Ok(()) if g.id.is_some() => report.updated += 1,
            Ok(()) => report.created += 1,
            // The record changed since it was checked: nothing is written, the row is reported.
            Err(AppError::Invalid(errors)) => {
                report.bad_rows.push(BadRow { line: g.line, errors: merge(FieldErrors::default(), errors) });
                report.created = 0;
                report.updated = 0;
                return Ok(report);
            }
            Err(other) => return Err(other),
        }
        progress.inc(1);
    }
    tx.commit().await?;
    // Imported venues show on the next page; promoted people get their mail now.
    state.venues.clear().await;
    state.mailer.wake();
    report.applied = true;
    Ok(report)
}

/// `ippo import`: imports a file with a progress bar, prints every bad row (to standard
/// error) and what was imported; refuses the whole file if a row is bad and skipping
/// was not asked for.
pub async fn import_file(state: &AppState, kind: ImportKind, path: &Path, skip_bad_rows: bool) -> AppResult<()> {
    let bytes = std::fs::read(path)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("cannot read {}: {e}", path.display())))?;
    let progress = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{msg:>9} [{bar:40}] {pos}/{len}").expect("a valid template").progress_chars("=> "),
    );
    let report = import(state, kind, &bytes, skip_bad_rows, &progress).await;
    progress.finish_and_clear();
    let report = report?;
    let lang = Lang::En;
    for bad in &report.bad_rows {
        eprintln!("{}", bad.message(lang));
    }
    if !report.applied {
        return Err(AppError::Conflict(Problem::new("exchange.refused").with("n", report.bad_rows.len())));
    }
    println!(
        "{}",
        lang.tr_with(
            "exchange.done",
            &[
                ("kind", kind.label(lang)),
                ("created", report.created.to_string()),
                ("updated", report.updated.to_string()),
                ("skipped", report.bad_rows.len().to_string()),
            ],
        )
    );
    Ok(())
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
        for text in ["name,kind,ward,address\n1,2,3,4\n\n5,6,7,8\n", "name,kind,ward,address\r\n1,2,3,4\r\n\r\n5,6,7,8\r\n"] {
            let table = read_table(ImportKind::Venues, text).unwrap();
            let lines: Vec<u64> = table.rows.iter().map(|(line, _)| *line).collect();
            assert_eq!(lines, vec![2, 4], "{text:?}");
        }
    }

    #[test]
    fn meetings_read_as_excel_keeps_them() {
        let m = parse_meetings("2026/12/5 10:00〜12:30; 2026-12-12 10:00-12:30:30").unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].0.to_rfc3339(), "2026-12-05T01:00:00+00:00");
        assert_eq!(m[1].1.to_rfc3339(), "2026-12-12T03:30:30+00:00");
        assert_eq!(parse_meetings("").unwrap_err().key, "error.required");
        assert_eq!(parse_meetings("12/5 10:00").unwrap_err().key, "exchange.error.meetings");
    }

    #[test]
    fn labels_are_read_as_codes() {
        assert_eq!(code_or_label("市民センター", VenueKind::ALL, VenueKind::as_str, VenueKind::label), "community_center");
        assert_eq!(code_or_label("seminar", SessionKind::ALL, SessionKind::as_str, SessionKind::label), "seminar");
        assert_eq!(code_or_label("お城", VenueKind::ALL, VenueKind::as_str, VenueKind::label), "お城");
        assert_eq!(column_of("meetings[2].ends_at"), "meetings");
        assert_eq!(column_of("capacity"), "capacity");
    }
}
