import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { listen } from './http-listen.js';

const servers: ReturnType<typeof createServer>[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function server() {
  const s = createServer((_req, res) => res.end('ok'));
  servers.push(s);
  return s;
}

describe('listen', () => {
  it('binds a free port and gives a URL that answers, through loopback for a wildcard bind', async () => {
    const at = await listen(server(), 0, '0.0.0.0');
    expect(at.port).toBeGreaterThan(0);
    expect(at.url).toBe(`http://127.0.0.1:${at.port}`);
    expect(await (await fetch(at.url)).text()).toBe('ok');
  });

  it('rejects when the port is taken, instead of throwing later', async () => {
    const first = await listen(server(), 0, '127.0.0.1');
    await expect(listen(server(), first.port, '127.0.0.1')).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
  });
});
