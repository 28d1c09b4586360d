import { expect, test, type Page } from '@playwright/test';

// A senior reads on a phone at 200% zoom: a 390 px wide screen shows 195 CSS px. No
// public page may scroll sideways at either width, and the sign-up form opens with at
// most ten fields (the rest appear only when they apply).

const PUBLIC_PAGES = ['/', '/?ward=moji&kind=course', '/sessions/1', '/sessions/1/register', '/venues/1/calendar', '/login'];

async function sidewaysScroll(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

for (const width of [390, 195]) {
  test.describe(`${width} CSS px wide`, () => {
    test.use({ viewport: { width, height: 844 }, isMobile: true, hasTouch: true });

    for (const path of PUBLIC_PAGES) {
      test(`no sideways scroll: ${path}`, async ({ page }) => {
        await page.goto(path);
        expect(await sidewaysScroll(page), `${path} at ${width}px`).toBeLessThanOrEqual(0);
      });
    }
  });
}

test.describe('the sign-up form', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  /** The form's questions a person sees: visible fields and radio groups. */
  async function visibleQuestions(page: Page): Promise<number> {
    return page.locator('form.form .field:visible').count();
  }

  test('opens with at most ten questions, and the family adds only its own two', async ({ page }) => {
    await page.goto('/sessions/1/register');
    expect(await visibleQuestions(page)).toBeLessThanOrEqual(10);
    await expect(page.getByLabel('申し込む方のお名前')).toBeHidden();
    await page.getByRole('radio', { name: '家族' }).check();
    await expect(page.getByLabel('申し込む方のお名前')).toBeVisible();
    expect(await visibleQuestions(page)).toBeLessThanOrEqual(12);
    // The phone's OS only for smartphone owners.
    await expect(page.getByLabel(/^スマートフォンの種類/)).toBeHidden();
    await page.getByRole('group', { name: /スマートフォンをお持ちですか/ }).getByRole('radio', { name: 'はい' }).check();
    await expect(page.getByLabel(/^スマートフォンの種類/)).toBeVisible();
  });
});
