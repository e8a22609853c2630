// The whole review loop, in headless Chromium (Debian's) driven by playwright-core
// against a running demo server (BASE_URL), and on the demo worker's phone driven
// by the real `doorstep device` commands (DOORSTEP_BIN, DEVICE_DB, DEVICE_KEY).
// The supervisor signs in, looks at the dashboard, finds a visit in the queue,
// opens its photos and returns it with a comment; the phone pulls the return,
// revises the visit, corrects an answer and syncs; the supervisor sees revision 2
// with what changed and approves it; the phone pulls the approval; the ledger is
// exported and its rows read back. Then an admin brings in an office's 低保
// roster (.xls, title rows, 合计 row): the preview shows each column's field and
// the first households, and confirming imports them. Screenshots go to SHOT_DIR
// (under target/) so a person can look.
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);
const toolsDir = process.env.PLAYWRIGHT_DIR;
const { chromium } = require(path.join(toolsDir, 'node_modules', 'playwright-core'));

const base = process.env.BASE_URL;
const shots = process.env.SHOT_DIR;
mkdirSync(shots, { recursive: true });

/** Runs `doorstep device … ARGS` on the demo worker's phone; returns its JSON output. */
function phone(...args) {
  const out = execFileSync(process.env.DOORSTEP_BIN,
    ['device', '--db', process.env.DEVICE_DB, '--key-file', process.env.DEVICE_KEY, ...args],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out);
}

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
  check(await page.locator('th:text-is("入户情况")').count() === 1, 'the queue has a door-outcome column');
  await page.screenshot({ path: path.join(shots, 'queue.png'), fullPage: true });
  await Promise.all([page.waitForNavigation(), links.first().click()]);
  const visitUrl = page.url();
  check(await page.locator('text=填报内容').count() > 0, 'the visit detail shows the answers');
  check(await page.locator('svg').count() > 0 || await page.locator('text=无到户核验').count() > 0
    || await page.locator('text=尚无登记位置').count() > 0,
    'the door check is shown');
  const outcome = (await page.locator('#door-outcome').innerText()).trim();
  check(['见到本人', '家中无人', '拒绝入户', '已搬离', '房屋空置', '地址有误', '无到户核验'].includes(outcome),
    `the visit shows what the worker found at the door (${outcome})`);
  check(await page.locator('text=结论：已核验').count() === 0, 'no bare verdict that reads as approval');

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

  // On the worker's phone: the return arrives with the comment, the worker
  // revises the visit, corrects an answer, finalizes and syncs.
  const returnedId = new URL(visitUrl).pathname.split('/').pop();
  phone('pull');
  const tasks = phone('visit', 'list', '--returned');
  const task = tasks.find((v) => v.visit_id === returnedId);
  check(task !== undefined, 'the returned visit reaches the phone as a task');
  check(task.comment === '请补拍门牌照片', 'the phone shows the supervisor\'s comment');
  const revised = phone('visit', 'revise', returnedId);
  check(revised.revision === 2, 'the phone starts revision 2');
  const respondent = '李桂兰（女儿代答）';
  const correction = path.join(process.env.WORK_DIR, 'correction.json');
  writeFileSync(correction, JSON.stringify({ respondent }));
  phone('visit', 'answers', '--merge', revised.visit_id, correction);
  check(phone('visit', 'finalize', revised.visit_id).status === 'finalized', 'the revision is finalized');
  const report = phone('sync');
  check(report.uploaded > 0 && report.pending === 0 && report.set_aside === 0,
    `the revision syncs (${JSON.stringify(report)})`);
  check(phone('visit', 'list', '--returned').every((v) => v.visit_id !== returnedId),
    'the task leaves the phone\'s list once revised');

  // In the console: revision 2 with what changed, then approve it.
  await page.goto(`${base}/console/queue?status=uploaded`);
  const revisionLink = page.locator(`table a[href="/console/visits/${revised.visit_id}"]`);
  check(await revisionLink.count() > 0, 'the revision waits in the review queue');
  await Promise.all([page.waitForNavigation(), revisionLink.first().click()]);
  const revisionUrl = page.url();
  check(await page.locator('tr:has(th:text-is("版本")) td').innerText() === '2', 'the visit shows revision 2');
  check(await page.locator(`td:text-is("${respondent}")`).count() > 0, 'the corrected answer is shown');
  const label = task.template_id === 'elder_alone_visit' ? '老人姓名' : '受访人姓名';
  const history = page.locator('h2:text-is("修改记录") + table tbody tr');
  check(await history.count() === 2, 'the revision history lists both revisions');
  const second = await history.nth(1).locator('td').allInnerTexts();
  check(second[0] === '2' && second[4].includes(label), `revision 2 lists what changed (${second[4]})`);
  const first = await history.nth(0).locator('td').allInnerTexts();
  check(first[2] === '已退回' && first[3] === '请补拍门牌照片', 'revision 1 keeps its return and comment');
  await page.screenshot({ path: path.join(shots, 'visit-revision.png'), fullPage: true });
  await Promise.all([page.waitForNavigation(), page.click('#approve')]);
  check(page.url() === revisionUrl, 'back on the revision after approving it');
  check(await page.locator('tr:has(th:text-is("状态")) td').innerText() === '已通过', 'the revision is approved');
  phone('pull');
  const onPhone = phone('visit', 'list').find((v) => v.visit_id === revised.visit_id);
  check(onPhone && onPhone.status === 'approved', 'the approval reaches the phone');

  // Export the ledger and read its rows back: the approved revision is there.
  const template = task.template_id;
  const csv = await context.request.get(`${base}/console/export/ledger.csv?template=${template}`);
  check(csv.status() === 200, 'the CSV ledger downloads');
  const text = await csv.text();
  const lines = text.replace(/^\uFEFF/, '').trim().split(/\r\n/);
  check(text.charCodeAt(0) === 0xFEFF, 'the CSV starts with a BOM');
  check(lines[0].startsWith('完成时间,户号,网格,网格员,入户情况,状态,版本'), 'the CSV header is in Chinese');
  check(lines.length >= 2, `the CSV has visit rows (${lines.length - 1})`);
  const row = lines.find((l) => l.includes(respondent));
  check(row !== undefined && row.split(',')[5] === '已通过' && row.split(',')[6] === '2',
    'the ledger has the approved revision 2 with the corrected answer');
  check(lines.filter((l) => l.includes(respondent) || l.split(',')[1] === row.split(',')[1]).length === 1,
    'the ledger lists the revised visit once');
  check(!/\b\d{17}[\dX]\b/.test(text), 'no full ID number in the default export');
  const xlsx = await context.request.get(`${base}/console/export/ledger.xlsx?template=${template}`);
  const body = await xlsx.body();
  check(xlsx.status() === 200 && body[0] === 0x50 && body[1] === 0x4b, 'the xlsx ledger downloads');

  // On a phone-sized screen (390 px): every page fits without sideways
  // scrolling, and every button and link is at least 44 px tall.
  const narrow = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 } });
  await narrow.addCookies(await context.cookies());
  const small = await narrow.newPage();
  for (const [name, url] of [
    ['dashboard', '/console'],
    ['queue', '/console/queue'],
    ['visit', new URL(revisionUrl).pathname],
    ['visit-en', `${new URL(revisionUrl).pathname}?lang=en`],
    ['export', '/console/export'],
    ['admin-refused', '/console/admin/users'],
    ['not-found', '/console/visits/00000000-0000-0000-0000-000000000000'],
  ]) {
    await small.goto(`${base}${url}`);
    const width = await small.evaluate(() => document.documentElement.scrollWidth);
    check(width <= 390, `${name} fits 390 px without sideways scrolling (${width} px)`);
    const short = await small.evaluate(() => [...document.querySelectorAll('a, button')]
      .filter((e) => e.offsetParent !== null)
      .map((e) => [e.textContent.trim().slice(0, 20), Math.round(e.getBoundingClientRect().height)])
      .filter(([, h]) => h < 44));
    check(short.length === 0, `${name}: buttons and links are at least 44 px tall (${JSON.stringify(short)})`);
    await small.screenshot({ path: path.join(shots, `narrow-${name}.png`), fullPage: true });
  }
  await narrow.close();

  // An admin brings in the office's own roster: preview first, then confirm.
  await Promise.all([page.waitForNavigation(), page.click('header button[type=submit]')]);
  await page.fill('input[name=username]', 'admin');
  await page.fill('input[name=password]', 'doorstep-demo');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  await page.goto(`${base}/console/admin/ledger`);
  await page.setInputFiles('input[name=file]', path.join('server', 'tests', 'fixtures', 'dibao-roster.xls'));
  await page.selectOption('select[name=grid]', { index: 1 });
  await Promise.all([page.waitForNavigation(), page.click('form[enctype] button[type=submit]')]);
  check(await page.locator('text=尚未写入任何数据').count() > 0, 'the roster is previewed, nothing written');
  check(await page.locator('select[name=col_0_3] option[value=address][selected]').count() === 1,
    'the 家庭住址 column goes to the address');
  check(await page.locator('td', { hasText: '旧格式甲' }).count() > 0, 'the first households are shown');
  await page.screenshot({ path: path.join(shots, 'ledger-preview.png'), fullPage: true });
  await Promise.all([page.waitForNavigation(), page.click('button[value=confirm]')]);
  check(await page.locator('text=已导入 2 户').count() > 0, 'confirming imports the roster');

  await Promise.all([page.waitForNavigation(), page.click('header button[type=submit]')]);
  check(page.url().endsWith('/console/login'), 'signed out');
  await page.goto(`${base}/console`);
  check(page.url().endsWith('/console/login'), 'the console needs signing in again');
  check(external.length === 0, `no request left the server (${external.join(', ')})`);
} finally {
  await browser.close();
}
