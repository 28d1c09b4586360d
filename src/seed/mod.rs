//! `ippo seed wards`: Kitakyushu's seven wards alone. `ippo seed demo`: the sample city —
//! its profile, the wards (when missing), venues, partner shops, eight weeks of sessions
//! and three accounts whose passwords are printed once; pages then say 「サンプル」.

mod demo_city;

use std::fmt::Write;

use chrono::{Duration, NaiveTime, Utc};
use rand::{distributions::Alphanumeric, Rng};

use crate::{
    accounts::store::{create_user, NewUser},
    city::{self, wards::WardInput},
    domain::Role,
    on_db,
    partners::{store as partners_store, PartnerInput},
    policy::Viewer,
    server::db::Db,
    sessions::{store as sessions_store, MeetingInput, SessionInput},
    time::{from_tokyo, today_tokyo},
    venues::{store as venues_store, VenueInput},
};
use demo_city::{sample_city, PARTNERS, SESSION_TEMPLATES, VENUES, WARDS};

/// How many upcoming sessions the sample city schedules.
const SESSIONS: usize = 36;

pub async fn is_empty(db: &Db) -> anyhow::Result<bool> {
    let venues: i64 = on_db!(db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM venues").fetch_one(pool).await)?;
    Ok(venues == 0)
}

fn password() -> String {
    rand::thread_rng().sample_iter(&Alphanumeric).take(14).map(char::from).collect()
}

/// Loads Kitakyushu's seven wards (codes as in SPEC.md) and nothing else; a ward whose
/// code is there already is left as it is. Says what it did.
pub async fn wards(db: &Db) -> anyhow::Result<String> {
    let mut tx = db.begin().await?;
    let mut added = Vec::new();
    for (i, w) in WARDS.iter().enumerate() {
        let input = WardInput {
            code: w.code.into(),
            name_ja: w.name_ja.into(),
            name_en: w.name_en.into(),
            sort_order: i.to_string(),
        };
        let checked = city::wards::check(&input).map_err(|e| anyhow::anyhow!("ward {}: {e:?}", w.code))?;
        if city::wards::find_in(&mut tx, w.code).await?.is_none() {
            city::wards::upsert_in(&mut tx, &checked).await?;
            added.push(w.name_ja);
        }
    }
    tx.commit().await?;
    Ok(if added.is_empty() {
        "The seven wards of Kitakyushu were there already; nothing changed.".to_string()
    } else {
        format!("Wards added: {} ({} of 7).", added.join(", "), added.len())
    })
}

/// Loads the sample city into an empty database and says what it made.
pub async fn demo(db: &Db) -> anyhow::Result<String> {
    anyhow::ensure!(
        is_empty(db).await?,
        "the database already has venues; the sample city loads only into an empty one"
    );
    let now = Utc::now();
    wards(db).await?;
    let profile = city::store::get(db).await?;
    if !profile.is_set_up() {
        let checked = city::store::check(&sample_city()).map_err(|e| anyhow::anyhow!("sample city: {e:?}"))?;
        city::store::write(db, &checked).await?;
    }
    city::store::mark_sample(db, true).await?;
    // The sample data meets the same checks (and normalisation) as what people type.
    let wards = venues_store::wards(db).await?;
    let mut tx = db.begin().await?;
    let mut venue_ids = Vec::new();
    for v in VENUES {
        let input = VenueInput {
            name: v.name.into(),
            kind: v.kind.into(),
            ward: v.ward.into(),
            address: v.address.into(),
            access: v.access.into(),
            ..Default::default()
        };
        let checked =
            venues_store::check(&input, &wards).map_err(|e| anyhow::anyhow!("sample venue {}: {e:?}", v.name))?;
        venue_ids.push((venues_store::insert(&mut tx, &checked, now).await?, v));
    }
    for p in PARTNERS {
        let input = PartnerInput {
            carrier: p.carrier.into(),
            name: p.name.into(),
            ward: p.ward.into(),
            address: p.address.into(),
            contact_name: p.contact_name.into(),
            phone: p.phone.into(),
            email: p.email.into(),
            agreement_date: Some(p.agreement_date.into()),
            active: Some(true),
            notes: String::new(),
        };
        let checked =
            partners_store::check(&input, &wards).map_err(|e| anyhow::anyhow!("sample partner {}: {e:?}", p.name))?;
        partners_store::insert(&mut tx, &checked, now).await?;
    }
    tx.commit().await?;

    // Spread the sessions over the next eight weeks, morning or afternoon, across venues;
    // consultations go to the shopping centres, where people pass by.
    let today = today_tokyo(now);
    let centres: Vec<i64> = venue_ids.iter().filter(|(_, v)| v.kind == "community_center").map(|(id, _)| *id).collect();
    let malls: Vec<i64> =
        venue_ids.iter().filter(|(_, v)| v.kind == "commercial_facility").map(|(id, _)| *id).collect();
    for i in 0..SESSIONS {
        let t = &SESSION_TEMPLATES[i % SESSION_TEMPLATES.len()];
        let venue_id = if t.kind == "consultation" { malls[i % malls.len()] } else { centres[i % centres.len()] };
        let day = today + Duration::days(2 + (i as i64 * 56 / SESSIONS as i64) % 50);
        let start = if i % 2 == 0 { NaiveTime::from_hms_opt(10, 0, 0) } else { NaiveTime::from_hms_opt(13, 30, 0) }
            .expect("valid time");
        let meetings = (0..t.meetings as i64)
            .map(|week| {
                let starts = from_tokyo(day + Duration::weeks(week), start);
                MeetingInput {
                    starts_at: starts.to_rfc3339(),
                    ends_at: (starts + Duration::minutes(t.minutes as i64)).to_rfc3339(),
                }
            })
            .collect();
        let helpers = (t.capacity as i64 + 3) / 4;
        let input = SessionInput {
            kind: t.kind.into(),
            title: t.title.into(),
            topic: t.topic.into(),
            venue_id: Some(venue_id),
            capacity: Some(t.capacity.max(1) as i64),
            loaner_devices: Some(t.loaner_devices as i64),
            instructors: Some(helpers.min(2)),
            assistants: Some((helpers - 2).max(0)),
            slot_minutes: (t.kind == "consultation").then_some(30),
            advisors: (t.kind == "consultation").then_some(3),
            description: t.description.into(),
            what_to_bring: t.what_to_bring.into(),
            meetings: Some(meetings),
            ..Default::default()
        };
        let operator = Viewer::command_line();
        let draft = sessions_store::check(db, &operator, &input, sessions_store::api_meetings(&input))
            .await
            .map_err(|e| anyhow::anyhow!("sample session {i} is invalid: {e:?}"))?;
        sessions_store::create(db, &operator, draft, None).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    }

    let mut report = String::new();
    writeln!(
        report,
        "Sample city loaded: {} wards, {} venues, {} partner shops, {SESSIONS} sessions.",
        WARDS.len(),
        VENUES.len(),
        PARTNERS.len()
    )?;
    writeln!(report, "Accounts (passwords are shown only now):")?;
    let accounts = [
        ("manager@ippo.example.jp", "デジタル市役所推進課 管理者", Role::Manager, vec![]),
        ("staff.moji@ippo.example.jp", "門司市民センター 受付", Role::Staff, vec![venue_ids[0].0, venue_ids[1].0]),
        ("staff.kokura@ippo.example.jp", "小倉北区 受付", Role::Staff, vec![venue_ids[2].0, venue_ids[3].0, malls[0]]),
    ];
    for (email, name, role, venues) in accounts {
        let password = password();
        create_user(
            db,
            NewUser {
                email: email.into(),
                name: name.into(),
                role,
                password: password.clone(),
                venue_ids: venues,
                partner_id: None,
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("sample account {email}: {e}"))?;
        writeln!(report, "  {role:<8} {email}  password: {password}")?;
    }
    Ok(report)
}
