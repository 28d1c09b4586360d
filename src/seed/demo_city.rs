//! The sample city loaded by `ippo seed demo`: Kitakyushu's wards, venues and partner shops.
//!
//! All addresses, shop names, people, phone numbers and e-mail addresses are samples.
//! They are not real. E-mail addresses use only the `example.jp` domain.

/// One of the seven wards (区) of Kitakyushu City.
pub struct SeedWard {
    pub code: &'static str,
    pub name_ja: &'static str,
    pub name_en: &'static str,
}
/// A place where sessions are held: a 市民センター or a commercial facility.
pub struct SeedVenue {
    pub name: &'static str,
    pub kind: &'static str,
    pub ward: &'static str,
    pub address: &'static str,
    pub access: &'static str,
}
/// A partner mobile-carrier shop that sends staff to help at sessions.
pub struct SeedPartner {
    pub carrier: &'static str,
    pub name: &'static str,
    pub ward: &'static str,
    pub address: &'static str,
    pub contact_name: &'static str,
    pub phone: &'static str,
    pub email: &'static str,
    pub agreement_date: &'static str,
}
/// A reusable outline of a session (course, consultation, seminar or experience).
pub struct SeedSessionTemplate {
    pub kind: &'static str,
    pub topic: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub what_to_bring: &'static str,
    pub meetings: u32,
    pub minutes: u32,
    pub capacity: i32,
    pub loaner_devices: i32,
}

/// The sample city's profile (the department's published main number; the rest samples).
pub fn sample_city() -> crate::city::CityInput {
    crate::city::CityInput {
        name: "北九州市".into(),
        name_en: "Kitakyushu City".into(),
        department: "デジタル市役所推進課".into(),
        department_en: "Digital City Hall Promotion Division".into(),
        phone: "093-582-2102".into(),
        email: "digital@ippo.example.jp".into(),
        privacy_contact: String::new(),
        sender_name: String::new(),
        lg_code: "401005".into(),
    }
}

/// The seven wards, in the fixed order used throughout the app.
pub const WARDS: &[SeedWard] = &[
    SeedWard { code: "moji", name_ja: "門司区", name_en: "Moji" },
    SeedWard { code: "kokurakita", name_ja: "小倉北区", name_en: "Kokurakita" },
    SeedWard { code: "kokuraminami", name_ja: "小倉南区", name_en: "Kokuraminami" },
    SeedWard { code: "wakamatsu", name_ja: "若松区", name_en: "Wakamatsu" },
    SeedWard { code: "yahatahigashi", name_ja: "八幡東区", name_en: "Yahatahigashi" },
    SeedWard { code: "yahatanishi", name_ja: "八幡西区", name_en: "Yahatanishi" },
    SeedWard { code: "tobata", name_ja: "戸畑区", name_en: "Tobata" },
];

/// Two community centres per ward, plus two commercial facilities (sample addresses).
pub const VENUES: &[SeedVenue] = &[
    // 門司区
    SeedVenue {
        name: "門司市民センター",
        kind: "community_center",
        ward: "moji",
        address: "北九州市門司区清滝1丁目2-3",
        access: "JR門司港駅から徒歩10分、駐車場あり",
    },
    SeedVenue {
        name: "大里東市民センター",
        kind: "community_center",
        ward: "moji",
        address: "北九州市門司区大里東2丁目4-5",
        access: "JR門司駅から徒歩8分、駐車場あり（5台）",
    },
    // 小倉北区
    SeedVenue {
        name: "中井市民センター",
        kind: "community_center",
        ward: "kokurakita",
        address: "北九州市小倉北区中井1丁目3-6",
        access: "西鉄バス「中井口」から徒歩3分、駐車場あり",
    },
    SeedVenue {
        name: "足原市民センター",
        kind: "community_center",
        ward: "kokurakita",
        address: "北九州市小倉北区足原2丁目1-8",
        access: "JR南小倉駅から徒歩12分、駐車場なし",
    },
    // 小倉南区
    SeedVenue {
        name: "守恒市民センター",
        kind: "community_center",
        ward: "kokuraminami",
        address: "北九州市小倉南区守恒本町1丁目5-2",
        access: "モノレール守恒駅から徒歩5分、駐車場あり",
    },
    SeedVenue {
        name: "北方市民センター",
        kind: "community_center",
        ward: "kokuraminami",
        address: "北九州市小倉南区北方3丁目2-7",
        access: "モノレール北方駅から徒歩4分、駐車場あり（少なめ）",
    },
    // 若松区
    SeedVenue {
        name: "若松中央市民センター",
        kind: "community_center",
        ward: "wakamatsu",
        address: "北九州市若松区本町1丁目4-1",
        access: "JR若松駅から徒歩7分、駐車場あり",
    },
    SeedVenue {
        name: "高須市民センター",
        kind: "community_center",
        ward: "wakamatsu",
        address: "北九州市若松区高須東2丁目3-9",
        access: "北九州市営バス「高須」から徒歩2分、駐車場あり",
    },
    // 八幡東区
    SeedVenue {
        name: "大蔵市民センター",
        kind: "community_center",
        ward: "yahatahigashi",
        address: "北九州市八幡東区大蔵1丁目6-4",
        access: "西鉄バス「大蔵」から徒歩3分、駐車場あり",
    },
    SeedVenue {
        name: "枝光市民センター",
        kind: "community_center",
        ward: "yahatahigashi",
        address: "北九州市八幡東区枝光2丁目1-5",
        access: "JR枝光駅から徒歩6分、駐車場なし",
    },
    // 八幡西区
    SeedVenue {
        name: "黒崎市民センター",
        kind: "community_center",
        ward: "yahatanishi",
        address: "北九州市八幡西区黒崎1丁目7-2",
        access: "JR黒崎駅から徒歩8分、駐車場あり",
    },
    SeedVenue {
        name: "折尾市民センター",
        kind: "community_center",
        ward: "yahatanishi",
        address: "北九州市八幡西区折尾3丁目2-6",
        access: "JR折尾駅から徒歩10分、駐車場あり",
    },
    // 戸畑区
    SeedVenue {
        name: "中原市民センター",
        kind: "community_center",
        ward: "tobata",
        address: "北九州市戸畑区中原西1丁目3-4",
        access: "西鉄バス「中原」から徒歩4分、駐車場あり",
    },
    SeedVenue {
        name: "天籟寺市民センター",
        kind: "community_center",
        ward: "tobata",
        address: "北九州市戸畑区天籟寺2丁目5-1",
        access: "JR戸畑駅から徒歩15分、駐車場あり（5台）",
    },
    // 商業施設（相談会の会場）
    SeedVenue {
        name: "こくらえきまえショッピングセンター 2階 イベントスペース",
        kind: "commercial_facility",
        ward: "kokurakita",
        address: "北九州市小倉北区浅野1丁目1-1",
        access: "JR小倉駅から徒歩3分、有料駐車場あり",
    },
    SeedVenue {
        name: "くろさきショッピングセンター 2階 イベントスペース",
        kind: "commercial_facility",
        ward: "yahatanishi",
        address: "北九州市八幡西区藤田2丁目2-2",
        access: "JR黒崎駅から徒歩5分、駐車場あり（2時間無料）",
    },
];

/// Five partner carrier shops, each in a different ward (sample data).
pub const PARTNERS: &[SeedPartner] = &[
    SeedPartner {
        carrier: "docomo",
        name: "ドコモショップ小倉駅前店",
        ward: "kokurakita",
        address: "北九州市小倉北区京町2丁目3-4",
        contact_name: "山本 恵子",
        phone: "093-555-0101",
        email: "kokura-ekimae@docomo-shop.example.jp",
        agreement_date: "2025-04-01",
    },
    SeedPartner {
        carrier: "au",
        name: "auショップ門司店",
        ward: "moji",
        address: "北九州市門司区中町1丁目5-6",
        contact_name: "田中 健一",
        phone: "093-555-0202",
        email: "moji@au-shop.example.jp",
        agreement_date: "2025-04-01",
    },
    SeedPartner {
        carrier: "softbank",
        name: "ソフトバンク八幡西店",
        ward: "yahatanishi",
        address: "北九州市八幡西区岸の浦1丁目4-7",
        contact_name: "中村 由美",
        phone: "093-555-0303",
        email: "yahatanishi@softbank-shop.example.jp",
        agreement_date: "2025-05-15",
    },
    SeedPartner {
        carrier: "ymobile",
        name: "ワイモバイル守恒店",
        ward: "kokuraminami",
        address: "北九州市小倉南区守恒1丁目8-2",
        contact_name: "小林 誠",
        phone: "093-555-0404",
        email: "moritsune@ymobile-shop.example.jp",
        agreement_date: "2025-06-01",
    },
    SeedPartner {
        carrier: "rakuten",
        name: "楽天モバイル若松店",
        ward: "wakamatsu",
        address: "北九州市若松区東二島3丁目1-9",
        contact_name: "松尾 さくら",
        phone: "093-555-0505",
        email: "wakamatsu@rakuten-shop.example.jp",
        agreement_date: "2025-07-01",
    },
];

/// Twelve session outlines: 5 courses, 2 consultations, 2 seminars, 3 experiences.
pub const SESSION_TEMPLATES: &[SeedSessionTemplate] = &[
    // 講座（course）
    SeedSessionTemplate {
        kind: "course", topic: "basic_operation",
        title: "スマートフォン初心者講座",
        description: "スマートフォンの電源の入れ方から、電話やカメラの使い方まで、ゆっくり練習します。スマートフォンを持っていない方も、貸し出し用で参加できます。",
        what_to_bring: "スマートフォン（お持ちの方）、筆記用具",
        meetings: 4, minutes: 150, capacity: 15, loaner_devices: 10,
    },
    SeedSessionTemplate {
        kind: "course", topic: "line",
        title: "LINE講座",
        description: "LINEでメッセージや写真を送る方法を学びます。家族や友だちと、かんたんに連絡ができるようになります。",
        what_to_bring: "スマートフォン（お持ちの方）、筆記用具",
        meetings: 2, minutes: 120, capacity: 15, loaner_devices: 8,
    },
    SeedSessionTemplate {
        kind: "course", topic: "mynumber",
        title: "マイナンバーカード講座",
        description: "マイナンバーカードでできることを学びます。健康保険証として使う方法も、いっしょに確認します。",
        what_to_bring: "スマートフォン（お持ちの方）、筆記用具、マイナンバーカード（お持ちの方）",
        meetings: 1, minutes: 90, capacity: 20, loaner_devices: 6,
    },
    SeedSessionTemplate {
        kind: "course", topic: "disaster_apps",
        title: "防災アプリ講座",
        description: "大雨や地震のときに役立つアプリを入れて、使い方を練習します。ひなん場所の調べ方も学びます。",
        what_to_bring: "スマートフォン（お持ちの方）、筆記用具",
        meetings: 1, minutes: 120, capacity: 15, loaner_devices: 8,
    },
    SeedSessionTemplate {
        kind: "course", topic: "cashless",
        title: "キャッシュレス決済講座",
        description: "スマートフォンでお金をはらう方法を学びます。安全に使うための注意点も、ていねいに説明します。",
        what_to_bring: "スマートフォン（お持ちの方）、筆記用具",
        meetings: 2, minutes: 90, capacity: 12, loaner_devices: 8,
    },
    // 相談会（consultation）：定員は相談枠から計算する
    SeedSessionTemplate {
        kind: "consultation", topic: "basic_operation",
        title: "スマホ相談会",
        description: "スマートフォンの困りごとに、一人ずつお答えします。予約した時間にお越しください。",
        what_to_bring: "ご自分のスマートフォン、充電器（お持ちの方）",
        meetings: 1, minutes: 180, capacity: 0, loaner_devices: 0,
    },
    SeedSessionTemplate {
        kind: "consultation", topic: "mynaportal",
        title: "マイナポータル・スマホ相談会",
        description: "マイナポータルやマイナンバーカードの使い方について、一人ずつご相談を受けます。わからないことを、気軽に聞いてください。",
        what_to_bring: "ご自分のスマートフォン、マイナンバーカード（お持ちの方）、暗証番号のメモ（ご自分で管理してください）",
        meetings: 1, minutes: 180, capacity: 0, loaner_devices: 0,
    },
    // セミナー（seminar）
    SeedSessionTemplate {
        kind: "seminar", topic: "internet",
        title: "デジタル活用セミナー",
        description: "スマートフォンで、毎日のくらしがどう便利になるかをお話しします。はじめての方も、安心してご参加ください。",
        what_to_bring: "筆記用具",
        meetings: 1, minutes: 90, capacity: 60, loaner_devices: 0,
    },
    SeedSessionTemplate {
        kind: "seminar", topic: "other",
        title: "ネット詐欺・トラブル対策セミナー",
        description: "スマートフォンでの詐欺やトラブルの例を紹介します。だまされないためのポイントを、わかりやすくお伝えします。",
        what_to_bring: "筆記用具",
        meetings: 1, minutes: 90, capacity: 40, loaner_devices: 0,
    },
    // 行政サービス体験会（experience）
    SeedSessionTemplate {
        kind: "experience", topic: "mynaportal",
        title: "マイナポータル体験会",
        description: "マイナポータルに実際にログインして、使い方を体験します。スタッフがそばでお手伝いします。",
        what_to_bring: "スマートフォン（お持ちの方）、マイナンバーカード、暗証番号のメモ（ご自分で管理してください）",
        meetings: 1, minutes: 120, capacity: 12, loaner_devices: 6,
    },
    SeedSessionTemplate {
        kind: "experience", topic: "online_applications",
        title: "電子申請体験会",
        description: "市役所に行かなくても、スマートフォンでできる手続きを体験します。練習用の画面を使うので、安心です。",
        what_to_bring: "スマートフォン（お持ちの方）、筆記用具、マイナンバーカード（お持ちの方）",
        meetings: 1, minutes: 120, capacity: 16, loaner_devices: 8,
    },
    SeedSessionTemplate {
        kind: "experience", topic: "maps",
        title: "地図アプリ・バス案内体験会",
        description: "地図アプリで、行きたい場所やバスの時間を調べる方法を体験します。外出がもっと楽しくなります。",
        what_to_bring: "スマートフォン（お持ちの方）、筆記用具",
        meetings: 1, minutes: 120, capacity: 10, loaner_devices: 6,
    },
];
