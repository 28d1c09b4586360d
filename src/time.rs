//! Times are stored in UTC and shown in Asia/Tokyo. Japan has had no daylight saving
//! since 1951, so a fixed +09:00 offset is exact and spares the browser bundle a tz database.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};

use crate::i18n::Lang;

pub fn tokyo() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset")
}

pub fn to_tokyo(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&tokyo())
}

/// A Tokyo wall-clock date and time as UTC.
pub fn from_tokyo(date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    tokyo()
        .from_local_datetime(&NaiveDateTime::new(date, time))
        .single()
        .expect("a fixed offset has exactly one mapping")
        .with_timezone(&Utc)
}

pub fn today_tokyo(now: DateTime<Utc>) -> NaiveDate {
    to_tokyo(now).date_naive()
}

fn weekday_ja(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "月",
        Weekday::Tue => "火",
        Weekday::Wed => "水",
        Weekday::Thu => "木",
        Weekday::Fri => "金",
        Weekday::Sat => "土",
        Weekday::Sun => "日",
    }
}

/// 2026年12月5日(土) / Sat 5 Dec 2026
pub fn format_date(date: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!(
            "{}年{}月{}日({})",
            date.year(),
            date.month(),
            date.day(),
            weekday_ja(date.weekday())
        ),
        Lang::En => date.format("%a %-d %b %Y").to_string(),
    }
}

/// 2026年12月5日(土) 10:00〜12:00 — the span as people read it on a flyer.
pub fn format_span(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>, lang: Lang) -> String {
    let (s, e) = (to_tokyo(starts_at), to_tokyo(ends_at));
    let sep = match lang {
        Lang::Ja => "〜",
        Lang::En => "–",
    };
    if s.date_naive() == e.date_naive() {
        format!("{} {}{}{}", format_date(s.date_naive(), lang), s.format("%H:%M"), sep, e.format("%H:%M"))
    } else {
        format!(
            "{} {}{}{} {}",
            format_date(s.date_naive(), lang),
            s.format("%H:%M"),
            sep,
            format_date(e.date_naive(), lang),
            e.format("%H:%M")
        )
    }
}

/// The fiscal year (年度) a moment falls in: April 1 – March 31, Tokyo time.
pub fn fiscal_year(t: DateTime<Utc>) -> i32 {
    let d = today_tokyo(t);
    if d.month() >= 4 {
        d.year()
    } else {
        d.year() - 1
    }
}

/// FY2026 → 令和8年度 (Reiwa began in 2019).
pub fn fiscal_year_label(fy: i32, lang: Lang) -> String {
    match lang {
        Lang::Ja => format!("令和{}年度", fy - 2018),
        Lang::En => format!("FY{fy}"),
    }
}

/// The UTC bounds [start, end) of a fiscal year.
pub fn fiscal_year_bounds(fy: i32) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = NaiveDate::from_ymd_opt(fy, 4, 1).expect("April 1 exists");
    let end = NaiveDate::from_ymd_opt(fy + 1, 4, 1).expect("April 1 exists");
    (from_tokyo(start, NaiveTime::MIN), from_tokyo(end, NaiveTime::MIN))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn span_reads_like_a_flyer() {
        let s = utc("2026-12-05T01:00:00Z");
        let e = utc("2026-12-05T03:00:00Z");
        assert_eq!(format_span(s, e, Lang::Ja), "2026年12月5日(土) 10:00〜12:00");
        assert_eq!(format_span(s, e, Lang::En), "Sat 5 Dec 2026 10:00–12:00");
    }

    #[test]
    fn tokyo_midnight_is_previous_day_in_utc() {
        let t = from_tokyo(NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(), NaiveTime::MIN);
        assert_eq!(t, utc("2026-03-31T15:00:00Z"));
    }

    #[test]
    fn fiscal_year_turns_on_april_first_tokyo_time() {
        assert_eq!(fiscal_year(utc("2026-03-31T14:59:59Z")), 2025);
        assert_eq!(fiscal_year(utc("2026-03-31T15:00:00Z")), 2026);
        assert_eq!(fiscal_year_label(2026, Lang::Ja), "令和8年度");
        assert_eq!(fiscal_year_label(2026, Lang::En), "FY2026");
        let (start, end) = fiscal_year_bounds(2026);
        assert_eq!(fiscal_year(start), 2026);
        assert_eq!(fiscal_year(end), 2027);
    }
}
