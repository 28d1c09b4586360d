//! Times are stored in UTC and shown in Asia/Tokyo. Japan has had no daylight saving
//! since 1951, so a fixed +09:00 offset is exact and spares the browser bundle a tz database.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};

use crate::i18n::Lang;

/// The years a date or time people send may fall in: far enough back for paper records,
/// far enough ahead for any plan, and well inside what both backends, calendars and date
/// arithmetic handle (a date at the calendar's limits would overflow it).
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// A date within `YEARS`.
pub fn in_years(date: NaiveDate) -> bool {
    YEARS.contains(&date.year())
}

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
        Lang::Ja => format!("{}年{}月{}日({})", date.year(), date.month(), date.day(), weekday_ja(date.weekday())),
        Lang::En => date.format("%a %-d %b %Y").to_string(),
    }
}

/// 12/5(土)10:00 — a start as short as a text message wants it (Tokyo time).
pub fn format_short(t: DateTime<Utc>) -> String {
    let t = to_tokyo(t);
    format!("{}/{}({}){}", t.month(), t.day(), weekday_ja(t.weekday()), t.format("%H:%M"))
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

/// Whether meetings (`[start, end)` spans) repeat weekly: more than one, each a week
/// after the one before at the same time of day and of the same length.
pub fn weekly(meetings: &[(DateTime<Utc>, DateTime<Utc>)]) -> bool {
    let mut sorted = meetings.to_vec();
    sorted.sort();
    sorted.len() > 1
        && sorted
            .windows(2)
            .all(|w| w[1].0 - w[0].0 == chrono::Duration::weeks(1) && w[1].1 - w[1].0 == w[0].1 - w[0].0)
}

/// A session's dates as a flyer gives them: one meeting as `format_span`; a weekly
/// course as 「全4回（毎週木曜）2026年12月3日〜12月24日 10:00〜12:30」; other multi-day
/// sessions as 「全3回 2026年12月3日〜12月20日」 (each date is on the session's page).
/// `starts_at` is the first meeting's start, `ends_at` the last one's end.
pub fn format_schedule(
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    meetings: i32,
    weekly: bool,
    lang: Lang,
) -> String {
    if meetings <= 1 {
        return format_span(starts_at, ends_at, lang);
    }
    let (s, e) = (to_tokyo(starts_at), to_tokyo(ends_at));
    let (first, last) = (s.date_naive(), e.date_naive());
    match (lang, weekly) {
        (Lang::Ja, true) => format!(
            "全{meetings}回（毎週{}曜）{}〜{}月{}日 {}〜{}",
            weekday_ja(first.weekday()),
            format_date(first, lang),
            last.month(),
            last.day(),
            s.format("%H:%M"),
            e.format("%H:%M")
        ),
        (Lang::Ja, false) => format!("全{meetings}回 {}〜{}", format_date(first, lang), format_date(last, lang)),
        (Lang::En, true) => format!(
            "{meetings} meetings, {}s, {} – {}, {}–{}",
            first.format("%A"),
            first.format("%-d %b"),
            last.format("%-d %b %Y"),
            s.format("%H:%M"),
            e.format("%H:%M")
        ),
        (Lang::En, false) => format!("{meetings} meetings, {} – {}", first.format("%-d %b"), last.format("%-d %b %Y")),
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

/// The first moments (UTC) of a fiscal year's twelve months, April first, with each
/// month's "YYYY-MM" (Tokyo time).
pub fn fiscal_months(fy: i32) -> Vec<(String, DateTime<Utc>)> {
    (0..12)
        .map(|i| {
            let (year, month) = if i < 9 { (fy, 4 + i) } else { (fy + 1, i - 8) };
            let first = NaiveDate::from_ymd_opt(year, month, 1).expect("the first of a month exists");
            (format!("{year}-{month:02}"), from_tokyo(first, NaiveTime::MIN))
        })
        .collect()
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
    fn a_weekly_course_reads_as_one() {
        let day = |d: u32, h: u32| {
            from_tokyo(NaiveDate::from_ymd_opt(2026, 12, d).unwrap(), NaiveTime::from_hms_opt(h, 0, 0).unwrap())
        };
        let four: Vec<_> = [3, 10, 17, 24].iter().map(|d| (day(*d, 10), day(*d, 12))).collect();
        assert!(weekly(&four));
        assert_eq!(
            format_schedule(four[0].0, four[3].1, 4, true, Lang::Ja),
            "全4回（毎週木曜）2026年12月3日(木)〜12月24日 10:00〜12:00"
        );
        assert_eq!(
            format_schedule(four[0].0, four[3].1, 4, true, Lang::En),
            "4 meetings, Thursdays, 3 Dec – 24 Dec 2026, 10:00–12:00"
        );
        let uneven = [(day(3, 10), day(3, 12)), (day(11, 10), day(11, 12))];
        assert!(!weekly(&uneven) && !weekly(&uneven[..1]));
        assert_eq!(
            format_schedule(uneven[0].0, uneven[1].1, 2, false, Lang::Ja),
            "全2回 2026年12月3日(木)〜2026年12月11日(金)"
        );
        assert_eq!(
            format_schedule(day(3, 10), day(3, 12), 1, false, Lang::Ja),
            format_span(day(3, 10), day(3, 12), Lang::Ja)
        );
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
