// Drive code-server in headless Chromium (docs/editors/try-vscode.sh): open the draft, read the Problems panel,
// hover a cite, list the code actions at the placeholder and the document symbols. Screenshots go to outDir.
const puppeteer = require('puppeteer-core');
const fs = require('fs');
const [url, draft, outDir] = process.argv.slice(2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

(async () => {
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--window-size=1600,1800', '--proxy-server=127.0.0.1:9', '--proxy-bypass-list=127.0.0.1'],
    defaultViewport: { width: 1600, height: 1800 },
  });
  const page = await browser.newPage();
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('.monaco-workbench .part.editor', { timeout: 60000 });
  await sleep(3000);
  // Quick Open the draft.
  await page.keyboard.down('Control'); await page.keyboard.press('KeyP'); await page.keyboard.up('Control');
  await page.waitForSelector('.quick-input-widget input', { visible: true });
  await page.keyboard.type(require('path').basename(draft), { delay: 20 });
  await sleep(1500);
  await page.keyboard.press('Enter');
  await page.waitForSelector('.monaco-editor .view-lines', { visible: true });
  // Wait for the status bar's problem counts.
  let label = '';
  for (let i = 0; i < 90; i++) {
    label = await page.$eval('#status\\.problems', (e) => e.getAttribute('aria-label') || e.textContent).catch(() => '');
    if (/Errors?: [1-9]|Warnings?: [1-9]/.test(label)) break;
    await sleep(1000);
  }
  console.log('status bar problems:', label);
  // Problems panel.
  await page.keyboard.down('Control'); await page.keyboard.down('Shift'); await page.keyboard.press('KeyM');
  await page.keyboard.up('Shift'); await page.keyboard.up('Control');
  await page.waitForSelector('.markers-panel .monaco-list-row', { timeout: 30000 });
  await sleep(1500);
  const rows = await page.$$eval('.markers-panel .monaco-list-row', (rs) => rs.map((r) => r.getAttribute('aria-label') || r.textContent));
  console.log(`problems panel rows (${rows.length}):`);
  rows.forEach((r) => console.log('  ' + r));
  await page.screenshot({ path: `${outDir}/problems.png` });
  // Hover on the first cite: go to its line/column, then run "Show or Focus Hover".
  const lines = fs.readFileSync(draft, 'utf8').split('\n');
  const ln = lines.findIndex((l) => /\(p\. \d+, §/.test(l));
  const col = lines[ln].search(/\(p\. \d+, §/) + 4;
  console.log(`hover at ${ln + 1}:${col}: ${lines[ln].slice(col - 4)}`);
  await page.click('.monaco-editor .view-lines');
  await page.keyboard.down('Control'); await page.keyboard.press('KeyG'); await page.keyboard.up('Control');
  await page.waitForSelector('.quick-input-widget input', { visible: true });
  await page.keyboard.type(`${ln + 1}:${col}`); await page.keyboard.press('Enter');
  await sleep(800);
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget input', { visible: true });
  await page.keyboard.type('Show or Focus Hover', { delay: 10 }); await sleep(800);
  await page.keyboard.press('Enter');
  let hover = '';
  for (let i = 0; i < 20 && !hover.trim(); i++) {
    await sleep(500);
    hover = await page.$$eval('.monaco-hover .hover-contents', (hs) => hs.map((h) => h.innerText).join('\n---\n')).catch(() => '');
  }
  console.log('hover:\n' + hover.split('\n').map((l) => '  | ' + l).join('\n'));
  await page.screenshot({ path: `${outDir}/hover.png` });
  await page.keyboard.press('Escape');
  // Code actions at the TODO(author) placeholder (Ctrl+.).
  const todo = lines.findIndex((l) => l.includes('TODO(author)'));
  await page.keyboard.down('Control'); await page.keyboard.press('KeyG'); await page.keyboard.up('Control');
  await page.waitForSelector('.quick-input-widget input', { visible: true });
  await page.keyboard.type(`${todo + 1}:${lines[todo].indexOf('TODO(author)') + 2}`); await page.keyboard.press('Enter');
  await sleep(800);
  await page.keyboard.down('Control'); await page.keyboard.press('Period'); await page.keyboard.up('Control');
  await page.waitForSelector('.action-widget .monaco-list-row', { visible: true, timeout: 15000 }).catch(() => {});
  await sleep(500);
  const actions = await page.$$eval('.action-widget .monaco-list-row', (rs) => rs.map((r) => r.innerText.trim())).catch(() => []);
  console.log(`code actions at ${todo + 1} (${actions.length}):`); actions.forEach((a) => console.log('  ' + a));
  await page.screenshot({ path: `${outDir}/codeactions.png` });
  await page.keyboard.press('Escape');
  // Document symbols (Ctrl+Shift+O).
  await page.keyboard.down('Control'); await page.keyboard.down('Shift'); await page.keyboard.press('KeyO');
  await page.keyboard.up('Shift'); await page.keyboard.up('Control');
  await page.waitForSelector('.quick-input-list .monaco-list-row', { visible: true, timeout: 15000 }).catch(() => {});
  await sleep(1000);
  const syms = await page.$$eval('.quick-input-list .monaco-list-row', (rs) => rs.map((r) => r.getAttribute('aria-label') || r.innerText)).catch(() => []);
  console.log(`document symbols (${syms.length}):`); syms.forEach((a) => console.log('  ' + a));
  await page.keyboard.press('Escape');
  await browser.close();
})().catch((e) => { console.error('driver error:', e); process.exit(1); });
