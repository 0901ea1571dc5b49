// node webui.mjs: drive the web UI of a running `dsmap serve` in headless
// Chromium (Debian's, through puppeteer-core pinned by
// tests/npm/package-lock.json) and check what its pages show against the
// CLI's JSON.  Called by tests/integration/webui.sh, which starts the
// server and passes, in the environment:
//   NODE_MODULES, CHROMIUM, URL, TOK_AUDITOR, TOK_DSAR, REV_OLD (the
//   revision before the last commit), EXPECT (a JSON file of the CLI's
//   answers), SHOTS (a folder for the screenshots).
// Prints "ok - ..." / "not ok - ..." per check; exits 1 on any failure.
import { join } from 'node:path';
import { readFileSync, mkdirSync } from 'node:fs';
import { launch } from './browser.mjs';

const env = process.env;
const URL0 = env.URL;
const EXPECT = JSON.parse(readFileSync(env.EXPECT, 'utf8'));
mkdirSync(env.SHOTS, { recursive: true });

let failed = 0;
const t0 = Date.now();
function check(cond, what, more) {
  if (env.WEBUI_TIMES) console.log('# ' + (Date.now() - t0) + ' ms');
  if (cond) console.log('ok - ' + what);
  else { failed++; console.log('not ok - ' + what + (more !== undefined ? ' (' + more + ')' : '')); }
}

const browser = await launch();
const problems = [];   // console errors, failed or external requests, page errors
const requests = [];   // 'label URL' of every request a page made
// The overview's API answers, which its shell names as preloads for an
// auditor (ui.c): each asked for once, by the preload, and taken by app.js.
const OVERVIEW_API = ['/v1/status', '/v1/purposes', '/v1/categories', '/v1/recipients',
  '/v1/subject-kinds', '/v1/systems', '/v1/audit?lang=fr'];
const preloads = (page) => page.$$eval('link[rel=preload]', (ls) => ls.map((l) => l.getAttribute('href')));

async function newPage(ctx, label) {
  const page = await ctx.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  page.on('console', (m) => { if (m.type() === 'error') problems.push(label + ': console: ' + m.text()); });
  page.on('pageerror', (e) => problems.push(label + ': page error: ' + e.message));
  page.on('request', (r) => {
    const u = r.url();
    requests.push(label + ' ' + u);
    if (!u.startsWith(URL0 + '/') && !u.startsWith('data:') && !u.startsWith('blob:'))
      problems.push(label + ': external request: ' + u);
  });
  return page;
}

async function go(page, path, wait) {
  // Each page draws itself once its API answers are in: its marker
  // element (`wait`) appearing is the page being done.
  const res = await page.goto(URL0 + path, { waitUntil: 'domcontentloaded' });
  if (wait) await page.waitForSelector(wait, { timeout: 10000 }).catch(() => {});
  return res;
}

const text = (page, sel) => page.$eval(sel, (e) => e.textContent).catch(() => null);
const rows = (page, sel) => page.$$eval(sel + ' tbody tr:not(.empty)', (r) => r.length).catch(() => -1);
const shot = (page, name, full) => page.screenshot({ path: join(env.SHOTS, name + '.png'), fullPage: !!full });

async function signIn(page, token) {
  await go(page, '/signin', '#token');
  await page.type('#token', token);
  await Promise.all([page.waitForNavigation({ waitUntil: 'domcontentloaded' }), page.click('#signin button')]);
}

try {
  // ---- the auditor ----------------------------------------------------
  const aud = await browser.createBrowserContext();
  let page = await newPage(aud, 'auditor');

  let res = await go(page, '/', '#token');
  check(new globalThis.URL(page.url()).pathname === '/signin', 'signed out, a page sends to the sign-in page', page.url());
  const csp = res.headers()['content-security-policy'] || '';
  check(/default-src 'none'/.test(csp) && /script-src 'self'/.test(csp) && !/unsafe-inline/.test(csp),
        'the page has a strict Content-Security-Policy', csp);
  check((await page.$eval('html', (e) => e.lang)) === 'fr', 'the pages speak French by default');

  await page.type('#token', 'not-a-token');
  await page.click('#signin button');
  await page.waitForSelector('#signin .error', { timeout: 5000 }).catch(() => {});
  check((await text(page, '#signin .error')) !== null, 'a wrong token is refused on the page');
  problems.length = 0;   // the browser logs that refused sign-in's 401: expected
  await page.$eval('#token', (e) => { e.value = ''; });
  requests.length = 0;
  await signIn(page, env.TOK_AUDITOR);
  await page.waitForSelector('#counts', { timeout: 10000 }).catch(() => {});
  check(new globalThis.URL(page.url()).pathname === '/', 'signed in, the auditor lands on the overview', page.url());
  const named = await preloads(page);
  check(OVERVIEW_API.every((u) => named.includes(u)), "the overview's shell names its API answers as preloads",
        JSON.stringify(named));
  const asked = OVERVIEW_API.map((u) => requests.filter((q) => q === 'auditor ' + URL0 + u).length);
  check(asked.every((n) => n === 1), 'and the browser asks for each once: the page takes the preloaded answer',
        JSON.stringify(Object.fromEntries(OVERVIEW_API.map((u, i) => [u, asked[i]]))));
  const asid = (await page.cookies()).find((c) => c.name === 'dsmap_session').value;
  const shellOf = async (path) =>
    (await fetch(URL0 + path, { headers: { Cookie: 'dsmap_session=' + asid } })).text();
  check((await shellOf('/?lang=en')).includes('href="/v1/audit?lang=en"'),
        'in English, the preloaded audit is the English one');
  const atShell = await shellOf('/?at=' + env.REV_OLD);
  check(!atShell.includes('href="/v1/') && !(await shellOf('/purposes')).includes('href="/v1/'),
        'an overview of another revision, or another page, preloads nothing');
  const cookies = await page.cookies();
  const sess = cookies.find((c) => c.name === 'dsmap_session');
  check(sess && sess.httpOnly && sess.sameSite === 'Strict' && sess.path === '/',
        'the session cookie is HttpOnly and SameSite=Strict', JSON.stringify(sess));
  check(sess && !sess.secure, 'and not Secure over plain HTTP (loopback)');

  // overview
  const counts = await text(page, '#counts');
  check(counts && counts.includes(String(EXPECT.purposes)), 'the overview counts the purposes as dsmap ls does',
        counts + ' / ' + EXPECT.purposes);
  check((await text(page, '#notice')).includes(EXPECT.head), 'the overview names the revision synced');
  check((await rows(page, '#systems')) === EXPECT.systems.length, 'the overview lists every system');
  const sysText = await text(page, '#systems');
  check(EXPECT.systems.every((s) => sysText.includes(s.id) || sysText.includes(s.name)) &&
        sysText.includes(String(EXPECT.systems[0].subjects)), 'with their subject counts', sysText);
  const notice = await text(page, '#notice-version');
  check(notice && notice.startsWith(EXPECT.notice_version + ' du '), 'the overview names the notice version and its date',
        notice + ' / ' + EXPECT.notice_version);
  const auditCounts = await page.$$eval('#audit-counts .card', (cs) =>
    Object.fromEntries(cs.map((c) => [c.dataset.severity, Number(c.querySelector('.n').textContent)]))).catch(() => null);
  check(JSON.stringify(auditCounts) === JSON.stringify({ high: EXPECT.audit_summary.high,
    medium: EXPECT.audit_summary.medium, low: EXPECT.audit_summary.low }),
        'the overview counts the open findings by severity as dsmap audit does',
        JSON.stringify(auditCounts) + ' / ' + JSON.stringify(EXPECT.audit_summary));
  const findings = await text(page, '#findings');
  check(EXPECT.audit_high_id !== null && findings && findings.includes(EXPECT.audit_high_id),
        'and lists a high finding by its id', EXPECT.audit_high_id);
  check(EXPECT.audit_high_fr !== null && EXPECT.audit_high_fr !== EXPECT.audit_high_en &&
        findings.includes(EXPECT.audit_high_fr) && !findings.includes(EXPECT.audit_high_en),
        'in the page’s language: dsmap audit --lang fr’s words, not the English ones', EXPECT.audit_high_fr);
  check((await rows(page, '#findings')) === EXPECT.audit_summary.high + EXPECT.audit_summary.medium,
        'every high and medium finding, one a row', await rows(page, '#findings'));
  const lowSummary = await text(page, '#low-findings summary');
  check(EXPECT.audit_low === 0 ? lowSummary === null
        : lowSummary !== null && lowSummary.includes(String(EXPECT.audit_low)) &&
          !(await page.$eval('#low-findings', (d) => d.open)),
        'the low ones folded behind their count', lowSummary);
  check((await page.$('#audit-today')) === null, 'today, no word about time travel on the findings');
  const mainText = await text(page, 'main');
  check(!/\bnull\b|\bundefined\b/.test(mainText), 'and no "null" or "undefined" drawn', mainText.slice(0, 300));
  const nav = await text(page, '#nav');
  check(nav.includes('Finalités') && !nav.includes('Demande d’accès'), 'an auditor’s menu has no DSAR page', nav);
  await shot(page, 'overview');

  // purposes: the table, a filter, the sort, time travel
  await go(page, '/purposes', '#purposes');
  check((await rows(page, '#purposes')) === EXPECT.purposes, 'the purposes table has every purpose',
        await rows(page, '#purposes'));
  await shot(page, 'purposes');
  await go(page, '/purposes?legal-basis=6(1)(f)', '#purposes');
  check((await rows(page, '#purposes')) === EXPECT.purposes_6_1_f,
        'filtered by legal basis 6(1)(f): the purposes of dsmap ls --legal-basis', await rows(page, '#purposes'));
  check((await page.$eval('#f-legal-basis', (e) => e.value)) === '6(1)(f)', 'the filter shows what it filters by');
  await go(page, '/purposes?sort=title_en&lang=en', '#purposes');
  const titles = await page.$$eval('#purposes tbody tr td:nth-child(3)', (t) => t.map((x) => x.textContent));
  check(titles.length > 2 && titles.every((t, i) => i === 0 || titles[i - 1].localeCompare(t, 'en') <= 0),
        'sorted by English title');
  const newRecipient = '/purposes?recipient=' + EXPECT.new_recipient;
  await go(page, newRecipient, '#purposes');
  check((await rows(page, '#purposes')) === EXPECT.recipient_purposes &&
        (await text(page, '#purposes')).includes('Surveillance par caméra'),
        'filtered by the recipient the last commit added: dsmap ls --recipient, camera surveillance in',
        await rows(page, '#purposes'));
  await go(page, newRecipient + '&at=' + env.REV_OLD, '#purposes');
  check((await rows(page, '#purposes')) === EXPECT.recipient_purposes_old &&
        !(await text(page, '#purposes')).includes('Surveillance par caméra'),
        'time travel: before that commit, dsmap ls --at\'s, without camera surveillance',
        await rows(page, '#purposes'));
  check((await text(page, 'h1')).includes(env.REV_OLD), 'and the page says which revision it shows');
  await go(page, '/?at=' + env.REV_OLD, '#counts');
  check((await text(page, '#notice')).includes(env.REV_OLD), 'time travel: the overview shows the earlier revision');
  check((await text(page, '#audit-today')) !== null &&
        (await page.$$eval('#audit-counts .n', (n) => n.map((x) => x.textContent).join(','))) ===
        [EXPECT.audit_summary.high, EXPECT.audit_summary.medium, EXPECT.audit_summary.low].join(','),
        'and says its findings are today’s, the same counts');
  await go(page, '/?lang=en', '#audit-counts');
  check((await text(page, '#notice-version')).startsWith(EXPECT.notice_version + ' of ') &&
        (await text(page, 'main')).includes('Open findings'), 'in English: "Notice VERSION of DATE", "Open findings"');
  check((await text(page, '#findings')).includes(EXPECT.audit_high_en), 'and the findings in English', EXPECT.audit_high_en);

  // a purpose
  await go(page, '/purposes/camera-surveillance', '#categories');
  const cats = await text(page, '#categories');
  check(cats.includes('Enregistrements d\'images et de vidéos'), 'a purpose lists its categories by their French names', cats);
  check(cats.includes('1 mois'), 'with the retention in words', cats);
  check((await text(page, '#legal-bases')).includes('6(1)(f)'), 'its legal basis, with the article');
  const recips = await text(page, '#recipients');
  check(recips.includes('Autorités judiciaires') && recips.includes(EXPECT.new_recipient_name_fr),
        'its recipients, the new one included', recips);
  check(recips.includes('pas de transfert hors EEE'), 'and their transfers outside the EEA');
  check((await text(page, '#retention-text')).includes('un mois'), 'and the notice’s own French text');
  const served = await text(page, '#served-by');
  check(served !== null, 'and the systems that serve it', served);
  await shot(page, 'purpose', true);
  await go(page, '/purposes/camera-surveillance?at=' + env.REV_OLD, '#recipients');
  check(!(await text(page, '#recipients')).includes(EXPECT.new_recipient_name_fr),
        'time travel: the purpose before the last commit has no such recipient');
  await go(page, '/purposes/camera-surveillance?lang=en', '#categories');
  check((await text(page, '#categories')).includes('1 month') && (await page.$eval('html', (e) => e.lang)) === 'en',
        'in English, the retention reads "1 month"');
  const purposeBilling = EXPECT.crm_purpose;
  await go(page, '/purposes/' + purposeBilling, '#served-by');
  const served2 = await text(page, '#served-by');
  check(served2.includes('crm') || served2.includes('Customer relationship'),
        'a purpose a system serves lists that system', served2);
  check(served2.includes(String(EXPECT.crm_subjects)), 'with its subject count', served2);

  // category, recipient, system pages
  await go(page, '/categories/observed/image-video-recordings', '#purposes');
  check((await text(page, '#purposes')).includes('Surveillance par caméra'), 'a category page lists its purposes');
  await go(page, '/recipients/police-forces', '#purposes');
  check((await text(page, '#purposes')).includes('Surveillance par caméra'), 'a recipient page lists its purposes');
  await go(page, '/recipients', '#list');
  check((await rows(page, '#list')) === EXPECT.recipients, 'the recipients page lists every recipient',
        await rows(page, '#list'));
  await go(page, '/systems/crm', '#purposes');
  check((await text(page, '#subjects')) === String(EXPECT.crm_subjects), 'a system page gives its subject count');
  await shot(page, 'system');

  // history, impact, blame
  await go(page, '/history', '#timeline');
  const hist = await text(page, '#timeline');
  check(hist.includes(EXPECT.last_message) && hist.includes('purpose-recipient-added'),
        'the history shows the last commit and its semantic change', hist.slice(0, 200));
  check((await page.$$('#timeline .sev-medium, #timeline .sev-high, #timeline .sev-low')).length > 0,
        'coloured by severity');
  await shot(page, 'history');
  // one page of 50 commits, then the next ones: dsmap history's, in order
  const shown = () => page.$$eval('#timeline > li', (li) => li.map((l) => l.querySelector('a').textContent));
  const short = EXPECT.history.map((c) => c.slice(0, 12));
  const page1 = await shown();
  check(EXPECT.history.length > 50 && JSON.stringify(page1) === JSON.stringify(short.slice(0, 50)),
        'the history page shows the 50 newest commits of dsmap history', page1.length + ' / ' + short.length);
  const older = await page.$eval('#older', (a) => a.getAttribute('href')).catch(() => null);
  check(older !== null, 'and links to the older ones', older);
  if (older !== null) {
    await go(page, older, '#timeline');
    const page2 = await shown();
    check(JSON.stringify(page2) === JSON.stringify(short.slice(50)),
          'which shows the rest, down to the first commit', page2.join(' '));
    check((await page.$('#older')) === null, 'with no link further');
  }
  await go(page, '/impact?from=' + env.REV_OLD + '&to=' + EXPECT.head, '#impact');
  const imp = await text(page, '#impact');
  check(imp && imp.includes(EXPECT.new_recipient) && imp.includes('medium'),
        'the impact of the last commit: the recipient added, medium', imp);
  check(imp && imp.includes('crm (' + EXPECT.crm_subjects + ' personnes)'),
        'and the systems a change reaches, with their subject counts', imp);
  await go(page, '/blame?a=purpose:camera-surveillance&b=recipient:' + EXPECT.new_recipient, '#blame');
  check((await text(page, '#blame')).includes(EXPECT.last_message), 'blame names the commit that made the link');

  // the graph
  await go(page, '/graph?node=purpose:camera-surveillance', '#graph svg');
  const nodes = await page.$$eval('#graph svg g.node', (n) => n.length).catch(() => 0);
  check(nodes >= 3, 'the graph of a purpose’s neighbourhood is drawn (Graphviz SVG)', nodes);
  const graphLinks = await page.$$eval('#graph svg a', (a) => a.map((x) => x.getAttribute('href')));
  check(graphLinks.some((h) => h && h.startsWith('/recipients/police-forces')), 'its nodes link to their pages',
        graphLinks.slice(0, 5).join(' '));
  await shot(page, 'graph');
  if (graphLinks.length) {
    await Promise.all([page.waitForNavigation({ waitUntil: 'networkidle0' }),
      page.$eval('#graph svg a[href^="/recipients/police-forces"]', (a) => a.dispatchEvent(new MouseEvent('click', { bubbles: true })))]).catch(() => {});
    check(new globalThis.URL(page.url()).pathname === '/recipients/police-forces', 'a click on a node opens its page', page.url());
  }
  await go(page, '/graph?node=purpose:camera-surveillance&at=' + env.REV_OLD, '#graph svg');
  const oldGraph = await text(page, '#graph');
  check(oldGraph && !oldGraph.includes(EXPECT.new_recipient), 'time travel: the earlier graph lacks the new recipient');

  // Page times (the targets: a page under 300 ms, the whole
  // notice's graph under 1 s), measured from navigation to the page's
  // marker and printed for the log: speeds are measured by bench/, never
  // asserted by a test.
  let t = Date.now();
  await go(page, '/purposes/camera-surveillance', '#served-by');
  const tPage = Date.now() - t;
  t = Date.now();
  await go(page, '/graph', '#graph svg');
  const tGraph = Date.now() - t;
  const allNodes = await page.$$eval('#graph svg g.node', (n) => n.length).catch(() => 0);
  console.log('# timing: purpose page ' + tPage + ' ms, the whole graph (' + allNodes + ' nodes) ' + tGraph + ' ms');
  check(allNodes > 150, 'the whole notice’s graph is drawn', allNodes);

  // the DSAR page is not the auditor's
  await go(page, '/dsar', 'h1');
  check((await page.$('#identifiers')) === null, 'an auditor never sees the DSAR form');

  // keyboard: the skip link comes first
  await go(page, '/purposes', '#purposes');
  await page.keyboard.press('Tab');
  check((await page.evaluate(() => document.activeElement.className)) === 'skip', 'the first Tab reaches the skip link');
  const unlabelled = await page.$$eval('input:not([type=hidden]), select, textarea',
    (xs) => xs.filter((x) => !x.id || !document.querySelector('label[for="' + x.id + '"]')).map((x) => x.name));
  check(unlabelled.length === 0, 'every control has a label', unlabelled.join(','));
  await page.setViewport({ width: 390, height: 844 });
  await go(page, '/purposes/camera-surveillance', '#categories');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 1, 'at a phone’s width the page does not scroll sideways', overflow);
  await shot(page, 'purpose-phone', true);
  await page.setViewport({ width: 1280, height: 800 });

  // sign-out ends the session on the server too
  const sid = (await page.cookies()).find((c) => c.name === 'dsmap_session').value;
  await go(page, '/', '#signout');
  // the overview's own requests (the audit, the history) must be answered
  // before the session ends, or they are refused with a 401 the browser
  // logs as a console error
  await page.waitForNetworkIdle({ idleTime: 250, timeout: 20000 }).catch(() => {});
  await Promise.all([page.waitForNavigation({ waitUntil: 'networkidle0' }), page.click('#signout')]);
  const after = await fetch(URL0 + '/v1/status', { headers: { Cookie: 'dsmap_session=' + sid } });
  check(after.status === 401, 'after sign-out, the old session cookie is refused', after.status);

  // ---- the dsar role --------------------------------------------------
  const ds = await browser.createBrowserContext();
  page = await newPage(ds, 'dsar');
  await signIn(page, env.TOK_DSAR);
  await page.waitForSelector('#identifiers', { timeout: 10000 }).catch(() => {});
  check(new globalThis.URL(page.url()).pathname === '/dsar', 'the dsar role lands on the DSAR page', page.url());
  const dsid = (await page.cookies()).find((c) => c.name === 'dsmap_session').value;
  const dshell = await (await fetch(URL0 + '/', { headers: { Cookie: 'dsmap_session=' + dsid } })).text();
  check(dshell.includes('href="/ui/session"') && !dshell.includes('href="/v1/'),
        "a dsar session's shell names no API answer it would be refused");
  const dnav = await text(page, '#nav');
  check(!dnav.includes('Finalités'), 'and its menu has only that page', dnav);
  await page.type('#identifiers', EXPECT.identifier);
  await page.click('#dsar button');
  await page.waitForSelector('#found', { timeout: 10000 }).catch(() => {});
  check((await text(page, '#found')) === 'Données trouvées', 'the art. 15 answer is found');
  check((await text(page, '#answer')).includes(EXPECT.locate_system), 'and names a system holding the data');
  const dl = await page.$eval('#download', (a) => [a.download, a.href]).catch(() => []);
  check(dl[0] === 'dsar-answer.json' && dl[1].startsWith('blob:'), 'the answer downloads as JSON');
  const cdp = await page.createCDPSession();
  await cdp.send('Page.setDownloadBehavior', { behavior: 'allow', downloadPath: env.SHOTS });
  await page.click('#download');
  let got = null;
  for (let i = 0; i < 50 && got === null; i++) {
    try { got = JSON.parse(readFileSync(join(env.SHOTS, 'dsar-answer.json'), 'utf8')); } catch (e) { await new Promise((r) => setTimeout(r, 100)); }
  }
  const cli = JSON.parse(readFileSync(env.LOCATE, 'utf8'));
  check(got !== null && JSON.stringify(got) === JSON.stringify(cli),
        'the downloaded answer is dsmap locate --format json’s');
  const letter = await text(page, '#letter');
  check(letter && letter.includes('article 15') && letter.includes(EXPECT.locate_purpose_fr) &&
        /\d+ (ans?|mois|jours?)/.test(letter), 'a letter in French, in the notice’s words, durations in words',
        letter && letter.slice(0, 300));
  await shot(page, 'dsar');
  await go(page, '/purposes', 'h1');
  check((await page.$('#purposes')) === null && (await text(page, 'main')).includes('auditor'),
        'the dsar role sees no purposes table, and is told why');
  await aud.close();
  await ds.close();
} catch (e) {
  failed++;
  console.log('not ok - the browser run stopped: ' + (e && e.stack || e));
} finally {
  await browser.close();
}

check(problems.length === 0, 'no page logged a console error or made an external request', problems.join(' | '));
process.exit(failed ? 1 : 0);
