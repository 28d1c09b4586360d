//! `ippo seed demo`: the sample city — Kitakyushu's wards, venues, partner shops,
//! eight weeks of sessions and three accounts whose passwords are printed once.

mod demo_city;

use std::fmt::Write;

use chrono::{Duration, NaiveTime, Utc};
use rand::{distributions::Alphanumeric, Rng};

use demo_city::{PARTNERS, SESSION_TEMPLATES, VENUES, WARDS};
use crate::{
    accounts::store::{create_user, NewUser},
    domain::Role,
    on_db,
    server::db::Db,
    sessions::{store as sessions_store, MeetingInput, SessionInput},
    time::{from_tokyo, today_tokyo},
};

/// How many upcoming sessions the sample city schedules.
const SESSIONS: usize = 36;

pub async fn is_empty(db: &Db) -> anyhow::Result<bool> {
    let venues: i64 = on_db!(db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM venues").fetch_one(pool).await)?;
    Ok(venues == 0)
}

fn password() -> String {
    rand::thread_rng().sample_iter(&Alphanumeric).take(14).map(char::from).collect()
}

/// Loads the sample city into an empty database and says what it made.
pub async fn demo(db: &Db) -> anyhow::Result<String> {
    anyhow::ensure!(is_empty(db).await?, "the database already has venues; the sample city loads only into an empty one");
    let now = Utc::now();
    for (i, w) in WARDS.iter().enumerate() {
        on_db!(db, pool => {
            sqlx::query(
                "INSERT INTO wards (code, name_ja, name_en, sort_order) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (code) DO NOTHING",
            )
            .bind(w.code)
            .bind(w.name_ja)
            .bind(w.name_en)
            .bind(i as i32)
            .execute(pool)
            .await.map(|_| ())
        })?;
    }
    let mut venue_ids = Vec::new();
    for v in VENUES {
        let id: i64 = on_db!(db, pool => {
            sqlx::query_scalar(
                "INSERT INTO venues (name, kind, ward, address, access, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
            )
            .bind(v.name)
            .bind(v.kind)
            .bind(v.ward)
            .bind(v.address)
            .bind(v.access)
            .bind(now)
            .fetch_one(pool)
            .await
        })?;
        venue_ids.push((id, v));
    }
    for p in PARTNERS {
        let agreed = chrono::NaiveDate::parse_from_str(p.agreement_date, "%Y-%m-%d").ok();
        on_db!(db, pool => {
            sqlx::query(
                "INSERT INTO partners (carrier, name, ward, address, contact_name, phone, email, agreement_date, active,
                     notes, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, TRUE, '', $9, $9)",
            )
            .bind(p.carrier)
            .bind(p.name)
            .bind(p.ward)
            .bind(p.address)
            .bind(p.contact_name)
            .bind(p.phone)
            .bind(p.email)
            .bind(agreed)
            .bind(now)
            .execute(pool)
            .await.map(|_| ())
        })?;
    }

    // Spread the sessions over the next eight weeks, morning or afternoon, across venues;
    // consultations go to the shopping centres, where people pass by.
    let today = today_tokyo(now);
    let centres: Vec<i64> =
        venue_ids.iter().filter(|(_, v)| v.kind == "community_center").map(|(id, _)| *id).collect();
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
        let draft = sessions_store::check(db, &input, sessions_store::api_meetings(&input))
            .await
            .map_err(|e| anyhow::anyhow!("sample session {i} is invalid: {e:?}"))?;
        sessions_store::create(db, draft).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    }

    let mut report = String::new();
    writeln!(report, "Sample city loaded: {} wards, {} venues, {} partner shops, {SESSIONS} sessions.", WARDS.len(), VENUES.len(), PARTNERS.len())?;
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
            NewUser { email: email.into(), name: name.into(), role, password: password.clone(), venue_ids: venues, partner_id: None },
        )
        .await
        .map_err(|e| anyhow::anyhow!("sample account {email}: {e}"))?;
        writeln!(report, "  {role:<8} {email}  password: {password}")?;
    }
    Ok(report)
}
