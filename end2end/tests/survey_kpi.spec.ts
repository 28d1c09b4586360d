import { test as base, expect, type BrowserContext, type BrowserContextOptions, type Page } from '@playwright/test';
import { expectNoAxeViolations, login, MANAGER, STAFF, tokyoDate, unique } from './helpers';

// Issue 4: attendance, the after-course survey and the KPI dashboard.
//
// Surveys are refused before a session starts, so every session here is scheduled by a
// manager for YESTERDAY (managers may schedule in the past). The KPI test uses a セミナー at
// 門司市民センター and reads the dashboard filtered to that venue and kind: the demo sessions
// are all upcoming and have no answers, and the other tests of this file use 体験会 at
// 大里東市民センター, so the filtered comprehension and satisfaction rates are made of the five
// sheets typed below only. (Each run starts a fresh database; `--repeat-each` against one
// server would add up the sheets of several runs and break the n = 5 of the cards.)

const YESTERDAY = tokyoDate(-1);

/** The fiscal year (April–March, Tokyo time) of a YYYY-MM-DD date. */
function fiscalYearOf(date: string): number {
  const [year, month] = date.split('-').map(Number);
  return month >= 4 ? year : year - 1;
}

type PastSession = { id: number; title: string };

/** A manager schedules a session that was held yesterday, 10:00–12:00, through the form. */
async function schedulePastSession(
  page: Page,
  opts: { kind: string; venue: string; title: string; topic?: string },
): Promise<PastSession> {
  await page.goto('/manage/sessions/new');
  await expect(page.getByRole('heading', { level: 1, name: '講座を登録する' })).toBeVisible();
  await page.getByLabel('種別').selectOption({ label: opts.kind });
  await page.getByLabel('講座名').fill(opts.title);
  await page.getByLabel('テーマ').selectOption({ label: opts.topic ?? 'マイナンバーカード' });
  await page.getByLabel('会場').selectOption({ label: opts.venue });
  await page.getByLabel('第1回 日付').fill(YESTERDAY);
  await page.getByLabel('第1回 開始').fill('10:00');
  await page.getByLabel('第1回 終了').fill('12:00');
  await page.getByLabel('定員').fill('15');
  await page.getByLabel('講師の人数').fill('1');
  await page.getByLabel('補助員の人数').fill('1');
  await page.getByRole('button', { name: '保存する' }).click();

  await expect(page).toHaveURL(/\/sessions\/\d+\?saved/);
  await expect(page.getByRole('heading', { level: 1, name: opts.title })).toBeVisible();
  // The session has already started: residents can no longer sign up.
  await expect(page.getByText('この講座の受付は終わりました。')).toBeVisible();
  const id = Number(new URL(page.url()).pathname.split('/').pop());
  return { id, title: opts.title };
}

type Account = { email: string; name: string };

/** `pageAs(account)`: a page in a fresh browser context (its own cookies), logged in unless
 *  `account` is null; the contexts are closed after the test. */
const test = base.extend<{ pageAs: (account: Account | null, options?: BrowserContextOptions) => Promise<Page> }>({
  pageAs: async ({ browser }, use) => {
    const contexts: BrowserContext[] = [];
    await use(async (account, options) => {
      const context = await browser.newContext(options);
      contexts.push(context);
      const page = await context.newPage();
      if (account) await login(page, account);
      return page;
    });
    for (const context of contexts) await context.close();
  },
});

/** Staff register an attendee who came to the counter, with the roster's sign-up form. */
async function registerAtCounter(page: Page, sessionId: number, name: string, phone: string): Promise<void> {
  await page.goto(`/staff/sessions/${sessionId}`);
  await expect(page.getByRole('heading', { level: 1, name: /^名簿：/ })).toBeVisible();
  const form = page.getByRole('region', { name: '電話・窓口の申し込みを入力する' }).locator('form');
  await form.getByLabel(/^受付方法/).selectOption({ label: '窓口' });
  await form.getByLabel(/^お名前/).fill(name);
  await form.getByLabel(/^フリガナ/).fill('マドグチ ハナコ');
  await form.getByLabel(/^電話番号/).fill(phone);
  await form.getByLabel(/^年代/).selectOption({ label: '75〜79歳' });
  await form.getByRole('radio', { name: 'はい' }).check();
  await form.getByRole('checkbox', { name: '本人に個人情報の取り扱いを説明し、同意を得た' }).check();
  await form.getByRole('button', { name: '登録する' }).click();

  await expect(page.getByRole('status')).toHaveText('受け付けました。');
  const row = page.getByRole('table').getByRole('row').filter({ hasText: name });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('窓口');
}

/** One paper sheet as typed: each value is what staff type into the field ('' = left blank). */
type Sheet = { comprehension: string; satisfaction: string; wants: string; topics: string; comment: string };

test("staff check two people in, type five paper sheets by keyboard, and the manager's dashboard shows the rate", async ({
  pageAs,
}) => {
  test.setTimeout(90_000);
  const run = unique();
  const title = `E2E マイナンバーセミナー ${run}`;
  const attendees = [`出席 一子 ${run}`, `出席 二郎 ${run}`];
  const fy = fiscalYearOf(YESTERDAY);

  // 1. The manager schedules yesterday's seminar at 門司市民センター.
  const manager = await pageAs(MANAGER);
  const session = await schedulePastSession(manager, { kind: 'セミナー', venue: '門司市民センター', title });

  // 2. Staff (of venues 1 and 2) enter two counter sign-ups and check both in.
  const staff = await pageAs(STAFF);
  await registerAtCounter(staff, session.id, attendees[0], '093-555-0201');
  await registerAtCounter(staff, session.id, attendees[1], '093-555-0202');
  await expect(staff.getByText('申込 2人 / 定員 15人（キャンセル待ち 0人）')).toBeVisible();

  await staff.getByRole('link', { name: '出席確認（当日）' }).click();
  await expect(staff).toHaveURL(new RegExp(`/staff/sessions/${session.id}/checkin`));
  await expect(staff.getByRole('heading', { level: 1, name: `出席確認：${title}` })).toBeVisible();
  const count = staff.getByRole('status');
  await expect(count).toHaveText('出席 0人（申込 2人）');
  for (const [i, name] of attendees.entries()) {
    const present = staff.getByRole('button', { name: `${name} 出席`, exact: true });
    await expect(present).toHaveAttribute('aria-pressed', 'false');
    await present.click();
    await expect(count).toHaveText(`出席 ${i + 1}人（申込 2人）`);
    await expect(staff.getByRole('button', { name: `${name} 出席`, exact: true })).toHaveAttribute('aria-pressed', 'true');
    await expect(staff.getByRole('button', { name: `${name} 欠席`, exact: true })).toHaveAttribute('aria-pressed', 'false');
    await expect(staff.locator('li.session-card', { hasText: name }).locator('.badge').first()).toHaveText('出席');
  }

  // 3. Five paper sheets, typed with the keyboard only: digits, Tab, Enter.
  //    理解度 5,4,4,3,2 → 3 of 5 understood (60.0%); 満足度 5,5,4,4,4 → 5 of 5 (100.0%).
  const sheets: Sheet[] = [
    { comprehension: '5', satisfaction: '5', wants: '1', topics: '5 9', comment: 'とてもわかりやすかったです' },
    { comprehension: '4', satisfaction: '5', wants: '1', topics: '', comment: '' },
    { comprehension: '4', satisfaction: '4', wants: '2', topics: '2', comment: '' },
    { comprehension: '3', satisfaction: '4', wants: '', topics: '', comment: 'もう少しゆっくり話してほしい' },
    { comprehension: '2', satisfaction: '4', wants: '2', topics: '6 7', comment: '' },
  ];
  await staff.goto(`/staff/sessions/${session.id}/surveys`);
  await expect(staff.getByRole('heading', { level: 1, name: `アンケート入力：${title}` })).toBeVisible();
  const tally = staff.getByRole('status');
  await expect(tally).toHaveText('この講座の回答：0件');

  const keyboard = staff.keyboard;
  const fields = {
    comprehension: staff.getByLabel('理解度（1〜5）'),
    satisfaction: staff.getByLabel('満足度（1〜5）'),
    wants: staff.getByLabel('オンラインで使いたい（1=はい、2=いいえ）'),
    topics: staff.getByLabel('次に学びたいこと（番号）'),
    comment: staff.getByLabel('ご意見・ご感想'),
  };
  for (const [i, sheet] of sheets.entries()) {
    // The first field has autofocus, also after each save.
    await expect(fields.comprehension).toBeFocused();
    await expect(fields.comprehension).toHaveValue('');
    await keyboard.type(sheet.comprehension);
    await keyboard.press('Tab');
    await expect(fields.satisfaction).toBeFocused();
    await keyboard.type(sheet.satisfaction);
    await keyboard.press('Tab');
    await expect(fields.wants).toBeFocused();
    if (sheet.wants) await keyboard.type(sheet.wants);
    await keyboard.press('Tab');
    await expect(fields.topics).toBeFocused();
    if (sheet.topics) await keyboard.type(sheet.topics);
    await keyboard.press('Tab');
    await expect(fields.comment).toBeFocused();
    if (sheet.comment) await keyboard.type(sheet.comment);
    await keyboard.press('Enter');

    await expect(tally).toHaveText(`保存しました。 この講座の回答：${i + 1}件`);
    await expect(staff).toHaveURL(new RegExp(`/staff/sessions/${session.id}/surveys\\?saved`));
  }
  await expect(tally).toContainText('この講座の回答：5件');

  // 4. The manager's dashboard, filtered by fiscal year, venue and kind with its form.
  await manager.goto('/manage/kpi');
  await expect(manager.getByRole('heading', { level: 1, name: '成果指標（KPI）' })).toBeVisible();
  await manager.getByLabel('年度').selectOption(String(fy));
  await manager.getByLabel('会場').selectOption({ label: '門司市民センター' });
  await manager.getByLabel('種別').selectOption({ label: 'セミナー' });
  await manager.getByRole('button', { name: '表示する' }).click();
  await expect(manager).toHaveURL(new RegExp(`[?&]fiscal_year=${fy}(&|$)`));
  await expect(manager).toHaveURL(/[?&]kind=seminar(&|$)/);
  await expect(
    manager.getByRole('heading', { level: 2, name: `令和${fy - 2018}年度（FY${fy}）の成果` }),
  ).toBeVisible();

  const card = (label: string) =>
    manager.locator('.kpi-card').filter({ has: manager.getByRole('heading', { level: 2, name: label, exact: true }) });
  const comprehension = card('理解度');
  await expect(comprehension.locator('.kpi-value')).toHaveText('60.0%');
  await expect(comprehension).toContainText('n = 5');
  await expect(comprehension).toHaveClass(/kpi-below-target/);
  await expect(comprehension.locator('.too-few')).toHaveCount(0);
  const satisfaction = card('満足度');
  await expect(satisfaction.locator('.kpi-value')).toHaveText('100.0%');
  await expect(satisfaction).toContainText('n = 5');
  await expect(satisfaction).toHaveClass(/kpi-ok/);

  // The session is listed among those under the 80% target, with its rates, and drills down
  // to its five answers.
  const below = manager
    .getByRole('table', { name: '目標に届かなかった講座' })
    .getByRole('row')
    .filter({ hasText: title });
  await expect(below).toHaveCount(1);
  await expect(below).toContainText('60.0% (n=5)');
  await expect(below).toContainText('100.0% (n=5)');
  await below.getByRole('link', { name: title }).click();
  await expect(manager).toHaveURL(new RegExp(`/manage/kpi/sessions/${session.id}$`));
  await expect(manager.getByRole('heading', { level: 1, name: `アンケート回答：${title}` })).toBeVisible();
  await expect(manager.getByText('この講座の回答：5件')).toBeVisible();
  await expect(manager.getByRole('table').locator('tbody tr')).toHaveCount(5);
  await expect(manager.getByRole('cell', { name: 'もう少しゆっくり話してほしい' })).toBeVisible();
});

test.describe('accessibility of the staff pages', () => {
  test('the check-in page has no WCAG 2.2 AA violations', async ({ pageAs }) => {
    const manager = await pageAs(MANAGER);
    const session = await schedulePastSession(manager, {
      kind: '体験会',
      venue: '大里東市民センター',
      title: `E2E 体験会（出席確認） ${unique()}`,
    });
    const staff = await pageAs(STAFF);
    const name = `確認 花子 ${unique()}`;
    await registerAtCounter(staff, session.id, name, '093-555-0301');
    await registerAtCounter(staff, session.id, `確認 太郎 ${unique()}`, '093-555-0302');

    await staff.goto(`/staff/sessions/${session.id}/checkin`);
    await expect(staff.getByRole('button', { name: `${name} 出席`, exact: true })).toBeVisible();
    await expectNoAxeViolations(staff);

    // Also with one person marked (aria-pressed="true", the badge changes).
    await staff.getByRole('button', { name: `${name} 欠席`, exact: true }).click();
    await expect(staff.getByRole('button', { name: `${name} 欠席`, exact: true })).toHaveAttribute('aria-pressed', 'true');
    await expectNoAxeViolations(staff);
  });

  test('the fast entry page has no WCAG 2.2 AA violations, also when a sheet is refused', async ({ pageAs }) => {
    const manager = await pageAs(MANAGER);
    const session = await schedulePastSession(manager, {
      kind: '体験会',
      venue: '大里東市民センター',
      title: `E2E 体験会（入力） ${unique()}`,
    });
    const staff = await pageAs(STAFF);
    await staff.goto(`/staff/sessions/${session.id}/surveys`);
    await expect(staff.getByLabel('理解度（1〜5）')).toBeFocused();
    await expect(staff.getByRole('status')).toHaveText('この講座の回答：0件');
    await expectNoAxeViolations(staff);

    // A 6 is not on the five-point scale: refused with a clear message, nothing stored.
    await staff.keyboard.type('6');
    await staff.keyboard.press('Enter');
    await expect(staff.getByRole('alert')).toContainText('入力内容を確認してください。');
    const field = staff.getByLabel('理解度（1〜5）');
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    await expect(field).toHaveAccessibleDescription(/1から5の数字で答えてください。/);
    await expect(staff.getByRole('status')).toHaveText('この講座の回答：0件');
    await expectNoAxeViolations(staff);
  });

  test('the KPI dashboard has no WCAG 2.2 AA violations', async ({ pageAs }) => {
    const manager = await pageAs(MANAGER);
    // The whole city for the fiscal year of yesterday: with the sessions of the tests above
    // (when run together) it has charts, breakdowns and a list of sessions under target.
    await manager.goto(`/manage/kpi?fiscal_year=${fiscalYearOf(YESTERDAY)}`);
    // Four for the survey KPI, three for the outcome (usage, response, on their own).
    await expect(manager.locator('.kpi-card')).toHaveCount(7);
    await expect(manager.getByRole('heading', { level: 2, name: /市のデジタルサービスの利用率/ })).toBeVisible();
    await expectNoAxeViolations(manager);
  });
});

test.describe('the public survey page', () => {
  test('opens by its code, passes axe-core and is answered without JavaScript', async ({ pageAs }) => {
    // A manager schedules yesterday's 体験会; staff find the code on the printable survey sheet.
    const manager = await pageAs(MANAGER);
    const title = `E2E 体験会（アンケート） ${unique()}`;
    const session = await schedulePastSession(manager, { kind: '体験会', venue: '大里東市民センター', title });
    const codeOnSessionPage = (
      await manager.locator('p', { hasText: 'アンケートコード: ' }).locator('strong').textContent()
    )!.trim();
    expect(codeOnSessionPage).toMatch(/^[A-Z0-9]+$/);

    const staff = await pageAs(STAFF);
    await staff.goto(`/staff/sessions/${session.id}/survey-sheet`);
    await expect(staff.getByRole('heading', { level: 1, name: 'アンケート' })).toBeVisible();
    await expect(staff.getByRole('img', { name: 'アンケートページのQRコード' })).toBeVisible();
    await expect(staff.getByRole('button', { name: '印刷する' })).toBeVisible();
    const code = (await staff.locator('p', { hasText: 'アンケートコード: ' }).locator('strong').textContent())!.trim();
    expect(code).toBe(codeOnSessionPage);
    await expect(staff.getByText(`/survey/${code}`)).toBeVisible();

    // Anonymous, with JavaScript (axe-core runs as a script in the page).
    const anonymous = await pageAs(null);
    await anonymous.goto(`/survey/${code}`);
    await expect(anonymous.getByRole('heading', { level: 1, name: 'アンケート' })).toBeVisible();
    await expect(anonymous.getByText(title)).toBeVisible();
    await expectNoAxeViolations(anonymous);

    // Anonymous, on a phone with JavaScript off: a plain form post.
    const noScript = await pageAs(null, {
      javaScriptEnabled: false,
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    // The code is case-insensitive (typed from the sheet).
    await noScript.goto(`/survey/${code.toLowerCase()}`);
    await expect(noScript.getByRole('heading', { level: 1, name: 'アンケート' })).toBeVisible();
    await noScript
      .getByRole('group', { name: '講座の内容はわかりましたか（理解度）' })
      .getByRole('radio', { name: '4 だいたいわかった' })
      .check();
    await noScript
      .getByRole('group', { name: '講座に満足しましたか（満足度）' })
      .getByRole('radio', { name: '5 とても満足' })
      .check();
    await noScript
      .getByRole('group', { name: '市のサービスを、インターネットで使ってみたいですか' })
      .getByRole('radio', { name: 'はい' })
      .check();
    const topics = noScript.getByRole('group', { name: '次に学びたいこと（いくつでも）' });
    await topics.getByRole('checkbox', { name: 'LINE' }).check();
    await topics.getByRole('checkbox', { name: '防災アプリ・情報' }).check();
    await noScript.getByLabel('ご意見・ご感想').fill('孫とLINEができるようになりました');
    await noScript.getByRole('button', { name: '送信する' }).click();

    await expect(noScript).toHaveURL(/\/survey\/[A-Za-z0-9]+\?thanks=1$/);
    await expect(noScript.getByRole('heading', { level: 1, name: 'ご回答ありがとうございました' })).toBeVisible();
    await expect(noScript.getByRole('link', { name: '次の方が回答する' })).toBeVisible();

    // The answer reached the session: staff see the count on the fast entry page.
    await staff.goto(`/staff/sessions/${session.id}/surveys`);
    await expect(staff.getByRole('status')).toHaveText('この講座の回答：1件');
  });

  test('a wrong code finds no survey', async ({ page }) => {
    const response = await page.goto('/survey/NOSUCHCODE0');
    expect(response?.status()).toBe(404);
  });
});
