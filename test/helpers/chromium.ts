/**
 * How every browser test starts Debian's Chromium: headless, and without the background
 * networking that this machine's closed network refuses (issue 6/7 recipe).
 */
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
