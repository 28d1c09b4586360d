-- The follow-up (issue 18): weeks after a course, whether the attendee has used the
-- city's online services since (the current plan's target: デジタル導入した市民サービスの
-- 市民利用率 80%). Asked only of attendees who agreed at sign-up, recorded with its time.
ALTER TABLE registrations ADD COLUMN followup_consent_at TEXT;

-- The choices of the questionnaire, which a manager can edit: the city's digital
-- services (`service`) and what stopped someone who used none (`barrier`).
CREATE TABLE followup_choices (
    kind TEXT NOT NULL,
    code TEXT NOT NULL,
    label_ja TEXT NOT NULL,
    label_en TEXT NOT NULL,
    sort_order INTEGER NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (kind, code)
);
INSERT INTO followup_choices (kind, code, label_ja, label_en, sort_order) VALUES
    ('service', 'online_applications', '電子申請（市の手続きをスマホで）', 'Online applications to the city', 1),
    ('service', 'mynaportal', 'マイナポータル・マイナ保険証', 'Mynaportal / My Number health insurance card', 2),
    ('service', 'disaster_info', '防災アプリ・防災メール', 'Disaster-prevention app or mail', 3),
    ('service', 'cashless', 'キャッシュレス決済', 'Cashless payment', 4),
    ('service', 'city_line', 'LINEなどで市の情報を見る', 'City news on LINE and the like', 5),
    ('service', 'online_medical', 'オンライン診療・病院の予約', 'Online medical care or booking', 6),
    ('barrier', 'no_chance', '使う機会がなかった', 'No occasion to use one', 1),
    ('barrier', 'hard_to_use', '操作が難しい', 'Too hard to operate', 2),
    ('barrier', 'no_device', 'スマホを持っていない', 'No smartphone', 3),
    ('barrier', 'worried', '個人情報や詐欺が心配', 'Worried about privacy or fraud', 4),
    ('barrier', 'no_one_to_ask', '聞ける人がいない', 'Nobody to ask', 5),
    ('barrier', 'other', 'その他', 'Other', 6);

-- One follow-up of one attended registration, per round (IPPO_FOLLOWUP_DAYS): how it was
-- asked (`email`, else `phone`: the staff's follow-up call list), the answer, and the
-- calls made. Nothing here names a person; the registration does, until retention.
CREATE TABLE followups (
    id INTEGER PRIMARY KEY,
    registration_id INTEGER NOT NULL REFERENCES registrations(id),
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    round INTEGER NOT NULL,
    token TEXT NOT NULL,
    channel TEXT NOT NULL,
    queued_at TEXT NOT NULL,
    answered_at TEXT,
    source TEXT,
    entered_by INTEGER REFERENCES users(id),
    used_any BOOLEAN,
    with_help BOOLEAN,
    services_used TEXT NOT NULL DEFAULT '',
    barriers TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    call_attempts INTEGER NOT NULL DEFAULT 0,
    last_call_at TEXT,
    closed_at TEXT,
    closed_reason TEXT,
    UNIQUE (registration_id, round)
);
CREATE UNIQUE INDEX followups_token_key ON followups (token);
CREATE INDEX followups_session_idx ON followups (session_id);

-- Each choice an answer ticked, for counting by service and by barrier with one GROUP BY.
CREATE TABLE followup_answer_choices (
    followup_id INTEGER NOT NULL REFERENCES followups(id),
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    kind TEXT NOT NULL,
    code TEXT NOT NULL,
    with_help BOOLEAN,
    PRIMARY KEY (followup_id, kind, code)
);
CREATE INDEX followup_answer_choices_session_idx ON followup_answer_choices (session_id, kind, code);
