// The status page: asks the API's health endpoints and shows each answer.
/* global document */
const CHECKS = [
  ['API', '/health'],
  ['Database', '/api/v1/health/database'],
  ['Redis', '/api/v1/health/redis'],
  ['Audit log', '/api/v1/health/audit-status'],
];

async function probe(path) {
  try {
    const response = await fetch(path, { headers: { accept: 'application/json' } });
    return response.ok ? 'up' : `down (${response.status})`;
  } catch {
    return 'unreachable';
  }
}

function renderStatusTable() {
  const root = document.getElementById('root');
  const heading = document.createElement('h2');
  heading.textContent = 'Service status';
  const table = document.createElement('table');
  table.id = 'status';
  const head = table.createTHead().insertRow();
  for (const title of ['Check', 'Status']) {
    const th = document.createElement('th');
    th.textContent = title;
    head.appendChild(th);
  }
  root.replaceChildren(heading, table);
  return table.createTBody();
}

async function showStatus() {
  const body = renderStatusTable();
  for (const [name, path] of CHECKS) {
    const row = body.insertRow();
    row.insertCell().textContent = name;
    const cell = row.insertCell();
    cell.textContent = 'checking…';
    cell.textContent = await probe(path);
    cell.className = cell.textContent === 'up' ? 'up' : 'down';
  }
}

showStatus();
