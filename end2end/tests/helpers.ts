import { expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

/** Accounts created by serve.sh. */
export const PASSWORD = 'e2e-password-123';
export const MANAGER = { email: 'manager.e2e@example.jp', name: 'E2E 管理者' };
export const STAFF = { email: 'staff.e2e@example.jp', name: 'E2E 受付' };

/** The WCAG levels the city has to meet. */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** Logs in through the login form and waits until the header shows the logout button. */
export async function login(page: Page, account: { email: string; name: string }): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('メールアドレス').fill(account.email);
  await page.getByLabel('パスワード').fill(PASSWORD);
  await page.getByRole('button', { name: 'ログインする' }).click();
  await expect(page.getByRole('button', { name: `ログアウト（${account.name}）` })).toBeVisible();
}

/** Runs axe-core on the current page and expects no violations, listing them if any. */
export async function expectNoAxeViolations(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  const summary = results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html, summary: n.failureSummary })),
  }));
  expect(summary, `axe violations on ${page.url()}`).toEqual([]);
}

/** A calendar date in Tokyo (the city's time zone), `days` from today, as YYYY-MM-DD. */
export function tokyoDate(days: number): string {
  const when = new Date(Date.now() + days * 24 * 60 * 60 * 1000);
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Tokyo',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(when);
}

/** A number that differs between runs and between tests of one run. */
export function unique(): string {
  return `${Date.now()}${Math.floor(Math.random() * 1000)}`;
}
