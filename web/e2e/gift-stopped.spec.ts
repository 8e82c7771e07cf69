import { expect, test } from '@playwright/test';
import { addGift, pageOf, reportAchievement, rewardsArrived, run, screenshot, signIn, system } from './system';

// Stops the gift service for good: tests/e2e/test_web.py runs this file on its own, after
// the others, and starts gift again afterwards.
test('@gift-stopped with gift stopped the page says the gift shop is busy and the reward stays AVAILABLE', async ({ page, request }, info) => {
  const player = system.players[4]!;
  const lamp = `Oil lamp ${run}`;
  await addGift(request, lamp, 5);
  await reportAchievement(request, player, 'first-win');
  await rewardsArrived(request, player, 1);
  await signIn(page, player);
  const reward = page.getByRole('region', { name: 'Wallet' }).getByRole('listitem');
  await reward.getByLabel('Gift for this reward').selectOption({ label: `${lamp} (5 left)` });

  process.kill(system.giftPid, 'SIGTERM');
  await expect.poll(async () => (await request.get('/gifts')).status()).toBe(503); // gift is down

  await reward.getByRole('button', { name: 'Exchange' }).click();
  const busy = reward.getByRole('alert');
  await expect(busy).toContainText('Gift shop busy');
  await expect(busy).toContainText(/try again in \d+ s/);
  await expect(busy).toContainText('Your reward is safe and still available.');
  await expect(reward.getByRole('button', { name: /Try again in \d+ s/ })).toBeDisabled();
  await screenshot(page, info, 'gift-shop-busy');

  await expect(reward.getByRole('button', { name: 'Exchange' })).toBeEnabled(); // the countdown ran out
  await expect(reward.getByText('Available', { exact: true })).toBeVisible();
  expect((await pageOf(request, player)).wallet.map((w) => w.status)).toEqual(['AVAILABLE']);
});
