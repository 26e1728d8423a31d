import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SHORT_NAMES, stageShortName } from '../../../web/lib/short_names.js';

const model = readFileSync(new URL('../../../model/stages.toml', import.meta.url), 'utf8');
const ids = [...model.matchAll(/^\[stages\.([a-z0-9_]+)\]$/gm)].map((m) => m[1]);

test('every stage of the model has a short name, a few characters long', () => {
  assert.ok(ids.length > 40, `${ids.length} stages in the model`);
  // A stage added to the model without an entry here is worth one (the fallback is its title).
  const missing = ids.filter((id) => !SHORT_NAMES[id]);
  assert.deepEqual(missing, [], 'stages without a short name in web/lib/short_names.js');
  for (const id of ids) assert.ok(SHORT_NAMES[id].length <= 10, `${id}: ${SHORT_NAMES[id]}`);
});

test('the names the issue asks for', () => {
  const want = {
    syscall_insn: 'SYSCALL', kpti_enter: 'KPTI', vfs_read_checks: 'VFS', ext4_file_read_iter: 'ext4', page_cache_lookup: 'page cache',
    block_submit: 'bio', nvme_queue_rq: 'NVMe', device_read: 'drive', nvme_irq: 'IRQ', wakeup_switch: 'wake-up', copy_to_user: 'copy',
  };
  for (const [id, name] of Object.entries(want)) assert.equal(stageShortName({ id }), name);
});

test('a stage the table does not know is named from its title; the model may name it itself', () => {
  assert.equal(stageShortName({ id: 'new_thing', title: 'Frobnicate: the widget' }), 'Frobnicate');
  assert.equal(stageShortName({ id: 'x', title: 'Take the big lock and spin' }), 'Take the');
  assert.ok(stageShortName({ id: 'y', title: 'Supercalifragilistic' }).length <= 12);
  assert.equal(stageShortName({ id: 'device_read', short: 'disk', title: 'The drive' }), 'disk');
  assert.equal(stageShortName({}), '');
});
