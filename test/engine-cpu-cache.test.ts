// The caching CPU allocator (native/cpu-cache.cc): libtorch's large blocks are kept on free and handed out again,
// so a repeated computation reuses its pages instead of growing the heap; DIFFLAB_CPU_CACHE=0 turns it off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { native } from '../src/engine/addon.js';
import { ones, tidy } from '../src/index.js';

test('a large block freed is handed out again for the next tensor of its size class, and holds its values', () => {
  assert.equal(native.cpuCache().installed, true);
  const size = [4, 64, 32, 32]; // 1 MiB of float32: the smallest size the cache keeps
  tidy(() => void ones(size).mul(2)); // made and freed: its blocks are now in the cache
  const before = native.cpuCache();
  const sum = tidy(() => ones(size).mul(3).sum().item());
  const after = native.cpuCache();
  assert.ok(after.hits >= before.hits + 2, `hits ${before.hits} -> ${after.hits}`);
  assert.equal(after.misses, before.misses, 'no new block for a size already cached');
  assert.equal(sum, 3 * 4 * 64 * 32 * 32, 'a reused block holds the new values');
  assert.ok(after.freeMB >= 2 && after.freeMB <= after.limitMB);
});

test('DIFFLAB_CPU_CACHE=0 leaves libtorch its own allocator; DIFFLAB_CPU_CACHE_MB sets the limit', () => {
  const probe = (env: Record<string, string>) => {
    const code =
      'const { native } = await import(process.argv[1]); const c = native.cpuCache(); console.log(JSON.stringify(c));';
    const r = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', code, new URL('../src/engine/addon.js', import.meta.url).href],
      { encoding: 'utf8', env: { ...process.env, ...env } },
    );
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as ReturnType<typeof native.cpuCache>;
  };
  assert.equal(probe({ DIFFLAB_CPU_CACHE: '0' }).installed, false);
  const limited = probe({ DIFFLAB_CPU_CACHE_MB: '64' });
  assert.deepEqual([limited.installed, limited.limitMB], [true, 64]);
});
