import { expect, test, type Page } from '@playwright/test';
import { login, STAFF } from './helpers';

// What staff print must come out of the printer as it is meant to: the survey sheet a
// senior fills in with a pen is one A4 page, comment box included.

/** The number of pages of the page printed to PDF on A4, as the browser's print does. */
async function a4Pages(page: Page): Promise<number> {
  const pdf = (await page.pdf({ format: 'A4', preferCSSPageSize: true })).toString('latin1');
  return (pdf.match(/\/Type\s*\/Page(?!s)/g) ?? []).length;
}

test('the survey sheet prints on one A4 page with its comment box', async ({ page }) => {
  await login(page, STAFF);
  await page.goto('/staff/sessions/1/survey-sheet');
  await page.emulateMedia({ media: 'print' });
  await expect(page.locator('.comment-box')).toBeVisible();
  expect(await a4Pages(page)).toBe(1);
});
