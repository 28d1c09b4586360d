import { expect, test } from '@playwright/test';
import { login, MANAGER, tokyoDate, unique } from './helpers';

test('a manager schedules a course and residents can find it', async ({ page }) => {
  const title = `E2E スマホ講座 ${unique()}`;
  const date = tokyoDate(10);

  await login(page, MANAGER);
  await page.goto('/manage/sessions/new');
  await expect(page.getByRole('heading', { level: 1, name: '講座を登録する' })).toBeVisible();

  await page.getByLabel('種別').selectOption({ label: '講座' });
  await page.getByLabel('講座名').fill(title);
  await page.getByLabel('テーマ').selectOption({ label: 'LINE' });
  await page.getByLabel('会場').selectOption({ label: '門司市民センター' });
  await page.getByLabel('第1回 日付').fill(date);
  await page.getByLabel('第1回 開始').fill('10:00');
  await page.getByLabel('第1回 終了').fill('12:00');
  await page.getByLabel('定員').fill('15');
  await page.getByRole('button', { name: '保存する' }).click();

  await expect(page).toHaveURL(/\/sessions\/\d+\?saved/);
  await expect(page.getByRole('status')).toContainText('保存しました。');
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await expect(page.locator('dl.details')).toContainText('門司市民センター');
  const sessionPath = new URL(page.url()).pathname;

  // Log out; the session is now on the public list.
  await page.getByRole('button', { name: `ログアウト（${MANAGER.name}）` }).click();
  await expect(page.getByRole('link', { name: '職員ログイン' })).toBeVisible();

  await page.goto('/');
  const filters = page.getByRole('search', { name: '講座のしぼりこみ' });
  await filters.getByLabel('区').selectOption({ label: '門司区' });
  await filters.getByLabel('この日から').fill(date);
  await filters.getByRole('button', { name: 'さがす' }).click();
  await expect(page).toHaveURL(new RegExp(`[?&]from=${date}(&|$)`));

  const card = page.locator('ul.session-list > li').filter({ hasText: title });
  await expect(card).toHaveCount(1);
  await expect(card.locator('.session-venue')).toHaveText('門司市民センター（門司区）');
  await expect(card.getByRole('link', { name: title })).toHaveAttribute('href', sessionPath);
});

test('saving an empty session form shows the errors and creates nothing', async ({ page }) => {
  await login(page, MANAGER);

  await page.goto('/manage/sessions');
  const rowsBefore = await page.locator('table tbody tr').count();
  expect(rowsBefore).toBeGreaterThan(0);

  await page.goto('/manage/sessions/new');
  await page.getByRole('button', { name: '保存する' }).click();

  const summary = page.getByRole('alert');
  await expect(summary).toBeVisible();
  await expect(summary).toContainText('入力内容を確認してください。');
  // A text field asks to be filled in; a select asks for a choice.
  for (const [label, message] of [
    ['種別', /選んでください。/],
    ['講座名', /入力してください。/],
    ['テーマ', /選んでください。/],
    ['会場', /選んでください。/],
  ] as const) {
    const field = page.getByLabel(label);
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    await expect(field).toHaveAccessibleDescription(message);
  }
  // The summary names how many places to fix and links each.
  await expect(summary).toContainText('直すところが');
  await expect(summary.getByRole('link').first()).toHaveAttribute('href', /^#/);
  await expect(page.locator('#meeting_date_1-error')).toHaveText('入力してください。');
  await expect(page.getByRole('heading', { level: 1, name: '講座を登録する' })).toBeVisible();

  await page.goto('/manage/sessions');
  await expect(page.locator('table tbody tr')).toHaveCount(rowsBefore);
});
