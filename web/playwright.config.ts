import { defineConfig } from '@playwright/test';

// Browser tests against the running system, through the gateway. tests/e2e/test_web.py
// starts the system and runs these with the address, accounts and tokens in QUESTLINE_*.
// Debian's chromium drives them: no browser is downloaded.
export default defineConfig({
  testDir: 'e2e',
  outputDir: 'e2e-results/output',
  workers: 1, // one system, two cores: one browser at a time
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 30_000 },
  reporter: [['list']],
  use: {
    baseURL: process.env.QUESTLINE_URL ?? 'http://127.0.0.1:8080',
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1280, height: 900 },
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
});
