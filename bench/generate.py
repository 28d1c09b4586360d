#!/usr/bin/env python3
"""Fills an Ippo database with a realistic programme history for the benchmarks.

Run it on a database that has been migrated and seeded with the sample city
(`ippo migrate && ippo seed demo`): it reads the wards, venues and users from
there and adds, by default,

  * 50,000 sessions from FY2022 to FY2027 (1 Apr 2022 - 31 Mar 2028) across every
    venue, all four kinds and every topic, capacities 10-40 (a consultation's is
    slots x advisors), mostly one meeting, some 2- and 4-meeting courses;
  * 500,000 registrations with sample personal data, statuses that respect each
    session's capacity (and each consultation slot's advisors), attendance for
    sessions that have taken place, personal data blanked past the retention period;
  * 1,000,000 survey responses (1-5, skewed positive, some unanswered) of sessions
    that have taken place;
  * the follow-up (two rounds, 30 and 90 days after the session) of every attendee who
    came and agreed at sign-up (75%), about two thirds of them answered, with the
    services ticked, help, barriers, and the calls that went unanswered or were declined;

and sets every session's tallies (confirmed_count, waitlist_count, attended_count,
responses, responses_code, comprehension_answers/good, satisfaction_answers/good) and the follow-up
tallies (followup_tallies, followup_choice_tallies) from the rows it wrote, and the KPI
and outcome reports' cells from those, as the application's own transactions would have
(SQLite: by the triggers; PostgreSQL: with the triggers off, by one grouped insert each).

    python3 bench/generate.py --database-url sqlite://data/ippo.db
    python3 bench/generate.py --database-url postgres://postgres@127.0.0.1:5432/ippo_bench

Sizes and the random seed come from the environment: SESSIONS, REGISTRATIONS,
ANSWERS, SEED; VENUES adds community centres until there are that many (a nation's
scale: VENUES=2143 SESSIONS=1000000 REGISTRATIONS=10000000 ANSWERS=3000000); RETENTION_DAYS (365, as the server's default); FY_FIRST and FY_LAST
(2022, 2027) narrow the years, e.g. one past year holding a million follow-ups. Python 3.11 standard
library only; PostgreSQL is loaded through `psql` and COPY, in one transaction.

All names, phone numbers and e-mail addresses are made up; e-mail addresses use only
the example.jp domain.
"""

from __future__ import annotations

import argparse
import math
import os
import pickle
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from urllib.parse import unquote, urlparse

JST = timezone(timedelta(hours=9))
DAY = 86400
# The fiscal years the sessions fall in (FY_FIRST and FY_LAST in the environment).
FY_FIRST, FY_LAST = int(os.environ.get("FY_FIRST", 2022)), int(os.environ.get("FY_LAST", 2027))

# --------------------------------------------------------------------------- sample data

SURNAMES = [
    ("佐藤", "サトウ", "sato"), ("鈴木", "スズキ", "suzuki"), ("高橋", "タカハシ", "takahashi"),
    ("田中", "タナカ", "tanaka"), ("伊藤", "イトウ", "ito"), ("渡辺", "ワタナベ", "watanabe"),
    ("山本", "ヤマモト", "yamamoto"), ("中村", "ナカムラ", "nakamura"), ("小林", "コバヤシ", "kobayashi"),
    ("加藤", "カトウ", "kato"), ("吉田", "ヨシダ", "yoshida"), ("山田", "ヤマダ", "yamada"),
    ("佐々木", "ササキ", "sasaki"), ("山口", "ヤマグチ", "yamaguchi"), ("松本", "マツモト", "matsumoto"),
    ("井上", "イノウエ", "inoue"), ("木村", "キムラ", "kimura"), ("林", "ハヤシ", "hayashi"),
    ("斎藤", "サイトウ", "saito"), ("清水", "シミズ", "shimizu"), ("山崎", "ヤマザキ", "yamazaki"),
    ("森", "モリ", "mori"), ("池田", "イケダ", "ikeda"), ("橋本", "ハシモト", "hashimoto"),
    ("阿部", "アベ", "abe"), ("石川", "イシカワ", "ishikawa"), ("前田", "マエダ", "maeda"),
    ("藤田", "フジタ", "fujita"), ("小川", "オガワ", "ogawa"), ("後藤", "ゴトウ", "goto"),
    ("岡田", "オカダ", "okada"), ("長谷川", "ハセガワ", "hasegawa"), ("村上", "ムラカミ", "murakami"),
    ("近藤", "コンドウ", "kondo"), ("石井", "イシイ", "ishii"), ("坂本", "サカモト", "sakamoto"),
    ("遠藤", "エンドウ", "endo"), ("青木", "アオキ", "aoki"), ("藤井", "フジイ", "fujii"),
    ("西村", "ニシムラ", "nishimura"), ("松尾", "マツオ", "matsuo"), ("古賀", "コガ", "koga"),
    ("野口", "ノグチ", "noguchi"), ("永田", "ナガタ", "nagata"), ("原田", "ハラダ", "harada"),
    ("中島", "ナカシマ", "nakashima"), ("江口", "エグチ", "eguchi"), ("久保", "クボ", "kubo"),
]
SENIOR_GIVEN = [
    ("和子", "カズコ"), ("幸子", "サチコ"), ("節子", "セツコ"), ("洋子", "ヨウコ"), ("恵子", "ケイコ"),
    ("京子", "キョウコ"), ("久子", "ヒサコ"), ("美智子", "ミチコ"), ("弘子", "ヒロコ"), ("文子", "フミコ"),
    ("千代子", "チヨコ"), ("トシ子", "トシコ"), ("清", "キヨシ"), ("茂", "シゲル"), ("博", "ヒロシ"),
    ("勇", "イサム"), ("實", "ミノル"), ("進", "ススム"), ("隆", "タカシ"), ("正", "タダシ"),
    ("武", "タケシ"), ("修", "オサム"), ("勝", "マサル"), ("昭", "アキラ"), ("一郎", "イチロウ"),
    ("正雄", "マサオ"), ("和夫", "カズオ"), ("信子", "ノブコ"), ("静子", "シズコ"), ("悦子", "エツコ"),
]
FAMILY_GIVEN = [
    ("健太", "ケンタ", "kenta"), ("直美", "ナオミ", "naomi"), ("由美", "ユミ", "yumi"), ("大輔", "ダイスケ", "daisuke"),
    ("真由美", "マユミ", "mayumi"), ("拓也", "タクヤ", "takuya"), ("智子", "トモコ", "tomoko"), ("裕子", "ユウコ", "yuko"),
    ("誠", "マコト", "makoto"), ("香織", "カオリ", "kaori"), ("剛", "ツヨシ", "tsuyoshi"), ("明美", "アケミ", "akemi"),
    ("さくら", "サクラ", "sakura"), ("翔太", "ショウタ", "shota"), ("美穂", "ミホ", "miho"), ("浩二", "コウジ", "koji"),
]
AGE_BANDS = (["under_60"] * 4 + ["60_64"] * 8 + ["65_69"] * 17 + ["70_74"] * 28 + ["75_79"] * 25 + ["80_plus"] * 18)
ACCESSIBILITY = [
    "耳が遠いので前の席を希望します", "車いすで伺います", "老眼なので大きな文字の資料があると助かります",
    "杖を使っています", "手が少し震えます", "補聴器を使っています",
]
NOTES = ["以前の講座にも参加しました", "家族が付き添います", "らくらくスマホを使っています", "充電器を持っていきます"]
FOLLOWUP_SERVICES = ["online_applications", "mynaportal", "disaster_info", "cashless", "city_line", "online_medical"]
FOLLOWUP_BARRIERS = ["no_chance", "hard_to_use", "no_device", "worried", "no_one_to_ask", "other"]
COMMENTS = [
    "とてもわかりやすかったです。", "先生がやさしく教えてくれて安心しました。", "もう少しゆっくり進めてほしいです。",
    "LINEで孫に写真を送れるようになりました。", "次は地図アプリの使い方を知りたいです。", "資料の字が大きくて見やすかったです。",
    "時間が短く感じました。", "家でも練習してみます。", "マイナンバーカードの使い方がわかりました。",
    "隣の人と教え合えて楽しかったです。", "スタッフの方が多くて質問しやすかった。", "難しかったけれど、また参加したいです。",
    "キャッシュレス決済が少しこわくなくなりました。", "会場が近くて助かりました。", "もっと回数を増やしてほしい。",
]
STAFF_NAMES = ["受付 井上", "受付 野口", "受付 古賀", "受付 永田", "受付 原田"]
TOPICS = ["basic_operation", "calls_camera", "internet", "maps", "line", "mynumber", "mynaportal",
          "disaster_apps", "cashless", "online_applications", "other"]

SURVEY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class Outline:
    kind: str
    topic: str
    title: str
    description: str
    what_to_bring: str
    minutes: int
    capacity: tuple[int, int]
    loaners: tuple[int, int]


BRING_PHONE = "スマートフォン（お持ちの方）、筆記用具"
BRING_CARD = "スマートフォン（お持ちの方）、マイナンバーカード（お持ちの方）、筆記用具"
OUTLINES = [
    Outline("course", "basic_operation", "スマートフォン初心者講座",
            "スマートフォンの電源の入れ方から、電話やカメラの使い方まで、ゆっくり練習します。", BRING_PHONE, 150, (10, 20), (6, 10)),
    Outline("course", "calls_camera", "電話・カメラ講座", "電話のかけ方と、写真のとり方・見せ方を練習します。", BRING_PHONE, 120, (10, 20), (4, 8)),
    Outline("course", "internet", "インターネット検索講座", "知りたいことを、インターネットで調べる方法を学びます。", BRING_PHONE, 120, (10, 20), (4, 8)),
    Outline("course", "maps", "地図アプリ講座", "地図アプリで行きたい場所を調べる方法を学びます。", BRING_PHONE, 90, (10, 20), (4, 8)),
    Outline("course", "line", "LINE講座", "LINEでメッセージや写真を送る方法を学びます。", BRING_PHONE, 120, (10, 20), (4, 8)),
    Outline("course", "mynumber", "マイナンバーカード講座", "マイナンバーカードでできることを学びます。", BRING_CARD, 90, (12, 25), (4, 8)),
    Outline("course", "disaster_apps", "防災アプリ講座", "大雨や地震のときに役立つアプリを入れて、使い方を練習します。", BRING_PHONE, 120, (10, 20), (4, 8)),
    Outline("course", "cashless", "キャッシュレス決済講座", "スマートフォンでお金をはらう方法を学びます。", BRING_PHONE, 90, (10, 16), (4, 8)),
    Outline("course", "online_applications", "電子申請講座", "スマートフォンでできる市役所の手続きを学びます。", BRING_CARD, 120, (10, 16), (4, 8)),
    Outline("consultation", "basic_operation", "スマホ相談会", "スマートフォンの困りごとに、一人ずつお答えします。",
            "ご自分のスマートフォン、充電器（お持ちの方）", 180, (0, 0), (0, 0)),
    Outline("consultation", "mynaportal", "マイナポータル・スマホ相談会", "マイナポータルの使い方について、一人ずつご相談を受けます。",
            "ご自分のスマートフォン、マイナンバーカード（お持ちの方）", 180, (0, 0), (0, 0)),
    Outline("consultation", "line", "LINE相談会", "LINEの困りごとに、一人ずつお答えします。", "ご自分のスマートフォン", 120, (0, 0), (0, 0)),
    Outline("seminar", "internet", "デジタル活用セミナー", "スマートフォンで、毎日のくらしがどう便利になるかをお話しします。", "筆記用具", 90, (20, 40), (0, 0)),
    Outline("seminar", "other", "ネット詐欺・トラブル対策セミナー", "スマートフォンでの詐欺やトラブルの例を紹介します。", "筆記用具", 90, (20, 40), (0, 0)),
    Outline("seminar", "disaster_apps", "防災とスマホセミナー", "災害のときにスマートフォンでできることをお話しします。", "筆記用具", 90, (20, 40), (0, 0)),
    Outline("experience", "mynaportal", "マイナポータル体験会", "マイナポータルに実際にログインして、使い方を体験します。", BRING_CARD, 120, (10, 16), (4, 8)),
    Outline("experience", "online_applications", "電子申請体験会", "スマートフォンでできる手続きを、練習用の画面で体験します。", BRING_CARD, 120, (10, 16), (4, 8)),
    Outline("experience", "maps", "地図アプリ・バス案内体験会", "地図アプリで、バスの時間を調べる方法を体験します。", BRING_PHONE, 120, (10, 16), (4, 8)),
    Outline("experience", "cashless", "キャッシュレス体験会", "練習用のアプリで、お店での支払いを体験します。", BRING_PHONE, 90, (10, 16), (4, 8)),
]
KIND_SHARE = {"course": 0.45, "consultation": 0.20, "seminar": 0.15, "experience": 0.20}


# --------------------------------------------------------------------------- helpers

def ts(epoch: int) -> str:
    """RFC 3339 in UTC with a +00:00 offset, whole seconds: what sqlx writes for DateTime<Utc> in SQLite."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(epoch))


def tokyo_epoch(d: date, hour: int, minute: int) -> int:
    return int(datetime(d.year, d.month, d.day, hour, minute, tzinfo=JST).timestamp())


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip().replace("_", "")
    return int(value) if value else default


class Spool:
    """Rows kept in a temporary file until they are copied: at a nation's scale the
    attendances and follow-ups made alongside the registrations do not fit in memory."""

    BATCH = 10_000

    def __init__(self):
        self.file = tempfile.TemporaryFile()
        self.batch: list[tuple] = []

    def append(self, row: tuple) -> None:
        self.batch.append(row)
        if len(self.batch) >= self.BATCH:
            pickle.dump(self.batch, self.file)
            self.batch = []

    def __iter__(self):
        pickle.dump(self.batch, self.file)
        self.batch = []
        self.file.seek(0)
        while True:
            try:
                yield from pickle.load(self.file)
            except EOFError:
                return


@dataclass
class Session:
    id: int
    outline: Outline
    venue_id: int
    meetings: list[tuple[int, int]]
    capacity: int
    slot_minutes: int | None
    advisors: int | None
    loaners: int
    instructors: int
    assistants: int
    cancelled: bool
    survey_code: str
    created_at: int
    popularity: float
    # tallies, filled while registrations and answers are written
    confirmed: int = 0
    waitlisted: int = 0
    attended: int = 0
    responses: int = 0
    comp_answers: int = 0
    comp_good: int = 0
    sat_answers: int = 0
    sat_good: int = 0
    resp_code: int = 0
    slots: list[int] = field(default_factory=list)
    meeting_ids: list[int] = field(default_factory=list)

    @property
    def starts_at(self) -> int:
        return self.meetings[0][0]

    @property
    def ends_at(self) -> int:
        return self.meetings[-1][1]


# --------------------------------------------------------------------------- database sinks

class SqliteSink:
    def __init__(self, path: str):
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.execute("PRAGMA cache_size = -262144")
        self.db.execute("PRAGMA temp_store = MEMORY")

    def query(self, sql: str) -> list[tuple]:
        return self.db.execute(sql).fetchall()

    def begin(self) -> None:
        self.db.execute("BEGIN")

    def copy(self, table: str, columns: list[str], rows) -> int:
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        cur = self.db.executemany(sql, rows)
        return cur.rowcount

    def execute(self, sql: str) -> None:
        self.db.execute(sql)

    def followup_tallies(self, sqls: list[str]) -> None:
        """The follow-up tallies; their triggers fill the outcome report's cells."""
        for sql in sqls:
            self.execute(sql)

    def set_tallies(self, rows: list[tuple]) -> None:
        self.db.executemany(
            "UPDATE sessions SET confirmed_count = ?, waitlist_count = ?, attended_count = ?, responses = ?,"
            " comprehension_answers = ?, comprehension_good = ?, satisfaction_answers = ?, satisfaction_good = ?,"
            " responses_code = ? WHERE id = ?",
            rows,
        )

    def commit(self) -> None:
        self.db.execute("COMMIT")

    def finish(self, analyze: bool) -> None:
        if analyze:
            self.db.execute("ANALYZE")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.close()


def pg_text(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        return value
    return str(value)


class PostgresSink:
    """Streams one psql script: BEGIN, a COPY per table, the tallies, COMMIT."""

    def __init__(self, url: str):
        self.url = url
        self.proc = None

    def query(self, sql: str) -> list[tuple]:
        out = subprocess.run(
            ["psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", self.url, "-c", sql],
            check=True, capture_output=True, text=True,
        ).stdout
        return [tuple(line.split("\t")) for line in out.splitlines() if line]

    def begin(self) -> None:
        self.proc = subprocess.Popen(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", self.url],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, encoding="utf-8", bufsize=1 << 20,
        )
        self.out = self.proc.stdin
        # Triggers off for the whole load (foreign keys too: the rows are consistent by
        # construction; VERIFY recounts the tallies from them): a trigger per row would
        # keep the report's cells and the data version a row at a time, and in one
        # transaction every update of a cell walks the chain of its earlier versions, so the
        # load grew with the square of the sessions per cell (103 minutes at a nation's
        # scale). The cells are built at the end by one grouped insert each (`set_tallies`,
        # `followup_tallies`).
        self.out.write("BEGIN;\nSET LOCAL synchronous_commit = off;\nSET LOCAL session_replication_role = replica;\n")

    def copy(self, table: str, columns: list[str], rows) -> int:
        w = self.out.write
        w(f"COPY {table} ({', '.join(columns)}) FROM STDIN;\n")
        n = 0
        for row in rows:
            w("\t".join(map(pg_text, row)))
            w("\n")
            n += 1
        w("\\.\n")
        return n

    def execute(self, sql: str) -> None:
        self.out.write(sql.rstrip().rstrip(";") + ";\n")

    def followup_tallies(self, sqls: list[str]) -> None:
        """The follow-up tallies (triggers off, see `begin`), then the outcome report's cells
        in one grouped insert each."""
        for sql in sqls:
            self.execute(sql)
        for table in ("outcome_place_cells", "outcome_person_cells", "outcome_partner_cells", "outcome_ticked_cells"):
            self.execute(f"DELETE FROM {table}")
        self.out.write(pg_cells_sql() + "\n")

    def set_tallies(self, rows: list[tuple]) -> None:
        self.out.write(
            "CREATE TEMP TABLE bench_tallies (c INT, w INT, a INT, r INT, ca INT, cg INT, sa INT, sg INT, rc INT,"
            " id BIGINT) ON COMMIT DROP;\n"
        )
        self.copy("bench_tallies", ["c", "w", "a", "r", "ca", "cg", "sa", "sg", "rc", "id"], rows)
        self.out.write(
            "UPDATE sessions s SET confirmed_count = t.c, waitlist_count = t.w, attended_count = t.a, responses = t.r,"
            " comprehension_answers = t.ca, comprehension_good = t.cg, satisfaction_answers = t.sa,"
            " satisfaction_good = t.sg, responses_code = t.rc FROM bench_tallies t WHERE s.id = t.id;\n"
        )
        # The KPI report's cells from every session (the sample city's too), as the
        # triggers would have kept them, and the data version moved once, as the
        # transaction's own triggers would have.
        for table in ("kpi_place_cells", "kpi_time_cells"):
            self.execute(f"DELETE FROM {table}")
        self.out.write(pg_kpi_cells_sql() + "\n")
        self.execute("UPDATE data_version SET version = version + 1")
        for table in ("sessions", "meetings", "registrations", "survey_responses", "followups"):
            self.out.write(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}));\n"
            )

    def commit(self) -> None:
        self.out.write("COMMIT;\n")
        self.out.close()
        if self.proc.wait() != 0:
            raise SystemExit("psql failed while loading the data (see above)")

    def finish(self, analyze: bool) -> None:
        if analyze:
            subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", self.url, "-c", "VACUUM ANALYZE"], check=True)


def pg_cells_sql() -> str:
    """The outcome report's cells from the tallies, as migrations 0020, 0022 and 0023 keep
    them (PostgreSQL): by place, by person, by partner and by choice."""
    names = "sent, answered, used, on_own, unreachable, declined"
    sums = "SUM(t.sent), SUM(t.answered), SUM(t.used), SUM(t.on_own), SUM(t.unreachable), SUM(t.declined)"
    fy = "ippo_fiscal_year(s.starts_at)"
    live = "JOIN sessions s ON s.id = t.session_id WHERE s.status <> 'cancelled'"
    return f"""
INSERT INTO outcome_place_cells (fiscal_year, venue_id, kind, topic, {names})
SELECT {fy}, s.venue_id, s.kind, s.topic, {sums} FROM followup_tallies t {live} GROUP BY 1, 2, 3, 4;
INSERT INTO outcome_person_cells (fiscal_year, kind, age_band, device, {names})
SELECT {fy}, s.kind, t.age_band, t.device, {sums} FROM followup_tallies t {live} GROUP BY 1, 2, 3, 4;
INSERT INTO outcome_partner_cells (fiscal_year, partner_id, venue_id, kind, {names})
SELECT {fy}, sp.partner_id, s.venue_id, s.kind, {sums}
FROM followup_tallies t JOIN session_partners sp ON sp.session_id = t.session_id {live} GROUP BY 1, 2, 3, 4;
INSERT INTO outcome_ticked_cells (fiscal_year, kind, choice_kind, code, count, on_own)
SELECT {fy}, s.kind, t.kind, t.code, SUM(t.count), SUM(t.on_own)
FROM followup_choice_tallies t {live} GROUP BY 1, 2, 3, 4;
"""


def pg_kpi_cells_sql() -> str:
    """The KPI report's cells from the sessions, as migrations 0021 and 0024 keep them
    (PostgreSQL, `kpi_place_cells_add` and `kpi_time_cells_add`): a cancelled session
    counts nowhere; `confirmed_held` only once the session is counted as ended."""
    sums = ("COUNT(*), SUM(capacity), SUM(confirmed_count),"
            " SUM(CASE WHEN ended_counted THEN confirmed_count ELSE 0 END), SUM(attended_count), SUM(responses),"
            " SUM(comprehension_answers), SUM(comprehension_good), SUM(satisfaction_answers), SUM(satisfaction_good),"
            " SUM(responses_code), SUM(responses_paper)")
    names = ("sessions, capacity, confirmed, confirmed_held, attended, responses, comprehension_answers,"
             " comprehension_good, satisfaction_answers, satisfaction_good, responses_code, responses_paper")
    return f"""
INSERT INTO kpi_place_cells (fiscal_year, venue_id, kind, {names}, below_target, flagged)
SELECT ippo_fiscal_year(starts_at), venue_id, kind, {sums},
       SUM(CASE WHEN comprehension_good * 5 < comprehension_answers * 4
                     OR satisfaction_good * 5 < satisfaction_answers * 4 THEN 1 ELSE 0 END),
       SUM(CASE WHEN responses_code > attended_count AND responses_code > confirmed_count THEN 1 ELSE 0 END)
FROM sessions WHERE status <> 'cancelled' GROUP BY 1, 2, 3;
INSERT INTO kpi_time_cells (fiscal_year, kind, topic, month, {names})
SELECT ippo_fiscal_year(starts_at), kind, topic, ippo_fiscal_month(starts_at), {sums}
FROM sessions WHERE status <> 'cancelled' GROUP BY 1, 2, 3, 4;
"""


def open_sink(url: str):
    if url.startswith(("postgres://", "postgresql://")):
        return PostgresSink(url)
    if url.startswith("sqlite:"):
        parsed = urlparse(url)
        path = unquote(parsed.netloc + parsed.path) if url.startswith("sqlite://") else url[len("sqlite:"):]
        path = path.split("?", 1)[0]
        if not os.path.exists(path):
            raise SystemExit(f"{path} does not exist: run `ippo migrate` and `ippo seed demo` first")
        return SqliteSink(path)
    raise SystemExit("the database URL must start with sqlite: or postgres://")


# --------------------------------------------------------------------------- generation

class Generator:
    def __init__(self, sink, *, venues: int, sessions: int, registrations: int, answers: int, seed: int,
                 retention_days: int, now: int):
        self.sink = sink
        self.n_venues = venues
        self.n_sessions = sessions
        self.n_registrations = registrations
        self.n_answers = answers
        self.rng = random.Random(seed)
        self.retention = retention_days * DAY
        self.now = now
        self.sessions: list[Session] = []
        self.attendance_rows = Spool()
        self.followup_rows = Spool()
        self.choice_rows = Spool()

    def log(self, msg: str) -> None:
        print(f"[{time.monotonic() - self.t0:6.1f}s] {msg}", file=sys.stderr, flush=True)

    def add_venues(self, wanted: int) -> None:
        """Adds community centres, spread over the wards, until there are `wanted` venues
        (VENUES: the national programme's 2,143 sites in one year, for the nation's scale)."""
        q = self.sink.query
        have = int(q("SELECT COUNT(*) FROM venues")[0][0])
        wards = [r[0] for r in q("SELECT code FROM wards ORDER BY sort_order, code")]
        if wanted <= have or not wards:
            return
        stamp = ts(self.now)
        for first in range(have + 1, wanted + 1, 500):  # a statement per 500 (one command line each)
            rows = ", ".join(
                f"('第{i}市民センター', 'community_center', '{wards[i % len(wards)]}', '{i}番地', '{stamp}', '{stamp}')"
                for i in range(first, min(first + 500, wanted + 1)))
            q(f"INSERT INTO venues (name, kind, ward, address, created_at, updated_at) VALUES {rows}")
        self.log(f"venues: {wanted - have} added, {wanted} in all")

    def existing(self) -> None:
        q = self.sink.query
        venues = [(int(i), k) for i, k in q("SELECT id, kind FROM venues ORDER BY id")]
        if not venues:
            raise SystemExit("no venues: run `ippo seed demo` on this database first")
        self.centres = [i for i, k in venues if k == "community_center"] or [i for i, _ in venues]
        self.malls = [i for i, k in venues if k != "community_center"] or self.centres
        staff = [int(r[0]) for r in q("SELECT id FROM users WHERE role = 'staff' ORDER BY id")]
        self.staff_ids = staff or [None]
        self.next_id = {
            t: int(q(f"SELECT COALESCE(MAX(id), 0) FROM {t}")[0][0]) + 1
            for t in ("sessions", "meetings", "registrations", "survey_responses", "followups")
        }
        self.codes = {r[0] for r in q("SELECT survey_code FROM sessions")}

    def survey_code(self) -> str:
        while True:
            code = "".join(self.rng.choices(SURVEY_ALPHABET, k=8))
            if code not in self.codes:
                self.codes.add(code)
                return code

    # ---- sessions and meetings

    def make_sessions(self) -> None:
        rng = self.rng
        first, last = date(FY_FIRST, 4, 1), date(FY_LAST + 1, 3, 31)
        days = (last - first).days + 1
        by_kind = {k: [o for o in OUTLINES if o.kind == k] for k in KIND_SHARE}
        kinds, shares = zip(*KIND_SHARE.items())
        drafts = []
        for _ in range(self.n_sessions):
            kind = rng.choices(kinds, shares)[0]
            o = rng.choice(by_kind[kind])
            # Weekdays mostly; a few Saturdays.
            while True:
                d = first + timedelta(days=rng.randrange(days))
                if d.weekday() < 5 or rng.random() < 0.25:
                    break
            hour, minute = rng.choice([(9, 30), (10, 0), (10, 0), (13, 30), (13, 30), (14, 0)])
            slot_minutes = advisors = None
            loaners = 0
            if kind == "consultation":
                venue = rng.choice(self.malls) if rng.random() < 0.7 else rng.choice(self.centres)
                slot_minutes = rng.choice([20, 30, 30])
                slots = o.minutes // slot_minutes
                # capacity is slots x advisors, kept within 10-40
                lo = -(-10 // slots)
                advisors = rng.randint(lo, max(lo, min(5, 40 // slots)))
                capacity = slots * advisors
                n_meetings = 1
            else:
                venue = rng.choice(self.centres) if rng.random() < 0.9 else rng.choice(self.malls)
                capacity = rng.randint(*o.capacity)
                loaners = min(capacity, rng.randint(*o.loaners)) if o.loaners[1] else 0
                n_meetings = 1
                if kind == "course":
                    r = rng.random()
                    n_meetings = 4 if r < 0.15 else 2 if r < 0.25 else 1
            meetings = []
            for week in range(n_meetings):
                start = tokyo_epoch(d + timedelta(weeks=week), hour, minute)
                meetings.append((start, start + o.minutes * 60))
            helpers = (capacity + 3) // 4
            if rng.random() < 0.1:
                helpers = max(1, helpers - 2)  # some sessions are short of helpers
            created = min(self.now, meetings[0][0] - rng.randint(20, 120) * DAY)
            drafts.append(dict(
                outline=o, venue_id=venue, meetings=meetings, capacity=capacity, slot_minutes=slot_minutes,
                advisors=advisors, loaners=loaners, instructors=min(helpers, 2), assistants=max(helpers - 2, 0),
                cancelled=rng.random() < 0.02, created_at=created,
                popularity=rng.triangular(0.15, 1.45, 0.8),
            ))
        drafts.sort(key=lambda s: (s["meetings"][0][0], s["venue_id"]))
        sid = self.next_id["sessions"]
        for i, d in enumerate(drafts):
            s = Session(id=sid + i, survey_code=self.survey_code(), **d)
            if s.slot_minutes:
                step = s.slot_minutes * 60
                s.slots = [t for (a, b) in s.meetings for t in range(a, b - step + 1, step)]
                assert len(s.slots) * s.advisors == s.capacity, (len(s.slots), s.advisors, s.capacity)
            self.sessions.append(s)

    def session_rows(self):
        for s in self.sessions:
            o = s.outline
            yield (s.id, o.kind, o.title, o.topic, s.venue_id, ts(s.starts_at), ts(s.ends_at), s.capacity, s.loaners,
                   s.instructors, s.assistants, s.slot_minutes, s.advisors,
                   "cancelled" if s.cancelled else "scheduled", o.description, o.what_to_bring, s.survey_code,
                   ts(s.created_at), ts(max(s.created_at, min(self.now, s.ends_at))), s.ends_at <= self.now)

    def meeting_rows(self):
        mid = self.next_id["meetings"]
        for s in self.sessions:
            s.meeting_ids = []
            for a, b in s.meetings:
                s.meeting_ids.append(mid)
                yield (mid, s.id, ts(a), ts(b))
                mid += 1

    # ---- registrations

    def allocate(self, total: int, weights: list[float]) -> list[int]:
        """Splits `total` over the weights: whole shares, then the remainder by weight."""
        wsum = sum(weights)
        if total <= 0 or wsum <= 0:
            return [0] * len(weights)
        counts = [int(total * w / wsum) for w in weights]
        rest = total - sum(counts)
        if rest:
            for i in self.rng.choices(range(len(weights)), weights, k=rest):
                counts[i] += 1
        return counts

    def registration_weights(self) -> list[float]:
        out = []
        for s in self.sessions:
            w = s.capacity * s.popularity
            ahead = (s.starts_at - self.now) / DAY
            if ahead > 30:  # sign-ups open about two months ahead and trickle in
                w *= max(0.01, math.exp(-(ahead - 30) / 30))
            if s.cancelled:
                w *= 0.5
            out.append(w)
        return out

    def registration_rows(self):
        rng = self.rng
        now = self.now
        rid = self.next_id["registrations"]
        counts = self.allocate(self.n_registrations, self.registration_weights())
        for s, n in zip(self.sessions, counts):
            if n == 0:
                continue
            start, end = s.starts_at, s.ends_at
            attendance_recorded = end <= now - 2 * DAY and not s.cancelled
            anonymise = end < now - self.retention
            reminder_due = start < now + 2 * DAY
            p_attend = rng.uniform(0.72, 0.97)
            opened = start - 60 * DAY
            latest = min(now, start - 3600)
            if latest <= opened:
                opened = latest - 30 * DAY
            created = sorted(rng.randint(opened, latest) for _ in range(n))
            slot_room = {t: s.advisors for t in s.slots} if s.slots else None
            for c in created:
                # status, as the application would have left it
                cancelled_at = None
                if s.cancelled:
                    status = "cancelled"
                    cancelled_at = rng.randint(c, max(c, min(now, start - DAY)))
                elif rng.random() < 0.06:
                    status = "cancelled"
                    cancelled_at = rng.randint(c, max(c, min(now, start - 3600)))
                elif s.confirmed < s.capacity:
                    status = "confirmed"
                else:
                    status = "waitlisted"
                slot = None
                if slot_room is not None:
                    if status == "confirmed":
                        free = [t for t, room in slot_room.items() if room > 0]
                        slot = rng.choice(free)
                        slot_room[slot] -= 1
                    else:
                        slot = rng.choice(s.slots)
                if status == "confirmed":
                    s.confirmed += 1
                elif status == "waitlisted":
                    s.waitlisted += 1
                attendance = "unknown"
                if status == "confirmed" and attendance_recorded:
                    attendance = "attended" if rng.random() < p_attend else "no_show"
                    if attendance == "attended":
                        s.attended += 1
                    self.attendance_rows.append(
                        (rid, s.meeting_ids[0], attendance, ts(min(now, s.meetings[0][1] + rng.randint(0, DAY))),
                         rng.choice(self.staff_ids)))

                # the people
                channel = rng.choices(("web", "phone", "counter"), (60, 30, 10))[0]
                sur, sur_kana, sur_roma = rng.choice(SURNAMES)
                given, given_kana = rng.choice(SENIOR_GIVEN)
                has_phone = rng.random() < 0.68
                os_ = rng.choices(("android", "iphone", "unknown", "other"), (55, 33, 10, 2))[0] if has_phone else None
                needs_loaner = (rng.random() < 0.8) if not has_phone else (rng.random() < 0.05)
                phone = (f"093-{rng.randint(200, 999)}-{rng.randint(0, 9999):04d}" if rng.random() < 0.55
                         else f"0{rng.choice((70, 80, 90))}-{rng.randint(1000, 9999)}-{rng.randint(0, 9999):04d}")
                a11y = rng.choice(ACCESSIBILITY) if rng.random() < 0.06 else ""
                notes = rng.choice(NOTES) if rng.random() < 0.05 else ""
                created_by = None
                key = None
                if channel == "web":
                    r = rng.random()
                    if r < 0.35:
                        relation, reg_name, reg_roma = "self", f"{sur} {given}", sur_roma
                    elif r < 0.95:
                        fam, _, fam_roma = rng.choice(FAMILY_GIVEN)
                        relation, reg_name, reg_roma = "family", f"{sur} {fam}", f"{fam_roma}.{sur_roma}"
                    else:
                        fam, _, fam_roma = rng.choice(FAMILY_GIVEN)
                        other, _, other_roma = rng.choice(SURNAMES)
                        relation, reg_name, reg_roma = "other", f"{other} {fam}", f"{fam_roma}.{other_roma}"
                    email = f"{reg_roma}{rid % 9973}@example.jp" if rng.random() < 0.92 else None
                    reg_phone = f"090-{rng.randint(1000, 9999)}-{rng.randint(0, 9999):04d}" if rng.random() < 0.6 else None
                    key = f"{rng.getrandbits(64):016x}{rid:x}"
                else:
                    relation, reg_name, email, reg_phone = "staff", rng.choice(STAFF_NAMES), None, None
                    created_by = rng.choice(self.staff_ids)
                token = f"{rng.getrandbits(128):032x}{rid:016x}"
                updated = cancelled_at or c
                reminder = None
                if status == "confirmed" and email and reminder_due and not s.cancelled:
                    reminder = min(now, start - DAY)
                    updated = max(updated, reminder)
                anonymised_at = None
                name, kana = f"{sur} {given}", f"{sur_kana} {given_kana}"
                if anonymise:
                    anonymised_at = min(now, end + self.retention + rng.randint(0, 3600))
                    name = kana = phone = a11y = notes = reg_name = ""
                    email = reg_phone = key = None
                    token = f"anonymised-{rid}"
                    updated = anonymised_at
                age = rng.choice(AGE_BANDS)
                consent = rng.random() < 0.75
                if attendance == "attended" and consent:
                    self.follow_up(rid, s, has_phone, email is not None)
                yield (rid, s.id, status, attendance, channel, ts(slot) if slot else None, name, kana, phone, age,
                       has_phone, os_, needs_loaner, a11y, notes, reg_name, email, reg_phone, relation, ts(c), token,
                       key, created_by, ts(c), ts(updated), ts(cancelled_at) if cancelled_at else None,
                       ts(reminder) if reminder else None, ts(anonymised_at) if anonymised_at else None,
                       ts(c) if consent else None)
                rid += 1

    # ---- follow-ups

    def follow_up(self, rid: int, s, has_phone: bool, by_mail: bool) -> None:
        """The rounds of one attendee's follow-up that have fallen due, as the housekeeping
        and the answers would have left them."""
        rng = self.rng
        p_use = 0.75 if has_phone else 0.5
        for round_, days in ((1, 30), (2, 90)):
            queued = s.ends_at + days * DAY
            if queued > self.now:
                return
            fid = self.next_id["followups"]
            self.next_id["followups"] += 1
            channel = "email" if by_mail else "phone"
            answered = rng.random() < 0.66
            used = with_help = services = barriers = None
            closed = reason = None
            attempts = 0
            if answered:
                at = min(self.now, queued + rng.randint(3600, 10 * DAY))
                if rng.random() < p_use:
                    services = rng.sample(FOLLOWUP_SERVICES, rng.choices((1, 2, 3), (55, 30, 15))[0])
                    with_help = rng.random() < 0.4
                    barriers = []
                else:
                    services, with_help = [], None
                    barriers = rng.sample(FOLLOWUP_BARRIERS, rng.choices((1, 2), (70, 30))[0])
                used = bool(services)
                for code in services:
                    self.choice_rows.append((fid, s.id, "service", code, with_help))
                for code in barriers:
                    self.choice_rows.append((fid, s.id, "barrier", code, None))
                source = "link" if by_mail else "phone"
            else:
                at = source = None
                if channel == "phone" or rng.random() < 0.3:
                    attempts = rng.choice((1, 2))
                    if attempts == 2 or rng.random() < 0.3:
                        closed = min(self.now, queued + rng.randint(DAY, 14 * DAY))
                        reason = "unreachable" if attempts == 2 else "declined"
            self.followup_rows.append((
                fid, rid, s.id, round_, f"{rng.getrandbits(96):024x}{fid:x}", channel, ts(queued),
                ts(at) if at else None, source, used, with_help, ",".join(services or []), ",".join(barriers or []),
                "", attempts, ts(closed) if closed else None, ts(closed) if closed else None, reason))
            if reason == "declined":
                return

    # ---- survey answers

    def survey_rows(self):
        rng = self.rng
        now = self.now
        held = [s for s in self.sessions if s.ends_at <= now and not s.cancelled]
        counts = self.allocate(self.n_answers, [s.capacity * s.popularity for s in held])
        aid = self.next_id["survey_responses"]
        good_scores, poor_scores = (4, 5), (1, 2, 3)
        for s, n in zip(held, counts):
            if n == 0:
                continue
            # Each session has its own quality: most sessions reach the 80% line, some do not.
            p_comp = min(0.99, max(0.3, rng.gauss(0.83, 0.09)))
            p_sat = min(0.99, max(0.3, p_comp + rng.gauss(0.04, 0.04)))
            end = s.ends_at
            for _ in range(n):
                r = rng.random()
                comp = None if r < 0.03 else (rng.choices(good_scores, (45, 55))[0] if rng.random() < p_comp
                                              else rng.choices(poor_scores, (12, 28, 60))[0])
                sat = None if rng.random() < 0.02 else (rng.choices(good_scores, (40, 60))[0] if rng.random() < p_sat
                                                        else rng.choices(poor_scores, (10, 25, 65))[0])
                r = rng.random()
                wants = None if r < 0.15 else r < 0.65
                k = rng.choices((0, 1, 2), (55, 30, 15))[0]
                topics = ",".join(sorted(set(rng.sample(TOPICS, k)), key=TOPICS.index)) if k else ""
                comment = rng.choice(COMMENTS) if rng.random() < 0.15 else ""
                if rng.random() < 0.4:
                    source, by, at = "code", None, end - rng.randint(0, 1800)
                else:
                    source, by, at = "staff", rng.choice(self.staff_ids), min(now, end + rng.randint(3600, 4 * DAY))
                s.responses += 1
                s.resp_code += source == "code"
                if comp is not None:
                    s.comp_answers += 1
                    s.comp_good += comp >= 4
                if sat is not None:
                    s.sat_answers += 1
                    s.sat_good += sat >= 4
                yield (aid, s.id, comp, sat, wants, topics, comment, source, by, ts(at))
                aid += 1

    # ---- driver

    def run(self, analyze: bool) -> None:
        self.t0 = time.monotonic()
        self.add_venues(self.n_venues)
        self.existing()
        self.make_sessions()
        self.log(f"planned {len(self.sessions)} sessions")
        self.sink.begin()
        n = self.sink.copy("sessions", [
            "id", "kind", "title", "topic", "venue_id", "starts_at", "ends_at", "capacity", "loaner_devices",
            "instructors", "assistants", "slot_minutes", "advisors", "status", "description", "what_to_bring",
            "survey_code", "created_at", "updated_at", "ended_counted"], self.session_rows())
        self.log(f"sessions: {n}")
        n = self.sink.copy("meetings", ["id", "session_id", "starts_at", "ends_at"], self.meeting_rows())
        self.log(f"meetings: {n}")
        n = self.sink.copy("registrations", [
            "id", "session_id", "status", "attendance", "channel", "slot_starts_at", "attendee_name", "attendee_kana",
            "attendee_phone", "age_band", "has_smartphone", "smartphone_os", "needs_loaner", "accessibility_needs",
            "notes", "registrant_name", "registrant_email", "registrant_phone", "registrant_relation", "consent_at",
            "cancel_token", "idempotency_key", "created_by", "created_at", "updated_at", "cancelled_at",
            "reminder_queued_at", "anonymised_at", "followup_consent_at"], self.registration_rows())
        self.log(f"registrations: {n}")
        n = self.sink.copy("attendances", ["registration_id", "meeting_id", "attendance", "recorded_at", "recorded_by"],
                           iter(self.attendance_rows))
        self.log(f"attendances: {n}")
        n = self.sink.copy("survey_responses", [
            "id", "session_id", "comprehension", "satisfaction", "wants_online_services", "topics_wanted", "comment",
            "source", "entered_by", "created_at"], self.survey_rows())
        self.log(f"survey_responses: {n}")
        n = self.sink.copy("followups", [
            "id", "registration_id", "session_id", "round", "token", "channel", "queued_at", "answered_at", "source",
            "used_any", "with_help", "services_used", "barriers", "comment", "call_attempts", "last_call_at",
            "closed_at", "closed_reason"], iter(self.followup_rows))
        self.log(f"followups: {n}")
        n = self.sink.copy("followup_answer_choices", ["followup_id", "session_id", "kind", "code", "with_help"],
                           iter(self.choice_rows))
        self.log(f"followup_answer_choices: {n}")
        self.sink.followup_tallies(FOLLOWUP_TALLIES_SQL)
        self.sink.set_tallies([
            (s.confirmed, s.waitlisted, s.attended, s.responses, s.comp_answers, s.comp_good, s.sat_answers,
             s.sat_good, s.resp_code, s.id) for s in self.sessions])
        self.sink.commit()
        self.log("committed; tallies set")
        self.sink.finish(analyze)
        self.log("done" + (" (analyzed)" if analyze else ""))


# The follow-up tallies the answer, call and queue transactions keep (migration 0017),
# recounted from the rows written; their triggers fill the report's cells (0020).
FOLLOWUP_TALLIES_SQL = [
    """INSERT INTO followup_tallies (session_id, age_band, device, sent, answered, used, on_own, unreachable, declined)
    SELECT f.session_id, r.age_band,
           CASE WHEN r.has_smartphone THEN 'own' WHEN r.needs_loaner THEN 'loaner' ELSE 'none' END,
           COUNT(*),
           SUM(CASE WHEN f.answered_at IS NOT NULL THEN 1 ELSE 0 END),
           SUM(CASE WHEN f.used_any THEN 1 ELSE 0 END),
           SUM(CASE WHEN f.used_any AND NOT f.with_help THEN 1 ELSE 0 END),
           SUM(CASE WHEN f.answered_at IS NULL AND f.closed_reason = 'unreachable' THEN 1 ELSE 0 END),
           SUM(CASE WHEN f.answered_at IS NULL AND f.closed_reason = 'declined' THEN 1 ELSE 0 END)
    FROM followups f JOIN registrations r ON r.id = f.registration_id
    GROUP BY f.session_id, r.age_band, CASE WHEN r.has_smartphone THEN 'own' WHEN r.needs_loaner THEN 'loaner' ELSE 'none' END""",
    """INSERT INTO followup_choice_tallies (session_id, kind, code, count, on_own)
    SELECT session_id, kind, code, COUNT(*), SUM(CASE WHEN with_help = FALSE THEN 1 ELSE 0 END)
    FROM followup_answer_choices GROUP BY session_id, kind, code""",
]


VERIFY_SQL = """
SELECT COUNT(*) FROM sessions s WHERE
  s.confirmed_count <> (SELECT COUNT(*) FROM registrations r WHERE r.session_id = s.id AND r.status = 'confirmed')
  OR s.waitlist_count <> (SELECT COUNT(*) FROM registrations r WHERE r.session_id = s.id AND r.status = 'waitlisted')
  OR s.attended_count <> (SELECT COUNT(*) FROM registrations r WHERE r.session_id = s.id AND r.attendance = 'attended')
  OR s.responses <> (SELECT COUNT(*) FROM survey_responses a WHERE a.session_id = s.id)
  OR s.responses_code <> (SELECT COUNT(*) FROM survey_responses a WHERE a.session_id = s.id AND a.source = 'code')
  OR s.responses_paper <> (SELECT COUNT(*) FROM survey_responses a WHERE a.session_id = s.id AND a.source = 'paper')
  OR s.comprehension_answers <> (SELECT COUNT(a.comprehension) FROM survey_responses a WHERE a.session_id = s.id)
  OR s.comprehension_good <> (SELECT COUNT(*) FROM survey_responses a WHERE a.session_id = s.id AND a.comprehension >= 4)
  OR s.satisfaction_answers <> (SELECT COUNT(a.satisfaction) FROM survey_responses a WHERE a.session_id = s.id)
  OR s.satisfaction_good <> (SELECT COUNT(*) FROM survey_responses a WHERE a.session_id = s.id AND a.satisfaction >= 4)
  OR s.confirmed_count > s.capacity
  OR (s.waitlist_count > 0 AND s.confirmed_count < s.capacity AND s.kind <> 'consultation')
"""
OVERBOOKED_SLOTS_SQL = """
SELECT COUNT(*) FROM (SELECT r.session_id, r.slot_starts_at FROM registrations r JOIN sessions s ON s.id = r.session_id
  WHERE r.status = 'confirmed' AND s.kind = 'consultation' GROUP BY r.session_id, r.slot_starts_at, s.advisors
  HAVING COUNT(*) > s.advisors) x
"""
SUMMARY_SQL = """
SELECT (SELECT COUNT(*) FROM sessions), (SELECT COUNT(*) FROM meetings), (SELECT COUNT(*) FROM registrations),
       (SELECT COUNT(*) FROM attendances), (SELECT COUNT(*) FROM survey_responses),
       (SELECT SUM(confirmed_count) FROM sessions), (SELECT SUM(waitlist_count) FROM sessions),
       (SELECT SUM(attended_count) FROM sessions), (SELECT SUM(comprehension_good) FROM sessions),
       (SELECT SUM(comprehension_answers) FROM sessions)
"""


def verify(url: str) -> bool:
    sink = open_sink(url)
    bad = int(sink.query(VERIFY_SQL)[0][0])
    slots = int(sink.query(OVERBOOKED_SLOTS_SQL)[0][0])
    row = [int(x or 0) for x in sink.query(SUMMARY_SQL)[0]]
    print(f"verify: sessions={row[0]} meetings={row[1]} registrations={row[2]} attendances={row[3]} "
          f"survey_responses={row[4]} confirmed={row[5]} waitlisted={row[6]} attended={row[7]} "
          f"comprehension={row[8] / max(row[9], 1):.3f}; sessions with wrong tallies: {bad}; "
          f"overbooked consultation slots: {slots}", file=sys.stderr)
    return bad == 0 and slots == 0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                   help="sqlite://PATH or postgres://... (default: $DATABASE_URL)")
    p.add_argument("--analyze", choices=("auto", "yes", "no"), default=os.environ.get("ANALYZE", "auto"),
                   help="gather planner statistics afterwards; auto: PostgreSQL yes (autovacuum would), SQLite no "
                        "(the server never runs ANALYZE, so a real SQLite deployment has no statistics)")
    p.add_argument("--verify", choices=("yes", "no"), default=os.environ.get("VERIFY", "yes"),
                   help="recount every session's tallies from the rows afterwards (a few seconds)")
    args = p.parse_args()
    if not args.database_url:
        p.error("give --database-url or set DATABASE_URL")
    sink = open_sink(args.database_url)
    analyze = args.analyze == "yes" or (args.analyze == "auto" and isinstance(sink, PostgresSink))
    gen = Generator(
        sink,
        venues=env_int("VENUES", 0),
        sessions=env_int("SESSIONS", 50_000),
        registrations=env_int("REGISTRATIONS", 500_000),
        answers=env_int("ANSWERS", 1_000_000),
        seed=env_int("SEED", 20260401),
        retention_days=env_int("RETENTION_DAYS", 365),
        now=int(time.time()),
    )
    gen.run(analyze)
    if args.verify == "yes" and not verify(args.database_url):
        raise SystemExit("the generated data is inconsistent")


if __name__ == "__main__":
    main()
