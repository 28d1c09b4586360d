import { expect, test } from '@playwright/test';
import { expectNoAxeViolations } from './helpers';

test('a resident finds a session in 門司区 and reads its details', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1, name: 'スマホ教室・相談会をさがす' })).toBeVisible();

  const filters = page.getByRole('search', { name: '講座のしぼりこみ' });
  await filters.getByLabel('区').selectOption({ label: '門司区' });
  await filters.getByRole('button', { name: 'さがす' }).click();

  await expect(page).toHaveURL(/[?&]ward=moji(&|$)/);
  await expect(page.getByLabel('区')).toHaveValue('moji');
  const cards = page.locator('ul.session-list > li');
  await expect(cards.first()).toBeVisible();
  const venueLines = await cards.locator('.session-venue').allTextContents();
  expect(venueLines.length).toBe(await cards.count());
  for (const line of venueLines) {
    expect(line).toContain('門司区');
  }

  const firstLink = cards.first().getByRole('heading', { level: 2 }).getByRole('link');
  const title = (await firstLink.textContent())!.trim();
  await firstLink.click();

  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  const details = page.locator('dl.details');
  await expect(details.locator('dt', { hasText: '日時' })).toBeVisible();
  await expect(details.locator('dt', { hasText: '会場' })).toBeVisible();
  // Every venue in 門司区 has an address in 北九州市門司区.
  await expect(details.locator('dd', { hasText: '北九州市門司区' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'この講座に申し込む' })).toBeVisible();
});

test('the home page has no WCAG 2.2 AA violations', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('ul.session-list > li').first()).toBeVisible();
  await expectNoAxeViolations(page);
});

test('a session page has no WCAG 2.2 AA violations', async ({ page }) => {
  await page.goto('/sessions/1');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expectNoAxeViolations(page);
});
