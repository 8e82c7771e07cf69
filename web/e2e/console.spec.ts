import { expect, test } from '@playwright/test';
import { reportAchievement, run, screenshot, signIn, system } from './system';

test('an operator creates a mission and a gift in the console that a player then sees', async ({ page, browser, request }, info) => {
  const code = `relic-hunt-${run}`;
  const title = `Find the lost relic ${run}`;
  const gift = `Relic hat ${run}`;
  await signIn(page, system.operator);
  await expect(page).toHaveURL(/\/console$/); // an operator lands in the console
  await expect(page.getByRole('heading', { name: 'LiveOps console', level: 1 })).toBeVisible();

  const status = page.getByRole('region', { name: 'System status' });
  await expect(status.getByText('closed', { exact: true })).toBeVisible();
  for (const service of ['mission', 'reward', 'wallet', 'gift', 'mypage']) {
    await expect(status.getByRole('row', { name: new RegExp(`^${service} `) })).toBeVisible();
  }

  const missionForm = page.getByRole('form', { name: 'New mission' });
  await missionForm.getByLabel('Code').fill(code);
  await missionForm.getByLabel('Title').fill(title);
  await missionForm.getByLabel('Points').fill('77');
  await missionForm.getByRole('button', { name: 'Create mission' }).click();
  await expect(page.getByText(`Mission ${code} created.`)).toBeVisible();
  await expect(page.getByRole('row', { name: new RegExp(`${code} ${title} 77 Active`) })).toBeVisible();

  const giftForm = page.getByRole('form', { name: 'New gift' });
  await giftForm.getByLabel('Name').fill(gift);
  await giftForm.getByLabel('Initial stock').fill('5');
  await giftForm.getByRole('button', { name: 'Add gift' }).click();
  await expect(page.getByText(`${gift} added with 5 in stock.`)).toBeVisible();
  await page.getByRole('button', { name: `Add to ${gift}` }).click();
  await expect(page.getByText(`${gift}: 15 in stock now.`)).toBeVisible();
  // A player achieves the new mission: the console counts it.
  const player = system.players[5]!;
  await reportAchievement(request, player, code);
  await page.getByRole('button', { name: 'Refresh status' }).click();
  const perMinute = status.locator('.figure').filter({ hasText: 'Achievements in the last minute' }).locator('dd');
  await expect(perMinute).not.toHaveText('0');
  await screenshot(page, info, 'console');

  await page.setViewportSize({ width: 390, height: 844 }); // a phone: tables scroll, the page does not
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await screenshot(page, info, 'console-phone');

  // The player finds the new mission, and the new gift, on their page.
  const playerPage = await (await browser.newContext()).newPage();
  await signIn(playerPage, player);
  await expect(playerPage.getByRole('region', { name: 'Achieved missions' }).getByText(title)).toBeVisible();
  await expect(playerPage.getByRole('region', { name: 'Gift shop' }).getByRole('listitem').filter({ hasText: gift })).toContainText('15 left');
  await screenshot(playerPage, info, 'player-sees-new-mission-and-gift');
});

test('a player cannot open the console', async ({ page, request }, info) => {
  const player = system.players[6]!;
  await signIn(page, player);
  await page.getByRole('link', { name: 'LiveOps console' }).click();
  await expect(page.getByRole('alert')).toContainText('Not allowed.');
  await expect(page.getByRole('alert')).toContainText('The LiveOps console is for operators');
  await expect(page.getByRole('button', { name: 'Create mission' })).toHaveCount(0);
  await expect(page.getByRole('form')).toHaveCount(0);

  // Nor can the player's own token do what the console does.
  const token = await page.evaluate(() => {
    const key = Object.keys(sessionStorage).find((k) => k.startsWith('oidc.user:'))!;
    return (JSON.parse(sessionStorage.getItem(key)!) as { access_token: string }).access_token;
  });
  const headers = { Authorization: `Bearer ${token}` };
  expect((await request.get('/ops/wallet/status', { headers })).status()).toBe(403);
  expect((await request.post('/gifts', { headers, data: { name: 'Sneaky hat', stock: 9 } })).status()).toBe(403);
  await screenshot(page, info, 'console-not-allowed');
});
