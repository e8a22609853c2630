// The supervisor console in headless Chromium (Debian's), driven by playwright-core,
// against a running demo server (BASE_URL). Signs in as `supervisor`, looks at the
// dashboard, finds a visit in the queue, opens its photos, returns it with a
// comment, exports the ledger and checks its rows, signs out. Screenshots go to
// SHOT_DIR (under target/) so a person can look.
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);
const toolsDir = process.env.PLAYWRIGHT_DIR;
const { chromium } = require(path.join(toolsDir, 'node_modules', 'playwright-core'));

const base = process.env.BASE_URL;
const shots = process.env.SHOT_DIR;
mkdirSync(shots, { recursive: true });

function check(cond, what) {
  if (!cond) {
    throw new Error(`check failed: ${what}`);
  }
  console.log(`ok - ${what}`);
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const external = [];
  page.on('request', (r) => { if (!r.url().startsWith(base)) external.push(r.url()); });

  await page.goto(`${base}/`);
  check(page.url().endsWith('/console/login'), 'the root leads to the login page');
  await page.fill('input[name=username]', 'supervisor');
  await page.fill('input[name=password]', 'doorstep-demo');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  check(new URL(page.url()).pathname === '/console', 'signed in, on the dashboard');
  check(await page.locator('text=待审核').count() > 0, 'the dashboard shows reviews waiting');
  await page.screenshot({ path: path.join(shots, 'dashboard.png'), fullPage: true });

  await page.goto(`${base}/console/queue?status=uploaded`);
  const links = page.locator('table a[href^="/console/visits/"]');
  check(await links.count() > 0, 'the queue lists visits waiting for review');
  await Promise.all([page.waitForNavigation(), links.first().click()]);
  const visitUrl = page.url();
  check(await page.locator('text=填报内容').count() > 0, 'the visit detail shows the answers');
  check(await page.locator('svg').count() > 0 || await page.locator('text=无到户核验').count() > 0,
    'the door check is shown');

  const thumbs = page.locator('img.thumb');
  if (await thumbs.count() > 0) {
    await thumbs.first().scrollIntoViewIfNeeded();
    await page.waitForFunction(() => {
      const img = document.querySelector('img.thumb');
      return img && img.complete && img.naturalWidth > 0;
    }, null, { timeout: 10000 });
    check(true, 'a photo thumbnail loaded through the console route');
    const src = await thumbs.first().getAttribute('src');
    const full = await context.request.get(`${base}${src}`);
    check(full.status() === 200 && full.headers()['content-type'] === 'image/jpeg',
      'the full-size photo opens');
    const outsider = await (await browser.newContext()).request.get(`${base}${src}`, { maxRedirects: 0 });
    check(outsider.status() === 303, 'the photo needs a session');
  } else {
    console.log('note - this visit has no photos');
  }
  await page.screenshot({ path: path.join(shots, 'visit-detail.png'), fullPage: true });

  // Return without a comment: the browser's own required check stops it; then with one.
  await page.fill('form:has(#return) textarea[name=comment]', '请补拍门牌照片');
  await Promise.all([page.waitForNavigation(), page.click('#return')]);
  check(page.url() === visitUrl, 'back on the visit after returning it');
  check(await page.locator('text=请补拍门牌照片').count() > 0, 'the comment is shown');
  check(await page.locator('td:has-text("已退回"), td:has-text("退回")').count() > 0, 'the visit is returned');
  await page.screenshot({ path: path.join(shots, 'visit-returned.png'), fullPage: true });

  // The English switch.
  await Promise.all([page.waitForNavigation(), page.click('text=English')]);
  check(await page.locator('text=Answers').count() > 0, 'the page switches to English');
  await Promise.all([page.waitForNavigation(), page.click('text=中文')]);

  // Export the ledger and read its rows back.
  const csv = await context.request.get(`${base}/console/export/ledger.csv?template=elder_alone_visit`);
  check(csv.status() === 200, 'the CSV ledger downloads');
  const text = await csv.text();
  const lines = text.replace(/^\uFEFF/, '').trim().split(/\r\n/);
  check(text.charCodeAt(0) === 0xFEFF, 'the CSV starts with a BOM');
  check(lines[0].startsWith('完成时间,户号,网格,网格员,状态,版本'), 'the CSV header is in Chinese');
  check(lines.length >= 2, `the CSV has visit rows (${lines.length - 1})`);
  check(!/\b\d{17}[\dX]\b/.test(text), 'no full ID number in the default export');
  const xlsx = await context.request.get(`${base}/console/export/ledger.xlsx?template=elder_alone_visit`);
  const body = await xlsx.body();
  check(xlsx.status() === 200 && body[0] === 0x50 && body[1] === 0x4b, 'the xlsx ledger downloads');

  await Promise.all([page.waitForNavigation(), page.click('header button[type=submit]')]);
  check(page.url().endsWith('/console/login'), 'signed out');
  await page.goto(`${base}/console`);
  check(page.url().endsWith('/console/login'), 'the console needs signing in again');
  check(external.length === 0, `no request left the server (${external.join(', ')})`);
} finally {
  await browser.close();
}
