// What the browser tests know of the running system: its address, the people who sign
// in, and tokens to arrange data the way a game backend and an operator would.
import { expect, type APIRequestContext, type Page, type TestInfo } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run these tests through tests/e2e/test_web.py`);
  return value;
}

export const system = {
  get players(): string[] {
    return required('QUESTLINE_PLAYERS').split(',');
  },
  get operator(): string {
    return required('QUESTLINE_OPERATOR');
  },
  get password(): string {
    return required('QUESTLINE_PASSWORD');
  },
  get gameToken(): string {
    return required('QUESTLINE_GAME_TOKEN');
  },
  get operatorToken(): string {
    return required('QUESTLINE_OPERATOR_TOKEN');
  },
  /** Another player, by token only: the one who takes the last item first. */
  get rival(): { customerId: string; token: string } {
    return { customerId: required('QUESTLINE_RIVAL'), token: required('QUESTLINE_RIVAL_TOKEN') };
  },
  /** The gift service's process, stopped (SIGSTOP) to show the busy gift shop. */
  get giftPid(): number {
    return Number(required('QUESTLINE_GIFT_PID'));
  },
};

export const run = Date.now().toString(36);

/** The person signs in on the auth server's own page, as anyone would. */
export async function signIn(page: Page, username: string, path = '/'): Promise<void> {
  await page.goto(path);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in to Questline' })).toBeVisible();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(system.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('.who')).toContainText(`Signed in as ${username}`);
}

/** The game backend reports an achievement (its own token, a fresh idempotency key). */
export async function reportAchievement(request: APIRequestContext, customerId: string, missionCode: string) {
  const answer = await request.post('/missions', {
    headers: { Authorization: `Bearer ${system.gameToken}`, 'Idempotency-Key': `${customerId}-${missionCode}-${Date.now()}` },
    data: { customerId, missionCode },
  });
  expect(answer.status(), await answer.text()).toBe(201);
}

/** The customer's page as an operator reads it through the API. */
export async function pageOf(request: APIRequestContext, customerId: string) {
  const answer = await request.get(`/mypage/${customerId}`, {
    headers: { Authorization: `Bearer ${system.operatorToken}` },
  });
  expect(answer.status()).toBe(200);
  return (await answer.json()) as { wallet: { rewardId: string; status: string }[]; missions: unknown[] };
}

/** Waits until the customer's wallet holds `count` rewards (the events have travelled). */
export async function rewardsArrived(request: APIRequestContext, customerId: string, count: number) {
  await expect.poll(async () => (await pageOf(request, customerId)).wallet.length, { timeout: 60_000 }).toBe(count);
  return (await pageOf(request, customerId)).wallet;
}

export async function addGift(request: APIRequestContext, name: string, stock: number): Promise<string> {
  const answer = await request.post('/gifts', {
    headers: { Authorization: `Bearer ${system.operatorToken}` },
    data: { name, stock },
  });
  expect(answer.status(), await answer.text()).toBe(201);
  return ((await answer.json()) as { id: string }).id;
}

/** A screenshot per test, kept under e2e-results/screenshots (ignored by git). */
export async function screenshot(page: Page, info: TestInfo, name: string): Promise<void> {
  const folder = process.env.QUESTLINE_SCREENSHOTS ?? join(process.cwd(), 'e2e-results', 'screenshots');
  mkdirSync(folder, { recursive: true });
  const path = join(folder, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await info.attach(name, { path, contentType: 'image/png' });
}
