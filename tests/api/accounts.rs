use crate::{both_backends, helpers::*};

async fn login_logout_and_role_pages(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    assert_eq!(app.get("/manage", None).await.status(), 401);

    let res = app
        .client
        .post(app.url("/login"))
        .form(&[("email", "m@example.jp"), ("password", "wrong-password")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let page = res.text().await.unwrap();
    assert!(page.contains("メールアドレスかパスワードが違います。"));
    assert!(!page.contains("wrong-password"), "the password is not sent back");

    let res = app
        .client
        .post(app.url("/login"))
        .form(&[("email", "M@example.jp"), ("password", "test-password-123")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/manage");
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert_eq!(app.get("/manage", None).await.status(), 200);

    // Staff may not manage.
    let staff = client();
    let res = staff
        .post(app.url("/login"))
        .form(&[("email", "s@example.jp"), ("password", "test-password-123")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/staff");
    assert_eq!(staff.get(app.url("/manage/sessions")).send().await.unwrap().status(), 403);

    let res = app.client.post(app.url("/logout")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(app.get("/manage", None).await.status(), 401);
}

async fn cli_refuses_weak_passwords_and_issues_working_tokens(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_ippo"))
        .args(["user", "add", "--email", "x@example.jp", "--name", "X", "--role", "manager", "--password-stdin"])
        .env("DATABASE_URL", &app.database_url)
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("password"));
    let me = app.get("/api/v1/sessions/1", Some(&app.manager_token)).await;
    assert_eq!(me.status(), 200);
    let body: serde_json::Value = me.json().await.unwrap();
    assert!(body["survey_code"].is_string(), "a manager sees the survey code");
}

async fn english_switch_is_remembered(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let ja = app.get("/", None).await.text().await.unwrap();
    assert!(ja.contains("<html lang=\"ja\"") && ja.contains("講座をさがす"));
    let res = app.get("/lang?to=en&back=/sessions/1", None).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/sessions/1");
    let en = app.get("/", None).await.text().await.unwrap();
    assert!(en.contains("<html lang=\"en\"") && en.contains("Find a class"));
}

async fn login_attempts_are_throttled(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    for _ in 0..10 {
        let res = app
            .client
            .post(app.url("/login"))
            .form(&[("email", "s@example.jp"), ("password", "guess-guess-guess")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
    }
    // Even the right password waits once the minute's attempts are used up.
    let res = app
        .client
        .post(app.url("/login"))
        .form(&[("email", "s@example.jp"), ("password", "test-password-123")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    assert!(res.text().await.unwrap().contains("1分ほど待って"));
    // Another account is not affected.
    let res = app
        .client
        .post(app.url("/login"))
        .form(&[("email", "m@example.jp"), ("password", "test-password-123")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
}

both_backends!(
    login_attempts_are_throttled,
    login_logout_and_role_pages,
    cli_refuses_weak_passwords_and_issues_working_tokens,
    english_switch_is_remembered
);
