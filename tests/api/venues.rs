use serde_json::{json, Value};

use crate::{both_backends, helpers::*};

async fn venues_are_public_and_managed_by_managers(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let list: Vec<Value> = app.get("/api/v1/venues", None).await.json().await.unwrap();
    assert!(list.len() >= 14, "the sample city has at least 14 venues");
    assert!(list.iter().all(|v| v["ward"].is_string() && v["address"].is_string()));

    let body = json!({ "name": "テスト市民センター", "kind": "community_center", "ward": "tobata", "address": "北九州市戸畑区1-1" });
    assert_eq!(app.post("/api/v1/venues", None, &body).await.status(), 401);
    assert_eq!(app.post("/api/v1/venues", Some(&app.staff_token), &body).await.status(), 403);
    assert_eq!(app.post("/api/v1/venues", Some("ippo_garbage"), &body).await.status(), 401);
    let res = app.post("/api/v1/venues", Some(&app.manager_token), &body).await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["name"], "テスト市民センター");
    let after: Vec<Value> = app.get("/api/v1/venues", None).await.json().await.unwrap();
    assert_eq!(after.len(), list.len() + 1);
}

async fn bad_venues_are_refused_in_japanese_and_store_nothing(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let before = app.count_rows("venues").await;
    let res = app
        .post(
            "/api/v1/venues",
            Some(&app.manager_token),
            &json!({ "name": "", "kind": "castle", "ward": "shinjuku", "address": "x" }),
        )
        .await;
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "invalid");
    assert_eq!(err["error"]["fields"]["name"], "入力してください。");
    assert_eq!(err["error"]["fields"]["kind"], "選択肢から選んでください。");
    assert_eq!(err["error"]["fields"]["ward"], "選択肢から選んでください。");
    assert_eq!(app.count_rows("venues").await, before);

    // English when the client asks for it; a broken body is a 400, not a 5xx.
    let res = app
        .client
        .post(app.url("/api/v1/venues"))
        .bearer_auth(&app.manager_token)
        .header("accept-language", "en")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["message"], "The body is not valid JSON.");
}

both_backends!(venues_are_public_and_managed_by_managers, bad_venues_are_refused_in_japanese_and_store_nothing);
