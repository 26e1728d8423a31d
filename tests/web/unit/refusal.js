// The check of the EngineError that a refused value rejects with, one copy for the engine's tests
// over the API (tests/web/unit/engine.test.js) and over WebAssembly (tests/wasm/engine.test.js).
import assert from 'node:assert/strict';

/**
 * Asserts that `e` is an EngineError of a refusal: its status (400 unless told), the field,
 * value and allowed values the engine named, and a message matching `message` when given.
 * Returns true, as assert.rejects wants of its check.
 */
export function isRefusal(e, { status = 400, field, value, allowed, message } = {}) {
  assert.equal(e.name, 'EngineError');
  assert.equal(e.status, status);
  assert.equal(e.field, field);
  assert.equal(e.value, value);
  assert.equal(e.allowed, allowed);
  if (message) assert.match(e.message, message);
  return true;
}
