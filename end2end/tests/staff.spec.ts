import { expect, test } from '@playwright/test';
import { login, STAFF, unique } from './helpers';

test('staff enter a phone sign-up with the keyboard only', async ({ page }) => {
  const attendee = `電話 一郎 ${unique()}`;
  await login(page, STAFF);
  await page.goto('/staff/sessions/1');
  await expect(page.getByRole('heading', { level: 1, name: /^名簿：/ })).toBeVisible();

  const section = page.getByRole('region', { name: '電話・窓口の申し込みを入力する' });
  const form = section.locator('form');
  const keyboard = page.keyboard;

  // One keystroke from the top of the page: the first skip link leads to the form's
  // first field, how the sign-up came in (電話 is already chosen).
  const channel = form.getByLabel(/^受付方法/);
  await keyboard.press('Tab');
  await expect(page.getByRole('link', { name: '電話・窓口の申し込みへ' })).toBeFocused();
  await keyboard.press('Enter');
  await expect(channel).toBeFocused();
  await expect(channel).toHaveValue('phone');

  await keyboard.press('Tab');
  await expect(form.getByLabel(/^お名前/)).toBeFocused();
  await keyboard.type(attendee);

  await keyboard.press('Tab');
  await expect(form.getByLabel(/^フリガナ/)).toBeFocused();
  await keyboard.type('デンワ イチロウ');

  await keyboard.press('Tab');
  await expect(form.getByLabel(/^電話番号/)).toBeFocused();
  await keyboard.type('093-555-0101');

  await keyboard.press('Tab');
  const age = form.getByLabel(/^年代/);
  await expect(age).toBeFocused();
  // 選んでください → 60歳未満 → 60〜64歳 → 65〜69歳 → 70〜74歳
  for (let i = 0; i < 4; i++) await keyboard.press('ArrowDown');
  await expect(age).toHaveValue('70_74');

  await keyboard.press('Tab');
  const hasPhone = form.getByRole('radio', { name: 'はい' });
  await expect(hasPhone).toBeFocused();
  await keyboard.press('Space');
  await expect(hasPhone).toBeChecked();

  await keyboard.press('Tab');
  const loaner = form.getByRole('checkbox', { name: '貸出スマホを使いたい' });
  await expect(loaner).toBeFocused();
  await keyboard.press('Space');
  await expect(loaner).toBeChecked();

  await keyboard.press('Tab');
  await expect(form.getByLabel(/^メールアドレス/)).toBeFocused();

  await keyboard.press('Tab');
  await expect(form.getByLabel(/^メモ/)).toBeFocused();
  await keyboard.type('耳が遠いのでゆっくり話す');

  await keyboard.press('Tab');
  const consent = form.getByRole('checkbox', { name: '本人に個人情報の取り扱いを説明し、同意を得た' });
  await expect(consent).toBeFocused();
  await keyboard.press('Space');
  await expect(consent).toBeChecked();

  // The follow-up a month later: asked on the phone, ticked when they agree.
  await keyboard.press('Tab');
  const followUp = form.getByRole('checkbox', { name: /講座のあとのアンケート/ });
  await expect(followUp).toBeFocused();
  await keyboard.press('Space');
  await expect(followUp).toBeChecked();

  // SMS only with a mobile number: this caller has a landline, so the box stays empty.
  await keyboard.press('Tab');
  await expect(form.getByRole('checkbox', { name: /SMSでの連絡に同意された/ })).toBeFocused();

  await keyboard.press('Tab');
  await expect(form.getByRole('button', { name: '登録する' })).toBeFocused();
  await keyboard.press('Enter');

  await expect(page.getByRole('status')).toHaveText('受け付けました。');
  const row = page.getByRole('table').getByRole('row').filter({ hasText: attendee });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('電話');
  await expect(row).toContainText('70〜74歳');
});

test('staff sign a couple up by phone in one go', async ({ page }) => {
  const wife = `電話 花子 ${unique()}`;
  const husband = `電話 次郎 ${unique()}`;
  await login(page, STAFF);
  await page.goto('/staff/sessions/1');
  const section = page.getByRole('region', { name: '電話・窓口の申し込みを入力する' });
  // No script: a link asks the form for two people.
  await section.getByRole('link', { name: '2人で申し込む' }).click();
  const form = page.getByRole('region', { name: '電話・窓口の申し込みを入力する' }).locator('form');
  await form.getByLabel(/^お名前/).first().fill(wife);
  await form.getByLabel(/^フリガナ/).first().fill('デンワ ハナコ');
  await form.getByLabel(/^電話番号/).first().fill('093-555-0202');
  await form.getByLabel(/^年代/).first().selectOption('75_79');
  await form.getByRole('radio', { name: 'いいえ' }).first().check();
  const second = form.getByRole('group', { name: '2人目の方', exact: true });
  await second.getByLabel(/^お名前/).fill(husband);
  await second.getByLabel(/^フリガナ/).fill('でんわ じろう');
  await second.getByLabel(/^電話番号/).fill('093-555-0202');
  await second.getByLabel(/^年代/).selectOption('80_plus');
  await second.getByRole('group', { name: /スマートフォンをお持ちですか/ }).getByRole('radio', { name: 'いいえ' }).check();
  await form.getByRole('checkbox', { name: '本人に個人情報の取り扱いを説明し、同意を得た' }).check();
  await form.getByRole('button', { name: '登録する' }).click();

  await expect(page.getByRole('status')).toHaveText('受け付けました。');
  // Each has their own roster row (the husband's also names his wife, who signed them up).
  for (const name of [wife, husband]) {
    await expect(page.getByRole('table').getByRole('cell', { name: new RegExp(`^${name} `) })).toHaveCount(1);
  }
});
