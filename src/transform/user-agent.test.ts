import { describe, expect, it } from 'vitest';
import { parseUserAgent } from './user-agent.js';

// One row per rule of docs/mapping.md, in rule order, with real agents where possible.
describe('parseUserAgent', () => {
  it.each([
    [
      'Opera',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 OPR/110.0.0.0',
      'Opera',
      '110.0.0.0',
    ],
    [
      'Opera Mini has no version',
      'Opera/9.80 (Android; Opera Mini/36.2.2254/119.132; U; id) Presto/2.12.423 Version/12.16 OPR/1.2',
      'Opera Mini',
      undefined,
    ],
    [
      'BlackBerry (case-insensitive test)',
      'Mozilla/5.0 (BlackBerry; U; BlackBerry 9900; en) AppleWebKit/534.11+ (KHTML, like Gecko) Version/7.1.0.346 Mobile Safari/534.11+',
      'BlackBerry',
      undefined,
    ],
    [
      'BlackBerry with a dotted version',
      'BlackBerry 9.5.1 Profile/MIDP-2.1',
      'BlackBerry',
      '9.5.1',
    ],
    [
      'bb10 lowercase',
      'Mozilla/5.0 (bb10; Touch) AppleWebKit/537.10+ (KHTML, like Gecko) Version/10.0.9.2372 Mobile Safari/537.10+',
      'BlackBerry',
      undefined,
    ],
    [
      'IE Mobile',
      'Mozilla/5.0 (Mobile; Windows Phone 8.1; Android 4.0; ARM; Trident/7.0; Touch; rv:11.0; IEMobile/11.0; NOKIA; Lumia 635) like iPhone OS 7_0_3 Mac OS X AppleWebKit/537 (KHTML, like Gecko) Mobile Safari/537',
      'Internet Explorer Mobile',
      '11.0',
    ],
    [
      'Samsung Internet',
      'Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36',
      'Samsung Internet',
      '24.0',
    ],
    [
      'Edge (Chromium)',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51',
      'Microsoft Edge',
      '124.0.2478.51',
    ],
    [
      'Edge (legacy)',
      'Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.19582',
      'Microsoft Edge',
      '18.19582',
    ],
    [
      'Facebook in-app on iOS',
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/458.0.0.35.108]',
      'Facebook Mobile',
      undefined,
    ],
    [
      'Chrome (A01)',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.91 Safari/537.36',
      'Chrome',
      '124.0.6367.91',
    ],
    [
      'Chrome iOS (A26)',
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1',
      'Chrome iOS',
      '124.0.6367.88',
    ],
    [
      'UC Browser',
      'Mozilla/5.0 (Linux; U; Android 10; en-US; RMX1911 Build/QKQ1.200209.002) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 UCBrowser/13.4.0.1306 Mobile Safari/537.36',
      'UC Browser',
      '13.4.0.1306',
    ],
    [
      'Firefox iOS',
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/125.0 Mobile/15E148 Safari/605.1.15',
      'Firefox iOS',
      '125.0',
    ],
    [
      'Mobile Safari on iPhone',
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
      'Mobile Safari',
      '17.4',
    ],
    [
      'Safari on iPad is "Safari"',
      'Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
      'Safari',
      '17.4',
    ],
    [
      'the Android stock browser says Safari, so it is Safari',
      'Mozilla/5.0 (Linux; U; Android 4.0.3; ko-kr; LG-L160L Build/IML74K) AppleWebkit/534.30 (KHTML, like Gecko) Version/4.0 Safari/534.30',
      'Safari',
      '4.0',
    ],
    [
      'Firefox on Android is Android Mobile without a version (A25)',
      'Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0',
      'Android Mobile',
      undefined,
    ],
    [
      'Android Mobile reads only a lowercase "android" version',
      'Mozilla/5.0 (Android) Opera/9 android 14.1',
      'Android Mobile',
      '14.1',
    ],
    [
      'Konqueror',
      'Mozilla/5.0 (X11; Linux) KHTML/4.9.1 (like Gecko) Konqueror:4.9',
      'Konqueror',
      '4.9',
    ],
    [
      'Firefox desktop',
      'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
      'Firefox',
      '125.0',
    ],
    [
      'Internet Explorer 11',
      'Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko',
      'Internet Explorer',
      '11.0',
    ],
    [
      'Internet Explorer 9',
      'Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.1; Trident/5.0)',
      'Internet Explorer',
      '9.0',
    ],
    [
      'Mozilla (Gecko without Firefox)',
      'Mozilla/5.0 (X11; Linux x86_64; rv:102.0) Gecko/20100101 SeaMonkey/2.53.18',
      'Mozilla',
      '102.0',
    ],
    [
      'a version without a dot is dropped',
      'Mozilla/5.0 Chrome/124 Safari/537.36',
      'Chrome',
      undefined,
    ],
    ['unknown agent', 'curl/8.5.0', '', undefined],
  ])('%s', (_name, ua, browser, version) => {
    const parsed = parseUserAgent(ua);
    expect(parsed.browser).toBe(browser);
    expect(parsed.version).toBe(version);
  });

  it('takes linear time on a hostile agent', () => {
    const ua = `Chrome/${'1.'.repeat(200_000)}x`;
    expect(parseUserAgent(ua).browser).toBe('Chrome');
  });
});
