import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { stageShortName } from '../../../web/lib/short_names.js';

// The model's own short names (model/stages.toml), as the engine hands them to the page in
// every journey's stages.
const model = readFileSync(new URL('../../../model/stages.toml', import.meta.url), 'utf8');
const shortOf = Object.fromEntries(
  [...model.matchAll(/^\[stages\.([a-z0-9_]+)\]\ntitle = "[^"]*"\nshort = "([^"]*)"$/gm)].map((m) => [m[1], m[2]]));

test('the names the issue asks for', () => {
  const want = {
    syscall_insn: 'SYSCALL', kpti_enter: 'KPTI', vfs_read_checks: 'VFS', ext4_file_read_iter: 'ext4', page_cache_lookup: 'page cache',
    block_submit: 'bio', nvme_queue_rq: 'NVMe', device_read: 'drive', nvme_irq: 'IRQ', wakeup_switch: 'wake-up', copy_to_user: 'copy',
  };
  for (const [id, name] of Object.entries(want)) assert.equal(stageShortName({ id, short: shortOf[id] }), name, id);
});

test('a stage without a short name is named from its title; the model\'s name wins', () => {
  assert.equal(stageShortName({ id: 'new_thing', title: 'Frobnicate: the widget' }), 'Frobnicate');
  assert.equal(stageShortName({ id: 'x', title: 'Take the big lock and spin' }), 'Take the');
  assert.ok(stageShortName({ id: 'y', title: 'Supercalifragilistic' }).length <= 12);
  assert.equal(stageShortName({ id: 'device_read', short: 'disk', title: 'The drive' }), 'disk');
  assert.equal(stageShortName({}), '');
});
