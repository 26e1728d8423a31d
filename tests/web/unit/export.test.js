// The downloads' names. The files are the engine's own: their content is tested where the page
// fetches them (unit/engine.test.js: runAs) and where it offers them (browser/page.test.js).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exportName } from '../../../web/lib/export.js';

test('export names are safe file names', () => {
  assert.equal(exportName(''), 'sysjourney-default');
  assert.equal(exportName('fd=file&cache=hit'), 'sysjourney-fd=file_cache=hit');
  assert.equal(exportName('a=b/../c'), 'sysjourney-a=b..c');
});
