//! CSV import and export: files as Excel and cities write them, a preview before any
//! write, imports that never overwrite or duplicate a record unseen, and the city's own
//! 公共施設一覧 as published.

use serde_json::{json, Value};

use crate::{both_backends, helpers::*};

/// A multipart body as a browser sends the upload form.
pub fn upload_body(fields: &[(&str, &str)], file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----ippoTestBoundary0123456789";
    let mut body = Vec::new();
    let mut part = |name: &str, value: &[u8], filename: Option<&str>| {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match filename {
            Some(f) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
        }
        body.extend_from_slice(value);
        body.extend_from_slice(b"\r\n");
    };
    for (name, value) in fields {
        part(name, value.as_bytes(), None);
    }
    part("file", file, Some("data.csv"));
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Who may import a kind: wards are the administrators', the rest the managers'.
fn token_for<'a>(app: &'a TestApp, fields: &[(&str, &str)]) -> &'a str {
    if fields.contains(&("kind", "wards")) {
        &app.admin_token
    } else {
        &app.manager_token
    }
}

/// Uploads a file: the response (a 303 to the preview, or the form again).
pub async fn upload(app: &TestApp, fields: &[(&str, &str)], file: &[u8]) -> reqwest::Response {
    let (content_type, body) = upload_body(fields, file);
    app.client
        .post(app.url("/manage/exchange"))
        .bearer_auth(token_for(app, fields))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// An upload's preview: its address and page.
async fn preview(app: &TestApp, fields: &[(&str, &str)], file: &[u8]) -> (String, String) {
    let res = upload(app, fields, file).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/manage/exchange/preview/"), "{location}");
    let page = app.get(&location, Some(token_for(app, fields))).await;
    assert_eq!(page.status(), 200);
    (location, page.text().await.unwrap())
}

/// The plan fingerprint a preview page carries in its confirmation form.
fn plan_of(page: &str) -> String {
    let at = page.find("name=\"plan\" value=\"").expect("a confirmation form") + "name=\"plan\" value=\"".len();
    page[at..].split('"').next().unwrap().to_string()
}

/// Confirms a preview as the clerk who uploaded it (`token`).
async fn confirm_as(app: &TestApp, token: &str, location: &str, plan: &str, renames: bool) -> reqwest::Response {
    let mut form = vec![("plan", plan.to_string())];
    if renames {
        form.push(("accept_renames", "on".into()));
    }
    app.client.post(app.url(location)).bearer_auth(token).form(&form).send().await.unwrap()
}

/// Confirms a manager's preview.
async fn confirm(app: &TestApp, location: &str, plan: &str, accept_renames: bool) -> reqwest::Response {
    confirm_as(app, &app.manager_token, location, plan, accept_renames).await
}

async fn download(app: &TestApp, kind: &str) -> Vec<u8> {
    let res = app.get(&format!("/manage/exchange/{kind}.csv"), Some(&app.manager_token)).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let bytes = res.bytes().await.unwrap().to_vec();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM for Excel");
    bytes
}

fn write_temp(name: &str, bytes: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!(
        "ippo-import-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

async fn venues(app: &TestApp) -> Vec<Value> {
    app.get("/api/v1/venues", None).await.json().await.unwrap()
}

/// The header of the 公共施設一覧 (自治体標準オープンデータセット) as SPEC.md gives it,
/// with a repeated name (the second 備考 must not win).
const FACILITY_HEADER: &str =
    "全国地方公共団体コード,ID,地方公共団体名,名称,名称_カナ,名称_英字,名称_通称,POIコード,外部識別子,外部識別子の値,\
所在地_全国地方公共団体コード,町字ID,所在地_連結表記,所在地_都道府県,所在地_市区町村,所在地_町字,所在地_番地以下,\
建物名等（方書）,緯度,経度,高度の種別,高度の値,電話番号,内線番号,連絡先メールアドレス,郵便番号,法人番号,団体名,\
利用可能曜日,開始時間,終了時間,利用可能時間特記事項,説明,車椅子可,車椅子貸出,ツエ貸出,バリアフリートイレ,\
スロープ、エレベータ、エスカレータ,優先駐車場,URL,画像,画像_ライセンス,備考,備考";

/// One facility row in the header's columns, from the cells that matter here.
#[allow(clippy::too_many_arguments)]
fn facility(
    code: &str,
    id: &str,
    body: &str,
    name: &str,
    kana: &str,
    municipality: &str,
    town: &str,
    number: &str,
    lat_lon: (&str, &str),
    phone: &str,
    facts: [&str; 4],
) -> String {
    let address = format!("福岡県{municipality}{town}{number}");
    let cells = [
        code,
        id,
        body,
        name,
        kana,
        "",
        "",
        "",
        "",
        "",
        code,
        "",
        &address,
        "福岡県",
        municipality,
        town,
        number,
        "",
        lat_lon.0,
        lat_lon.1,
        "",
        "",
        phone,
        "",
        "",
        "",
        "",
        "",
        "月火水木金土",
        "9:00",
        "21:00",
        "祝日は休館",
        "",
        facts[0],
        "",
        "",
        facts[1],
        facts[2],
        facts[3],
        "",
        "",
        "",
        "",
        "二つ目の備考",
    ];
    cells.map(|c| if c.contains(',') { format!("\"{c}\"") } else { c.to_string() }).join(",")
}

/// The city's list of facilities as it publishes it: two new centres (half-width kana,
/// full-width digits, the ward written in 所在地_町字 or after the city in
/// 所在地_市区町村), one already in Ippo written the published way, a library (another
/// type), and another city's centre; each with an `ID` that collides with Ippo's ids.
fn facility_list() -> String {
    [
        FACILITY_HEADER.to_string(),
        facility(
            "401005",
            "1",
            "福岡県北九州市",
            "大積市民センター",
            "ｵｵﾂﾐｼﾐﾝｾﾝﾀｰ",
            "北九州市",
            "門司区大積",
            "１－２",
            ("33.8801", "130.9952"),
            "０９３－３４１－１２３４",
            ["有", "無", "有", ""],
        ),
        facility(
            "401005",
            "2",
            "福岡県北九州市",
            "ひびきの市民センター",
            "ヒビキノシミンセンター",
            "北九州市若松区",
            "ひびきの北",
            "8-1",
            ("33.8885", "130.7081"),
            "093-741-5678",
            ["", "", "", "有"],
        ),
        facility(
            "401005",
            "3",
            "福岡県北九州市",
            "中井市民センター",
            "ナカイシミンセンター",
            "北九州市",
            "小倉北区中井",
            "１丁目３番６号",
            ("33.8950", "130.8610"),
            "",
            ["有", "有", "有", "有"],
        ),
        facility(
            "401005",
            "4",
            "福岡県北九州市",
            "北九州市立中央図書館",
            "",
            "北九州市",
            "小倉北区城内",
            "4-1",
            ("", ""),
            "",
            ["", "", "", ""],
        ),
        facility(
            "401307",
            "5",
            "福岡県福岡市",
            "中央市民センター",
            "",
            "福岡市中央区",
            "赤坂",
            "2-5-8",
            ("", ""),
            "",
            ["", "", "", ""],
        ),
    ]
    .join("\r\n")
        + "\r\n"
}

/// The city's facility list imports as published — left out rows reported, the ward
/// read from the address, the reading and accessibility kept — and a second import of
/// the same file (in UTF-8 with BOM or Shift_JIS) creates nothing.
async fn the_city_facility_list_imports_as_published(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let list = facility_list();
    let utf8 = [b"\xEF\xBB\xBF".as_slice(), list.as_bytes()].concat();
    let file = write_temp("公共施設一覧.csv", &utf8);
    let before = venues(&app).await;
    let nakai = before.iter().find(|v| v["name"] == "中井市民センター").unwrap().clone();
    let args = ["import", "venues", "--format", "facility-list", "--facility-type", "市民センター"];

    // A dry run says what would happen and writes nothing.
    let out = app.cli_output(&[&args[..], &["--dry-run", file.as_str()]].concat()).await;
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(printed.contains("新規 2件、変更 1件、変更なし 0件、対象外 2行、問題のある行 0行"), "{printed}");
    assert!(printed.contains("ほかの自治体（福岡県福岡市）の施設です"), "{printed}");
    assert!(printed.contains("名称に「市民センター」がありません"), "{printed}");
    assert!(printed.contains("名前と住所が同じ"), "the published 中井 is the stored one: {printed}");
    assert_eq!(venues(&app).await, before, "a dry run writes nothing");

    let out = app.cli_output(&[&args[..], &[file.as_str()]].concat()).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let after = venues(&app).await;
    assert_eq!(after.len(), before.len() + 2);
    let ootsumi: Value = after.iter().find(|v| v["name"] == "大積市民センター").unwrap().clone();
    assert_eq!(ootsumi["ward"], "moji");
    assert_eq!(ootsumi["kind"], "community_center");
    assert_eq!(ootsumi["name_kana"], "オオツミシミンセンター");
    assert_eq!(ootsumi["phone"], "093-341-1234");
    assert_eq!(ootsumi["address"], "福岡県北九州市門司区大積1-2");
    assert_eq!(ootsumi["hours"], "月火水木金土 9:00〜21:00 祝日は休館");
    assert_eq!((ootsumi["latitude"].as_f64(), ootsumi["longitude"].as_f64()), (Some(33.8801), Some(130.9952)));
    assert_eq!(
        [&ootsumi["wheelchair"], &ootsumi["accessible_toilet"], &ootsumi["step_free"], &ootsumi["priority_parking"]],
        [&json!(true), &json!(false), &json!(true), &Value::Null]
    );
    let hibikino = after.iter().find(|v| v["name"] == "ひびきの市民センター").unwrap();
    assert_eq!(hibikino["ward"], "wakamatsu", "the ward after the city in 所在地_市区町村");
    let nakai_now = after.iter().find(|v| v["id"] == nakai["id"]).unwrap();
    assert_eq!(nakai_now["address"], nakai["address"], "the stored address stays");
    assert_eq!(nakai_now["access"], nakai["access"], "columns the list does not have keep their values");
    assert_eq!(nakai_now["wheelchair"], json!(true), "the list's facts are added");
    for id in [1, 2, 3] {
        let old = before.iter().find(|v| v["id"] == id).unwrap();
        let new = after.iter().find(|v| v["id"] == id).unwrap();
        assert_eq!(old["name"], new["name"], "the list's ID {id} is not Ippo's id {id}");
    }

    // The same list again, and the same list from Excel in Shift_JIS: nothing new.
    let (sjis, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&list);
    assert!(!unmappable && std::str::from_utf8(&sjis).is_err());
    for again in [file.clone(), write_temp("sjis.csv", &sjis)] {
        let out = app.cli_output(&[&args[..], &[again.as_str()]].concat()).await;
        let printed = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(printed.contains("新規 0件、変更 0件、変更なし 3件"), "{printed}");
        assert_eq!(venues(&app).await, after);
    }

    // Lists sort by reading within a ward: ヒビキノ before the other 若松 centres (ワ…).
    let wakamatsu: Vec<String> = venues(&app)
        .await
        .iter()
        .filter(|v| v["ward"] == "wakamatsu")
        .map(|v| v["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(wakamatsu[0], "ひびきの市民センター", "{wakamatsu:?}");

    // The venue's page of sessions shows the facts and a map at its position.
    let calendar = app.get(&format!("/venues/{}/calendar", ootsumi["id"]), None).await.text().await.unwrap();
    assert!(calendar.contains("車椅子で入れる：あり") && calendar.contains("バリアフリートイレ：なし"), "{calendar}");
    assert!(calendar.contains("openstreetmap.org/?mlat=33.8801&amp;mlon=130.9952"), "{calendar}");

    // The web upload reads the same format and shows the same plan.
    let fields = [("kind", "venues"), ("format", "facility-list"), ("facility_type", "市民センター")];
    let (_, page) = preview(&app, &fields, &sjis).await;
    assert!(page.contains("新規 0件、変更 0件、変更なし 3件、対象外 2行"), "{page}");
}

/// Only a column named exactly `id` binds to Ippo's ids: a file whose `ID` column holds
/// existing ids changes no existing record; a header that is almost a known one is
/// reported, and a file without a required column is refused naming the near miss.
async fn an_id_column_never_overwrites_records(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let before = venues(&app).await;
    let csv = "ID,name,kind,ward,address,Acess\n1,新しい会館,市民センター,北九州市門司区,門司区1-1,x\n2,もう一つの会館,community_center,moji,門司区2-2,y\n";
    let out = app.cli_output(&["import", "venues", &write_temp("v.csv", csv.as_bytes())]).await;
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(printed.contains("列「ID」は Ippo の番号としては読みません"), "{printed}");
    assert!(printed.contains("列「Acess」は読みません。「access」のことなら"), "{printed}");
    let after = venues(&app).await;
    assert_eq!(after.len(), before.len() + 2);
    for old in &before {
        assert_eq!(after.iter().find(|v| v["id"] == old["id"]), Some(old), "no existing record changed");
    }
    // Imported twice: the same places, so nothing new.
    let out = app.cli_output(&["import", "venues", &write_temp("v.csv", csv.as_bytes())]).await;
    assert!(String::from_utf8_lossy(&out.stdout).contains("新規 0件、変更 0件、変更なし 2件"));
    assert_eq!(venues(&app).await.len(), after.len());

    let out = app
        .cli_output(&["import", "venues", "--lang", "en", &write_temp("v.csv", b"Name,kind,ward,address\nx,y,z,w\n")])
        .await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("These columns are missing: name (「Name」?)"), "{stderr}");
}

/// The preview lists what would be created and changed, field by field; a rename must be
/// confirmed; the write then does exactly that, and a change in between stops it.
async fn the_preview_shows_exactly_what_the_write_does(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let exported = String::from_utf8(download(&app, "venues").await[3..].to_vec()).unwrap();
    let mut rows: Vec<String> = exported.lines().map(str::to_string).collect();
    let moji = rows.iter().position(|r| r.contains("門司市民センター")).unwrap();
    let nakai = rows.iter().position(|r| r.contains("中井市民センター")).unwrap();
    rows[moji] = rows[moji].replace("門司市民センター", "門司市民センター（本館）");
    rows[nakai] = rows[nakai].replace("中井1丁目3-6", "中井2丁目1-1");
    rows.push(",新設市民センター,,community_center,tobata,北九州市戸畑区新町1-1,,,,,,,,,".to_string());
    let edited = rows.join("\r\n") + "\r\n";
    let before = venues(&app).await;

    let (location, page) = preview(&app, &[("kind", "venues")], edited.as_bytes()).await;
    assert!(page.contains("新規 1件、変更 2件"), "{page}");
    assert!(page.contains("address：「北九州市小倉北区中井1丁目3-6」→「北九州市小倉北区中井2丁目1-1」"), "{page}");
    assert!(page.contains("【名前が変わります】"), "{page}");
    assert!(page.contains("名前が変わる1件を確かめました"), "{page}");
    assert_eq!(venues(&app).await, before, "a preview writes nothing");

    // Without confirming the rename nothing is written.
    let plan = plan_of(&page);
    let res = confirm(&app, &location, &plan, false).await;
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("1件の記録の名前が変わります"));
    assert_eq!(venues(&app).await, before);

    // A change made after the preview was shown stops the write.
    let id = before.iter().find(|v| v["name"] == "中井市民センター").unwrap()["id"].as_i64().unwrap();
    let current: Value = app.get(&format!("/api/v1/venues/{id}"), None).await.json().await.unwrap();
    let mut changed = current.clone();
    changed["access"] = json!("バス停から徒歩1分");
    let res = app
        .client
        .post(app.url(&format!("/manage/venues/{id}/edit")))
        .bearer_auth(&app.manager_token)
        .form(&[
            ("name", "中井市民センター"),
            ("kind", "community_center"),
            ("ward", "kokurakita"),
            ("address", current["address"].as_str().unwrap()),
            ("access", "バス停から徒歩1分"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let res = confirm(&app, &location, &plan, true).await;
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("確認画面を開いてから、データが変わりました"));

    // Shown again, confirmed: exactly what the preview said.
    let page = app.get(&location, Some(&app.manager_token)).await.text().await.unwrap();
    assert!(page.contains("access：「バス停から徒歩1分」→"), "the new preview shows the new difference: {page}");
    let res = confirm(&app, &location, &plan_of(&page), true).await;
    assert_eq!(res.status(), 303);
    let done = res.headers()["location"].to_str().unwrap().to_string();
    assert!(done.starts_with("/manage/exchange?imported=venues&created=1&updated=2&unchanged="), "{done}");
    let after = venues(&app).await;
    assert_eq!(after.len(), before.len() + 1);
    let changed: Vec<&Value> = after.iter().filter(|v| !before.contains(v)).collect();
    let names: Vec<&str> = changed.iter().map(|v| v["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names.contains(&"門司市民センター（本館）") && names.contains(&"新設市民センター"));
    assert_eq!(confirm(&app, &location, &plan, true).await.status(), 404, "a preview is written once");
}

/// An export imported back changes nothing ("0 changed"), for every kind; an edited cell
/// comes back in; and a sessions file without ids makes no second copy.
async fn export_then_import_round_trips(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    // A multi-day course with a description over two lines and seconds in its times.
    let meetings = json!([
        { "starts_at": "2027-01-09T10:00:00+09:00", "ends_at": "2027-01-09T12:30:00+09:00" },
        { "starts_at": "2027-01-16T10:00:30+09:00", "ends_at": "2027-01-16T12:30:00+09:00" }
    ]);
    app.schedule(12, 30, json!({ "meetings": meetings, "description": "1行目\n2行目, \"引用\"" })).await;
    for kind in ["venues", "sessions", "partners", "wards"] {
        let exported = download(&app, kind).await;
        let fields = [("kind", kind)];
        let (location, page) = preview(&app, &fields, &exported).await;
        assert!(page.contains("新規 0件、変更 0件"), "{kind}: {page}");
        let res = confirm_as(&app, token_for(&app, &fields), &location, &plan_of(&page), false).await;
        assert_eq!(res.status(), 303, "{kind}");
        let location = res.headers()["location"].to_str().unwrap().to_string();
        assert!(location.contains("created=0&updated=0&unchanged="), "{kind}: {location}");
        assert_eq!(download(&app, kind).await, exported, "{kind}: importing an export changes nothing");
    }

    // An edited cell comes back in.
    let partners = String::from_utf8(download(&app, "partners").await).unwrap();
    let edited = partners.replace("山本 恵子", "山本 花子");
    assert_ne!(edited, partners);
    let (location, page) = preview(&app, &[("kind", "partners")], edited.as_bytes()).await;
    assert!(page.contains("contact_name：「山本 恵子」→「山本 花子」"), "{page}");
    assert_eq!(confirm(&app, &location, &plan_of(&page), false).await.status(), 303);
    let shop: Value = app.get("/api/v1/partners/1", Some(&app.manager_token)).await.json().await.unwrap();
    assert_eq!(shop["contact_name"], "山本 花子");

    // Without ids the same sessions are found by venue, title and dates: no copies.
    let sessions = download(&app, "sessions").await;
    let before = app.count_rows("sessions").await;
    let text = String::from_utf8(sessions[3..].to_vec()).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(reader.headers().unwrap()).unwrap();
    for record in reader.records() {
        let record = record.unwrap();
        writer.write_record(std::iter::once("").chain(record.iter().skip(1))).unwrap();
    }
    let copy = writer.into_inner().unwrap();
    let out = app.cli_output(&["import", "sessions", &write_temp("sessions.csv", &copy)]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("新規 0件、変更 0件、変更なし {before}件")));
    assert_eq!(app.count_rows("sessions").await, before);
}

/// Every refusal names the line, the column, the value found and what is accepted, in
/// the reader's language; a file with a bad row writes nothing unless skipping is asked.
async fn refusals_name_the_line_column_and_value(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let text = "id,carrier,name,ward,address,contact_name,phone,email,agreement_date,active,notes\r\n\
                ,ドコモ,ドコモショップ戸畑店,戸畑区,北九州市戸畑区中本町1-1,佐藤 一郎,０９３－５５５－０６０６,tobata@example.jp,2025/4/1,yes,\r\n\
                ,au,auショップ黒崎店,北九州市八幡西区,北九州市八幡西区黒崎3-1,,,,,,\r\n\
                ,kddi,名前だけの店,港区,北九州市,,12345,,,たぶん,\r\n";
    let (sjis, _, unmappable) = encoding_rs::SHIFT_JIS.encode(text);
    assert!(!unmappable);
    let file = write_temp("partners.csv", &sjis);
    let before = app.count_rows("partners").await;

    let out = app.cli_output(&["import", "partners", &file]).await;
    assert!(!out.status.success());
    let errors = String::from_utf8(out.stderr).unwrap();
    assert!(errors.contains("4行目："), "{errors}");
    assert!(
        errors.contains("「carrier」の「kddi」：選択肢から選んでください。 使えるのは：ドコモ (docomo)"),
        "{errors}"
    );
    assert!(errors.contains("「ward」の「港区」：選択肢から選んでください。 使えるのは：門司区 (moji)、"), "{errors}");
    assert!(errors.contains("「phone」の「12345」"), "{errors}");
    assert!(errors.contains("「active」の「たぶん」"), "{errors}");
    assert!(!errors.contains("2行目") && !errors.contains("3行目"), "{errors}");
    assert_eq!(app.count_rows("partners").await, before);

    let out = app.cli_output(&["import", "partners", "--lang", "en", &file]).await;
    let errors = String::from_utf8(out.stderr).unwrap();
    assert!(
        errors.contains("Line 4: carrier \"kddi\": Please choose one of the options. Accepted: ドコモ (docomo), "),
        "{errors}"
    );
    assert!(
        errors.find("carrier") < errors.find("ward") && errors.find("ward") < errors.find("active"),
        "in column order"
    );
    assert!(errors.contains("Nothing was imported"), "{errors}");

    // The preview shows the same, and offers no write.
    let (_, page) = preview(&app, &[("kind", "partners")], &sjis).await;
    assert!(page.contains("「ward」の「港区」"), "{page}");
    assert!(!page.contains("name=\"plan\""), "no confirmation while a row is bad");

    // Skipping: the two good rows go in, the bad one is reported.
    let out = app.cli_output(&["import", "partners", &file, "--skip-bad-rows"]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8(out.stderr).unwrap().contains("4行目"));
    assert_eq!(app.count_rows("partners").await, before + 2);
    let list: Vec<Value> = app.get("/api/v1/partners", Some(&app.manager_token)).await.json().await.unwrap();
    let tobata = list.iter().find(|p| p["name"] == "ドコモショップ戸畑店").unwrap();
    assert_eq!((tobata["carrier"].clone(), tobata["ward"].clone()), (json!("docomo"), json!("tobata")));
    assert_eq!(
        (tobata["agreement_date"].clone(), tobata["phone"].clone()),
        (json!("2025-04-01"), json!("093-555-0606"))
    );
    let kurosaki = list.iter().find(|p| p["name"] == "auショップ黒崎店").unwrap();
    assert_eq!(kurosaki["ward"], "yahatanishi", "北九州市八幡西区 is the ward with the city in front");

    // Sessions name their venue; a name that fits none or several is refused with candidates.
    let sessions = "kind,title,topic,venue_id,meetings,capacity\n\
                    course,A,other,存在しない会館,2027-01-09 10:00-12:00,10\n\
                    course,B,other,市民センター,2027-01-09 10:00-12:00,10\n\
                    course,C,other,門司 市民センター,2027-01-09 10:00-12:00,10\n";
    let out = app.cli_output(&["import", "sessions", &write_temp("s.csv", sessions.as_bytes())]).await;
    let errors = String::from_utf8(out.stderr).unwrap();
    assert!(errors.contains("2行目：「venue_id」の「存在しない会館」：この会場はありません。"), "{errors}");
    assert!(errors.contains("3行目：「venue_id」の「市民センター」"), "{errors}");
    assert!(!errors.contains("4行目"), "門司 市民センター is 門司市民センター: {errors}");
}

/// A preview confirmed twice at once (a double click, two tabs) is written once, and two
/// rows of one file cannot both change the same stored record.
async fn each_record_is_written_once(backend: Backend) {
    let app = spawn_app(backend, Options::default()).await;
    let before = venues(&app).await.len();
    let csv = "name,kind,ward,address\n新しい会館,市民センター,門司区,門司区1-1\n";
    let (location, page) = preview(&app, &[("kind", "venues")], csv.as_bytes()).await;
    let plan = plan_of(&page);
    let (a, b) = tokio::join!(confirm(&app, &location, &plan, false), confirm(&app, &location, &plan, false));
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    // The other finds the preview taken (404) or, if it planned after the first wrote,
    // a plan that no longer matches what was shown (409): either way it writes nothing.
    assert!(statuses == [303, 404] || statuses == [303, 409], "{statuses:?}");
    assert_eq!(venues(&app).await.len(), before + 1);

    let stored = venues(&app).await.into_iter().find(|v| v["id"] == 3).unwrap();
    let (name, address) = (stored["name"].as_str().unwrap(), stored["address"].as_str().unwrap());
    let csv = format!("id,name,kind,ward,address\n3,改名センター,community_center,{},{address}\n,{name},community_center,{},{address}\n", stored["ward"].as_str().unwrap(), stored["ward"].as_str().unwrap());
    let out = app.cli_output(&["import", "venues", &write_temp("v.csv", csv.as_bytes())]).await;
    assert!(!out.status.success());
    let errors = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(errors.contains("3行目") && errors.contains("2行目と同じ記録です"), "{errors}");
    assert_eq!(venues(&app).await.into_iter().find(|v| v["id"] == 3).unwrap(), stored, "nothing written");
}

both_backends!(
    each_record_is_written_once,
    the_city_facility_list_imports_as_published,
    an_id_column_never_overwrites_records,
    the_preview_shows_exactly_what_the_write_does,
    export_then_import_round_trips,
    refusals_name_the_line_column_and_value,
);
