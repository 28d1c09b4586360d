//! Records as the cells of a CSV row, in `ImportKind::columns` order. The export writes
//! these cells and the import compares a checked row's cells with the stored record's,
//! so what an export wrote reads back as "no change".

use chrono::{DateTime, Timelike, Utc};

use crate::{
    partners::Partner,
    sessions::store::{Draft, Span},
    time::to_tokyo,
    venues::{Venue, Ward},
};

/// A yes/no/unknown fact as a cell.
fn fact(value: Option<bool>) -> String {
    match value {
        Some(true) => "yes".into(),
        Some(false) => "no".into(),
        None => String::new(),
    }
}

fn degrees(value: Option<f64>) -> String {
    value.map(|d| d.to_string()).unwrap_or_default()
}

fn optional(value: Option<i32>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// An id cell: empty for a record not yet stored (id 0).
fn id(id: i64) -> String {
    if id == 0 {
        String::new()
    } else {
        id.to_string()
    }
}

pub fn venue(v: &Venue) -> Vec<String> {
    vec![
        id(v.id),
        v.name.clone(),
        v.name_kana.clone(),
        v.kind.as_str().into(),
        v.ward.clone(),
        v.address.clone(),
        v.access.clone(),
        v.phone.clone(),
        v.hours.clone(),
        degrees(v.latitude),
        degrees(v.longitude),
        fact(v.wheelchair),
        fact(v.step_free),
        fact(v.accessible_toilet),
        fact(v.priority_parking),
    ]
}

pub fn partner(p: &Partner) -> Vec<String> {
    vec![
        id(p.id),
        p.carrier.as_str().into(),
        p.name.clone(),
        p.ward.clone(),
        p.address.clone(),
        p.contact_name.clone(),
        p.phone.clone(),
        p.email.clone(),
        p.agreement_date.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
        if p.active { "yes" } else { "no" }.into(),
        p.notes.clone(),
    ]
}

/// A Tokyo time as the import reads it: minutes, and seconds only if there are any.
fn clock(t: DateTime<Utc>) -> String {
    let t = to_tokyo(t);
    if t.second() == 0 {
        t.format("%H:%M").to_string()
    } else {
        t.format("%H:%M:%S").to_string()
    }
}

/// "2026-12-05 10:00-12:30; 2026-12-12 10:00-12:30" (Tokyo time); a meeting that ends
/// on a later day than it starts names that day too: "2026-12-05 22:00-2026-12-06 01:00".
pub fn meetings(spans: &[Span]) -> String {
    let day = |t: DateTime<Utc>| to_tokyo(t).format("%Y-%m-%d").to_string();
    spans
        .iter()
        .map(|(starts, ends)| {
            let (start_day, end_day) = (day(*starts), day(*ends));
            let end_day = if end_day == start_day { String::new() } else { format!("{end_day} ") };
            format!("{start_day} {}-{end_day}{}", clock(*starts), clock(*ends))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn session(session_id: i64, d: &Draft) -> Vec<String> {
    vec![
        id(session_id),
        d.kind.as_str().into(),
        d.title.clone(),
        d.topic.as_str().into(),
        d.venue_id.to_string(),
        meetings(&d.meetings),
        d.capacity.to_string(),
        d.loaner_devices.to_string(),
        d.instructors.to_string(),
        d.assistants.to_string(),
        optional(d.slot_minutes),
        optional(d.advisors),
        d.description.clone(),
        d.what_to_bring.clone(),
    ]
}

pub fn ward(w: &Ward, sort_order: i32) -> Vec<String> {
    vec![w.code.clone(), w.name_ja.clone(), w.name_en.clone(), sort_order.to_string()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::ImportKind;

    #[test]
    fn cells_follow_the_columns() {
        let v = Venue {
            id: 3,
            name: "門司市民センター".into(),
            kind: crate::domain::VenueKind::CommunityCenter,
            ward: "moji".into(),
            address: "門司区".into(),
            access: String::new(),
            name_kana: "モジシミンセンター".into(),
            phone: String::new(),
            hours: String::new(),
            latitude: Some(33.9),
            longitude: Some(130.96),
            wheelchair: Some(true),
            step_free: None,
            accessible_toilet: Some(false),
            priority_parking: None,
        };
        let cells = venue(&v);
        assert_eq!(cells.len(), ImportKind::Venues.columns().len());
        assert_eq!(
            (cells[0].as_str(), cells[9].as_str(), cells[11].as_str(), cells[13].as_str()),
            ("3", "33.9", "yes", "no")
        );
        assert_eq!(venue(&Venue { id: 0, ..v })[0], "");
    }
}
