import { expect, test, type Page } from '@playwright/test';
import { expectNoAxeViolations, unique } from './helpers';

// Most people sign up on their phone.
test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 3 });

/** Session 1: a course at 門司市民センター with seats and loaner phones. */
const SESSION = '/sessions/1';

async function openSignUpForm(page: Page): Promise<void> {
  await page.goto(SESSION);
  const title = (await page.getByRole('heading', { level: 1 }).textContent())!.trim();
  await page.getByRole('link', { name: 'この講座に申し込む' }).click();
  await expect(page.getByRole('heading', { level: 1, name: `申し込み：${title}` })).toBeVisible();
}

/** A mobile number of its own for each sign-up: one number may hold only two seats of a session. */
function ownPhone(): string {
  const digits = unique().slice(-8);
  // 090-1000-0000 to 090-9999-9999: no mobile number has a 0 after 090.
  return `090-${1 + (Number(digits[0]) % 9)}${digits.slice(1, 4)}-${digits.slice(4)}`;
}

/** A family member signs their parent up (each run as a family of its own); returns
 *  the e-mail address given. */
async function fillForParent(page: Page, attendee: string, phone = ownPhone()): Promise<string> {
  const attendeeBox = page.getByRole('group', { name: '参加する方', exact: true });
  await attendeeBox.getByLabel(/^お名前/).fill(attendee);
  await attendeeBox.getByLabel(/^フリガナ/).fill('キタキュウ ハナコ');
  await attendeeBox.getByLabel(/^電話番号/).fill(phone);
  await attendeeBox.getByLabel(/^年代/).selectOption({ label: '75〜79歳' });
  await attendeeBox
    .getByRole('group', { name: /スマートフォンをお持ちですか/ })
    .getByRole('radio', { name: 'はい' })
    .check();

  const registrantBox = page.getByRole('group', { name: '申し込む方', exact: true });
  await registrantBox
    .getByRole('group', { name: /参加する方とのご関係/ })
    .getByRole('radio', { name: '家族' })
    .check();
  await registrantBox.getByLabel('申し込む方のお名前').fill('北九 太郎');
  const email = `taro.${unique()}@example.jp`;
  await registrantBox.getByLabel('メールアドレス').fill(email);

  await page.getByLabel('個人情報の取り扱いに同意します').check();
  return email;
}

/** The review step (入力 → 確認 → 完了) echoes the address, then sends the sign-up. */
async function confirmSignUp(page: Page, email: string): Promise<void> {
  await expect(page.getByRole('heading', { level: 1, name: /^お申し込み内容の確認/ })).toBeVisible();
  await expect(page.locator('.review-mail')).toContainText(`${email} に送ります`);
  await page.getByRole('button', { name: 'この内容で申し込む' }).click();
}

test('a family member signs a parent up on a phone', async ({ page }) => {
  const attendee = `北九 花子 ${unique()}`;
  await openSignUpForm(page);
  const email = await fillForParent(page, attendee);
  await page.getByRole('button', { name: '申し込む', exact: true }).click();
  await expectNoAxeViolations(page);
  await confirmSignUp(page, email);

  await expect(page.getByRole('heading', { level: 1, name: 'お申し込みを受け付けました' })).toBeVisible();
  await expect(page.locator('dl.details')).toContainText(attendee);
  await expect(page.locator('.steps [aria-current="step"]')).toHaveText('3 完了');
});

test('the review step reopens the form with what was typed', async ({ page }) => {
  const attendee = `北九 花子 ${unique()}`;
  await openSignUpForm(page);
  await fillForParent(page, attendee);
  await page.getByRole('button', { name: '申し込む', exact: true }).click();
  await page.getByRole('button', { name: '修正する' }).click();
  await expect(page.getByLabel(/^お名前/)).toHaveValue(attendee);
  await expect(page.getByLabel('申し込む方のお名前')).toHaveValue('北九 太郎');
  await expect(page.locator('p.field-error')).toHaveCount(0);
});

test('a senior alone with only a phone signs up in one submit', async ({ page }) => {
  const attendee = `北九 ひとり ${unique()}`;
  await openSignUpForm(page);
  const attendeeBox = page.getByRole('group', { name: '参加する方', exact: true });
  await attendeeBox.getByLabel(/^お名前/).fill(attendee);
  await attendeeBox.getByLabel(/^フリガナ/).fill('キタキュウ ヒトリ');
  await attendeeBox.getByLabel(/^電話番号/).fill(ownPhone().replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))));
  await attendeeBox.getByLabel(/^年代/).selectOption({ label: '80歳以上' });
  await attendeeBox.getByRole('group', { name: /スマートフォンをお持ちですか/ }).getByRole('radio', { name: 'いいえ' }).check();
  await page.getByLabel('個人情報の取り扱いに同意します').check();
  await page.getByRole('button', { name: '申し込む', exact: true }).click();

  await expect(page.getByRole('heading', { level: 1, name: 'お申し込みを受け付けました' })).toBeVisible();
  await expect(page.getByText(/受付番号/).first()).toBeVisible();
});

test('the sign-up form has no WCAG 2.2 AA violations', async ({ page }) => {
  await openSignUpForm(page);
  await expectNoAxeViolations(page);
});

test('a wrong phone number is explained and the typed name is kept', async ({ page }) => {
  const attendee = `北九 花子 ${unique()}`;
  await openSignUpForm(page);
  await fillForParent(page, attendee, '12345');
  await page.getByRole('button', { name: '申し込む', exact: true }).click();

  await expect(page.getByRole('alert')).toContainText('入力内容を確認してください。');
  const phone = page.getByLabel(/^電話番号/);
  await expect(phone).toHaveAttribute('aria-invalid', 'true');
  // Said beside the field, and linked from the summary at the top.
  await expect(page.locator('p.field-error', { hasText: '電話番号を正しく入力してください（例：093-123-4567）。' })).toBeVisible();
  await expect(page.getByRole('alert').getByRole('link', { name: /電話番号/ })).toHaveAttribute('href', '#attendee.phone');
  await expect(phone).toHaveAccessibleDescription(/電話番号を正しく入力してください/);
  await expect(page.getByLabel(/^お名前/)).toHaveValue(attendee);
  await expect(page.getByRole('heading', { name: 'お申し込みを受け付けました' })).toHaveCount(0);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('a family member signs a parent up', async ({ page }) => {
    const attendee = `北九 花子 ${unique()}`;
    await openSignUpForm(page);
    const email = await fillForParent(page, attendee);
    await page.getByRole('button', { name: '申し込む', exact: true }).click();
    await confirmSignUp(page, email);

    await expect(page.getByRole('heading', { level: 1, name: 'お申し込みを受け付けました' })).toBeVisible();
    await expect(page.locator('dl.details')).toContainText(attendee);
  });
});

test('a daughter signs both parents up in one go', async ({ page }) => {
  const mother = `北九 花子 ${unique()}`;
  const father = `北九 一郎 ${unique()}`;
  await openSignUpForm(page);
  await page.getByRole('link', { name: '2人で申し込む' }).click();
  await expectNoAxeViolations(page);
  const email = await fillForParent(page, mother);
  const second = page.getByRole('group', { name: '2人目の方', exact: true });
  await second.getByLabel(/^お名前/).fill(father);
  await second.getByLabel(/^フリガナ/).fill('キタキュウ イチロウ');
  await second.getByLabel(/^電話番号/).fill(ownPhone());
  await second.getByLabel(/^年代/).selectOption({ label: '80歳以上' });
  await second.getByRole('group', { name: /スマートフォンをお持ちですか/ }).getByRole('radio', { name: 'いいえ' }).check();
  await expect(page.getByRole('group', { name: '席が人数分ないときは' }).getByRole('radio', { name: /全員でキャンセル待ち/ })).toBeChecked();
  await page.getByRole('button', { name: '申し込む', exact: true }).click();
  await confirmSignUp(page, email);

  await expect(page.getByRole('heading', { level: 1, name: 'お申し込みを受け付けました' })).toBeVisible();
  await expect(page.locator('dl.details')).toContainText(mother);
});
