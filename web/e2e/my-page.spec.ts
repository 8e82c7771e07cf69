import { expect, test } from '@playwright/test';
import { addGift, pageOf, reportAchievement, rewardsArrived, run, screenshot, signIn, system } from './system';

test('a player signs in on the real sign-in page and sees their own empty page', async ({ page }, info) => {
  const [player] = system.players;
  await signIn(page, player!);
  await expect(page).toHaveURL(/\/$/); // the code is gone from the address
  await expect(page.getByRole('heading', { name: 'My Page', level: 1 })).toBeVisible();
  await expect(page.getByText(/No missions achieved yet/)).toBeVisible();
  await expect(page.getByText(/Your wallet is empty/)).toBeVisible();
  await expect(page.getByRole('region', { name: 'Gift shop' }).getByText('Health potion pack')).toBeVisible();
  expect(await page.evaluate(() => Object.keys(localStorage))).toEqual([]); // tokens in sessionStorage only
  await screenshot(page, info, 'player-signed-in');
});

test('an achievement reported by the game backend appears on the page without a reload', async ({ page, request }, info) => {
  const player = system.players[1]!;
  await signIn(page, player);
  const live = page.locator('[data-live]');
  await expect(live).not.toHaveAttribute('data-live', 'connecting');
  await expect(live).toHaveAttribute('data-live', 'live'); // the push stream is open

  await reportAchievement(request, player, 'first-win');

  const wallet = page.getByRole('region', { name: 'Wallet' });
  await expect(wallet.getByRole('listitem')).toHaveCount(1);
  await expect(page.getByRole('region', { name: 'Achieved missions' }).getByText('Win your first match')).toBeVisible();
  await screenshot(page, info, 'achievement-arrived');
});

test('an exchange from the page succeeds and the reward becomes EXCHANGED', async ({ page, request }, info) => {
  const player = system.players[2]!;
  const lantern = `Lantern ${run}`;
  await addGift(request, lantern, 3);
  await reportAchievement(request, player, 'first-win');
  await reportAchievement(request, player, 'daily-login');
  await rewardsArrived(request, player, 2);

  await signIn(page, player);
  const reward = page.getByRole('listitem').filter({ hasText: 'reward from Win your first match' });
  await expect(reward.getByText('Available', { exact: true })).toBeVisible();
  await reward.getByLabel('Gift for this reward').selectOption({ label: `${lantern} (3 left)` });
  await reward.getByRole('button', { name: 'Exchange' }).click();

  const wallet = page.getByRole('region', { name: 'Wallet' });
  await expect(wallet.getByRole('status')).toContainText(`for ${lantern}.`);
  await expect(reward.getByText('Exchanged', { exact: true })).toBeVisible();
  await expect(reward.getByText(`Exchanged for ${lantern} ·`)).toBeVisible();
  await expect(page.getByRole('region', { name: 'Gift shop' }).getByRole('listitem').filter({ hasText: lantern })).toContainText('2 left');
  // My Page's read model, built from events, comes to say the same.
  await expect
    .poll(async () => (await pageOf(request, player)).wallet.map((w) => w.status).sort())
    .toEqual(['AVAILABLE', 'EXCHANGED']);
  await screenshot(page, info, 'my-page');

  await page.setViewportSize({ width: 390, height: 844 }); // a phone
  await expect(reward.getByText('Exchanged', { exact: true })).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await screenshot(page, info, 'my-page-phone');
});

test('a gift taken by someone else meanwhile is refused as out of stock, and the reward stays', async ({ page, request }, info) => {
  const player = system.players[3]!;
  const rival = system.rival;
  const last = `Last lantern ${run}`;
  const giftId = await addGift(request, last, 1);
  await reportAchievement(request, player, 'first-win');
  await reportAchievement(request, rival.customerId, 'first-win');
  await rewardsArrived(request, player, 1);
  const [rivals] = await rewardsArrived(request, rival.customerId, 1);

  await signIn(page, player);
  const reward = page.getByRole('region', { name: 'Wallet' }).getByRole('listitem');
  await reward.getByLabel('Gift for this reward').selectOption({ label: `${last} (1 left)` });
  // The rival exchanges first, while this page still shows one left.
  const taken = await request.post(`/wallets/${rival.customerId}/rewards/${rivals!.rewardId}/exchange`, {
    headers: { Authorization: `Bearer ${rival.token}` },
    data: { giftId },
  });
  expect(taken.status()).toBe(200);
  await reward.getByRole('button', { name: 'Exchange' }).click();

  await expect(reward.getByRole('alert')).toContainText('Out of stock');
  await expect(reward.getByRole('alert')).toContainText('Your reward is still available');
  await expect(reward.getByText('Available', { exact: true })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Gift shop' }).getByRole('listitem').filter({ hasText: last })).toContainText('Out of stock');
  expect((await pageOf(request, player)).wallet.map((w) => w.status)).toEqual(['AVAILABLE']);
  await screenshot(page, info, 'out-of-stock');
});
