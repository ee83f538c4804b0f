// The gateway's `state.entities` decoder and RFC 7396 merge patch in JavaScript, for the load generators
// (bench/node/entity_loadgen.js, bench/node/game_loadgen.js). It follows the layout written in
// Tools/realtimenet/state/entities.py: per collection a varint member count, a presence bit per member (by
// name), a field mask per present member, then a zigzag varint quantum difference per changed field.
'use strict';

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function mergePatch(target, patch) { // in place where it can
  if (!isObject(patch)) return patch;
  const out = isObject(target) ? target : {};
  for (const k of Object.keys(patch)) {
    if (patch[k] === null) delete out[k];
    else out[k] = mergePatch(out[k], patch[k]);
  }
  return out;
}

function stepOf(step) { // m * 10^-d from the step's shortest decimal form, as realtimenet.state.quantize.Step
  const s = String(step);
  if (/e/i.test(s)) throw new Error(`step ${s}: exponent form not handled`);
  const [int, frac = ''] = s.split('.');
  const digits = (int + frac).replace(/^0+/, '') || '0';
  let m = Number(digits);
  let d = frac.length;
  while (d > 0 && m % 10 === 0) { m /= 10; d -= 1; }
  return [m, d];
}

function schemaOf(description) { // {collection: {field: step}} -> {collection: [[field, m, d], ...] by name}
  const out = {};
  for (const [name, fields] of Object.entries(description || {})) {
    out[name] = Object.keys(fields).sort().map((f) => [f, ...stepOf(fields[f])]);
  }
  return out;
}

class Reader {
  constructor(buf) { this.buf = buf; this.pos = 0; }

  varint() {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error('truncated varint');
      const b = this.buf[this.pos++];
      value += (b & 0x7f) * scale;
      if (!(b & 0x80)) return value;
      scale *= 128;
      if (scale > 2 ** 63) throw new Error('varint too long');
    }
  }

  bits(n) {
    const size = Math.ceil(n / 8);
    if (this.pos + size > this.buf.length) throw new Error('truncated bit field');
    const out = new Array(n);
    for (let i = 0; i < n; i += 1) out[i] = ((this.buf[this.pos + (i >> 3)] >> (i & 7)) & 1) === 1;
    this.pos += size;
    return out;
  }
}

// Applies the packed differences to `doc` (at the message's `from`) in place; `onMoved(collection, id, entity)`,
// when given, is called once per member that moved. Throws when the message does not fit the document.
function applyEntities(doc, schema, entities, onMoved) {
  for (const [name, encoded] of Object.entries(entities)) {
    const fields = schema[name];
    const coll = doc[name];
    if (!fields || !isObject(coll)) throw new Error(`${name} is not a declared collection of the document`);
    const r = new Reader(Buffer.from(encoded, 'base64'));
    const names = Object.keys(coll).sort();
    if (r.varint() !== names.length) throw new Error('member count differs');
    const flags = r.bits(names.length);
    const present = names.filter((_, i) => flags[i]);
    const masks = r.bits(present.length * fields.length);
    present.forEach((id, i) => {
      const e = coll[id];
      fields.forEach(([f, m, d], j) => {
        if (!masks[i * fields.length + j]) return;
        const old = Math.round((e[f] * 10 ** d) / m);
        const z = r.varint();
        const q = old + (z % 2 === 0 ? z / 2 : -(z + 1) / 2);
        e[f] = d === 0 ? q * m : (q * m) / 10 ** d;
      });
      if (onMoved) onMoved(name, id, e);
    });
    if (r.pos !== r.buf.length) throw new Error('trailing bytes');
  }
}

module.exports = { isObject, mergePatch, stepOf, schemaOf, applyEntities };
