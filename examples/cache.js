// Builds a report from records it caches and never evicts: memory grows with
// time. Profile it as usual to see the memory line and track, and with
// --mode alloc to see where the bytes are allocated.
const cache = new Map();

function loadRecord(id) {
  const orders = [];
  for (let i = 0; i < 5; i++) orders.push({ sku: `sku-${id}-${i}`, quantity: i + 1 });
  return { id, name: `customer ${id}`, orders };
}

function getRecord(id) {
  let record = cache.get(id);
  if (!record) {
    record = loadRecord(id);
    cache.set(id, record);
  }
  return record;
}

function renderLine(record) {
  return JSON.stringify(record);
}

function buildReport(from, count) {
  let size = 0;
  for (let id = from; id < from + count; id++) size += renderLine(getRecord(id)).length;
  return size;
}

let total = 0;
for (let batch = 0; batch < 20; batch++) total += buildReport(batch * 10000, 10000);
console.log(`report: ${total} bytes, ${cache.size} cached records`);
