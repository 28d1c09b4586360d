import { test as base, expect, type Browser, type Cookie, type Page, type Response } from '@playwright/test';
import { expectNoAxeViolations, login, MANAGER, STAFF, unique } from './helpers';

// Every page of the app, in Japanese and in English, for the viewer that can open it:
// axe-core (WCAG 2.2 AA tags) with no violations, exactly one <h1>, <html lang> of the
// language shown, an accessible name on every form control, and no console errors.

/** Accounts added by serve.sh besides the manager and the staff member. */
const ADMIN = { email: 'admin.e2e@example.jp', name: 'E2E 監査' };
const PARTNER = { email: 'partner.e2e@example.jp', name: 'E2E 協力店' };

type Account = { email: string; name: string };
type Lang = 'ja' | 'en';

/** One page to check: who opens it, how, and the status its document answers with. */
type PageCase = {
  name: string;
  as: Account | null;
  /** Navigates to the page (a plain URL, or a flow such as a failed submit). */
  open: string | ((page: Page, browser: Browser) => Promise<Response | null>);
  /** Status of the page's document; a 4xx document is logged by Chromium as a console
   *  error ("Failed to load resource"), which is expected for that document only. */
  status?: number;
  /** Also save a full-page screenshot (Japanese run only) under test-results/. */
  screenshot?: string;
};

/** Submits the form of the page's main content (not the header's logout form). */
async function submitMainForm(page: Page): Promise<Response | null> {
  // The document that ends the navigation (after any redirect).
  const [response] = await Promise.all([
    page.waitForResponse(
      (r) =>
        r.request().isNavigationRequest() &&
        r.request().frame() === page.mainFrame() &&
        !(r.status() >= 300 && r.status() < 400),
    ),
    page.locator('main form.form button[type="submit"]').first().click(),
  ]);
  await page.waitForLoadState();
  return response;
}

/** Fills the public sign-up form of a session (by ids: the same in both languages). */
async function fillSignUp(page: Page): Promise<void> {
  const field = (id: string) => page.locator(`[id="${id}"]`);
  const n = unique();
  await field('attendee.name').fill(`全頁 花子 ${n}`);
  await field('attendee.name_kana').fill('ゼンページ ハナコ');
  // A local number never starts with 0 after the area code.
  await field('attendee.phone').fill(`093-${1 + (Number(n.slice(-7, -6)) % 9)}${n.slice(-6, -4)}-${n.slice(-4)}`);
  await field('attendee.age_band').selectOption('75_79');
  await field('attendee.has_smartphone-0').check();
  await field('registrant.relation-1').check();
  await field('registrant.name').fill('全頁 太郎');
  await field('registrant.email').fill(`zenpage.${n}@example.jp`);
  await field('consent').check();
}

/** The login cookies of each account, logged in once per worker: the server allows
 *  10 logins a minute per address, and this file opens some 80 pages. */
const sessionCookies = new Map<string, Cookie[]>();

/** Logs the page's browser context in as `account` (reusing an earlier login). */
async function signIn(page: Page, account: Account): Promise<void> {
  const cookies = sessionCookies.get(account.email);
  if (cookies) {
    await page.context().addCookies(cookies);
    return;
  }
  await login(page, account);
  sessionCookies.set(
    account.email,
    (await page.context().cookies()).filter((c) => c.name !== 'lang'),
  );
}

/** The survey code of a session, as staff read it on the printable survey sheet. */
async function surveyCode(browser: Browser, sessionId: number): Promise<string> {
  const context = await browser.newContext();
  try {
    const staff = await context.newPage();
    await signIn(staff, STAFF);
    await staff.goto(`/staff/sessions/${sessionId}/survey-sheet`);
    const code = (await staff.locator('p', { hasText: 'アンケートコード' }).locator('strong').textContent())!.trim();
    expect(code).toMatch(/^[A-Z0-9]+$/);
    return code;
  } finally {
    await context.close();
  }
}

const CASES: PageCase[] = [
  // Public pages.
  { name: 'home', as: null, open: '/' },
  { name: 'home, filtered', as: null, open: '/?ward=moji&kind=course' },
  { name: 'session', as: null, open: '/sessions/1' },
  { name: 'sign-up form', as: null, open: '/sessions/1/register' },
  {
    name: 'sign-up form, empty submit with errors',
    as: null,
    status: 422,
    open: async (page) => {
      await page.goto('/sessions/1/register');
      const response = await submitMainForm(page);
      await expect(page.getByRole('alert')).toBeVisible();
      return response;
    },
  },
  {
    name: 'sign-up review (入力 → 確認)',
    as: null,
    open: async (page) => {
      await page.goto('/sessions/1/register');
      await fillSignUp(page);
      const response = await submitMainForm(page);
      // The button that sends the reviewed sign-up (its words differ by language).
      await expect(page.locator('button[name="step"][value="confirm"]')).toBeVisible();
      return response;
    },
  },
  {
    name: 'registration (after a successful sign-up)',
    as: null,
    open: async (page) => {
      await page.goto('/sessions/1/register');
      await fillSignUp(page);
      await submitMainForm(page);
      // The review step: its first button sends the sign-up.
      await submitMainForm(page);
      await expect(page).toHaveURL(/\/registrations\/[^/?]+/);
      // Check the page as it is opened again later (the link in the mail).
      return page.goto(new URL(page.url()).pathname);
    },
  },
  { name: 'venue calendar', as: null, open: '/venues/1/calendar' },
  { name: 'login', as: null, open: '/login' },
  {
    name: 'login, wrong password',
    as: null,
    status: 401,
    open: async (page) => {
      await page.goto('/login');
      // An address with no account: a wrong password would use up the manager's logins.
      await page.locator('#email').fill('nobody.e2e@example.jp');
      await page.locator('#password').fill('not-the-password');
      const response = await submitMainForm(page);
      await expect(page.getByRole('alert')).toBeVisible();
      return response;
    },
  },
  { name: 'not found', as: null, open: '/no-such-page', status: 404 },
  {
    name: 'public survey',
    as: null,
    open: async (page, browser) => page.goto(`/survey/${await surveyCode(browser, 1)}`),
  },

  // Staff (of venues 1 and 2).
  { name: 'staff home', as: STAFF, open: '/staff' },
  { name: 'roster', as: STAFF, open: '/staff/sessions/1', screenshot: 'roster.png' },
  { name: 'call list', as: STAFF, open: '/staff/sessions/1/calls' },
  { name: 'check-in', as: STAFF, open: '/staff/sessions/1/checkin' },
  { name: 'survey fast entry', as: STAFF, open: '/staff/sessions/1/surveys' },
  { name: 'survey sheet', as: STAFF, open: '/staff/sessions/1/survey-sheet' },
  { name: 'referral desk', as: STAFF, open: '/staff/sessions/1/refer' },
  { name: 'follow-up calls', as: STAFF, open: '/staff/followups' },

  // Manager.
  { name: 'manage home', as: MANAGER, open: '/manage' },
  { name: 'manage sessions', as: MANAGER, open: '/manage/sessions' },
  { name: 'new session', as: MANAGER, open: '/manage/sessions/new' },
  {
    name: 'new session, empty submit with errors',
    as: MANAGER,
    status: 422,
    open: async (page) => {
      await page.goto('/manage/sessions/new');
      const response = await submitMainForm(page);
      await expect(page.getByRole('alert')).toBeVisible();
      return response;
    },
  },
  { name: 'edit session', as: MANAGER, open: '/manage/sessions/1/edit' },
  { name: 'manage venues', as: MANAGER, open: '/manage/venues' },
  { name: 'new venue', as: MANAGER, open: '/manage/venues/new' },
  { name: 'edit venue', as: MANAGER, open: '/manage/venues/1/edit' },
  { name: 'KPI dashboard', as: MANAGER, open: '/manage/kpi', screenshot: 'kpi.png' },
  { name: 'KPI of a session', as: MANAGER, open: '/manage/kpi/sessions/1' },
  { name: 'follow-up choices', as: MANAGER, open: '/manage/followups/choices' },
  { name: 'follow-up choice being edited', as: MANAGER, open: '/manage/followups/choices?kind=barrier&code=other' },
  { name: 'partners', as: MANAGER, open: '/manage/partners' },
  { name: 'new partner', as: MANAGER, open: '/manage/partners/new' },
  { name: 'edit partner', as: MANAGER, open: '/manage/partners/1/edit' },
  { name: 'partner report', as: MANAGER, open: '/manage/partners/report' },
  {
    name: 'partners of a session',
    as: MANAGER,
    open: '/manage/sessions/1/partners',
  },
  { name: 'data exchange', as: MANAGER, open: '/manage/exchange' },
  {
    name: 'import preview',
    as: MANAGER,
    open: async (page) => {
      await page.goto('/manage/exchange');
      await page.locator('#kind').selectOption('venues');
      const csv = 'name,kind,ward,address\n新しい会館,市民センター,門司区,門司区1-1\n名前だけ,お城,港区,x\n';
      await page.locator('#file').setInputFiles({ name: 'venues.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      const response = await submitMainForm(page);
      await expect(page.getByRole('heading', { level: 2, name: /問題のある行|Rows with problems/ })).toBeVisible();
      return response;
    },
  },

  // Partner shop staff.
  { name: 'partner home', as: PARTNER, open: '/partner' },

  // Admin.
  { name: 'admin home', as: ADMIN, open: '/admin' },
  { name: 'city profile', as: ADMIN, open: '/admin/city' },
  { name: 'wards', as: ADMIN, open: '/admin/wards' },
  { name: 'edit ward', as: ADMIN, open: '/admin/wards/tobata' },
  { name: 'retire ward', as: ADMIN, open: '/admin/wards/tobata/retire' },
  { name: 'audit log', as: ADMIN, open: '/admin/audit' },
  { name: 'people search', as: ADMIN, open: `/admin/people?q=${encodeURIComponent('北九')}` },
];

/** Console errors and uncaught exceptions of each page, from its creation on. */
const consoleErrors = new WeakMap<Page, { text: string; url: string }[]>();

const test = base.extend({
  page: async ({ page }, use) => {
    const errors: { text: string; url: string }[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push({ text: m.text(), url: m.location().url });
    });
    page.on('pageerror', (e) => errors.push({ text: `uncaught: ${e.message}`, url: page.url() }));
    consoleErrors.set(page, errors);
    await use(page);
  },
});

/** Logs in (if needed) and switches to English with the header link (if needed). */
async function prepare(page: Page, as: Account | null, lang: Lang): Promise<void> {
  if (as) await signIn(page, as);
  if (lang === 'en') {
    await page.goto('/');
    await page.getByRole('link', { name: 'English' }).click();
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await expect(page.getByRole('link', { name: '日本語' })).toBeVisible();
  }
}

/** The checks every page has to pass. */
async function checkPage(page: Page, response: Response | null, lang: Lang, status: number): Promise<void> {
  // Staff pages hydrate islands: let the script load and run before looking.
  await page.waitForLoadState('networkidle').catch(() => {});

  expect.soft(response?.status(), `status of ${page.url()}`).toBe(status);
  await expect.soft(page.locator('html')).toHaveAttribute('lang', lang);

  await expect.soft(page.locator('h1'), 'exactly one <h1>').toHaveCount(1);
  await expect.soft(page.getByRole('heading', { level: 1 }), 'exactly one level-1 heading').toHaveCount(1);

  // Every visible form control has an accessible name (axe checks this too; this names
  // the control directly).
  const controls = page.locator('input:not([type="hidden"]), select, textarea, button');
  for (const control of await controls.all()) {
    if (!(await control.isVisible())) continue;
    const html = await control.evaluate((el) => el.outerHTML.slice(0, 200));
    await expect.soft(control, `accessible name of ${html}`).toHaveAccessibleName(/\S/, { timeout: 1_000 });
  }

  // No console errors, except Chromium's note on this very document's expected 4xx status.
  const here = page.url();
  const errors = (consoleErrors.get(page) ?? []).filter(
    (e) =>
      !(
        status >= 400 &&
        e.url === here &&
        e.text.startsWith(`Failed to load resource: the server responded with a status of ${status}`)
      ),
  );
  expect.soft(errors, `console errors on ${here}`).toEqual([]);

  await expectNoAxeViolations(page);
}

for (const lang of ['ja', 'en'] as const) {
  test.describe(`every page (${lang})`, () => {
    for (const c of CASES) {
      test(`${c.name}: ${typeof c.open === 'string' ? c.open : 'flow'}`, async ({ page, browser }) => {
        await prepare(page, c.as, lang);
        const response = typeof c.open === 'string' ? await page.goto(c.open) : await c.open(page, browser);
        if (c.screenshot && lang === 'ja') {
          await page.screenshot({ path: test.info().project.outputDir + '/a11y-screenshots/' + c.screenshot, fullPage: true });
        }
        await checkPage(page, response, lang, c.status ?? 200);
      });
    }
  });
}

// Most residents use a phone: the home page and the sign-up form also on a phone viewport.
test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });

  for (const [name, path, shot] of [
    ['home', '/', 'home-phone.png'],
    ['sign-up form', '/sessions/1/register', 'sign-up-phone.png'],
  ] as const) {
    test(`${name} (ja, phone): ${path}`, async ({ page }) => {
      const response = await page.goto(path);
      await page.screenshot({ path: test.info().project.outputDir + '/a11y-screenshots/' + shot, fullPage: true });
      await checkPage(page, response, 'ja', 200);
    });
  }
});
