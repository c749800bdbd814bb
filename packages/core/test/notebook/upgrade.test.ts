import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Notebook } from '@nbrun/core/execute/types.js';
import {
  assertValidNotebook45,
  isValidCellId,
  parseNotebook,
  randomCellId,
  readNotebook,
  repairCellIds,
  upgradeNotebook,
} from '@nbrun/core/notebook/index.js';

const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/notebooks/', import.meta.url));
const fixture = (name: string) => join(FIXTURES, name);

/** The notebook with ids and nbformat_minor removed, to compare everything else. */
function withoutIdsAndMinor(nb: Notebook): unknown {
  const { nbformat_minor: _minor, ...rest } = structuredClone(nb);
  return { ...rest, cells: rest.cells.map(({ id: _id, ...cell }) => cell) };
}

describe('upgradeNotebook: 4.0–4.4 → 4.5', () => {
  it.each([0, 1, 2, 3, 4])('4.%i gets unique valid ids, minor 5, and nothing else changes', async (minor) => {
    const original = await readNotebook(fixture(`v4.${minor}-no-ids.ipynb`), { upgrade: false });
    expect(original.nbformat_minor).toBe(minor);
    const before = structuredClone(original);
    const upgraded = upgradeNotebook(original);
    assertValidNotebook45(upgraded);
    const ids = upgraded.cells.map((cell) => cell.id as string);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}$/);
    expect(withoutIdsAndMinor(upgraded)).toEqual(withoutIdsAndMinor(before));
  });

  it('keeps markdown, raw cells, attachments and metadata of other tools untouched', async () => {
    const text = await readFile(fixture('metadata-of-other-tools.ipynb'), 'utf8');
    const asV44 = JSON.parse(text) as Notebook;
    asV44.nbformat_minor = 4;
    for (const cell of asV44.cells) delete cell.id;
    const upgraded = parseNotebook(JSON.stringify(asV44), 'tools.ipynb');
    const direct = parseNotebook(text, 'tools.ipynb');
    expect(withoutIdsAndMinor(upgraded)).toEqual(withoutIdsAndMinor(direct));
    const attachments = parseNotebook(await readFile(fixture('attachments.ipynb'), 'utf8'), 'a.ipynb', { upgrade: false });
    const copy = structuredClone(attachments);
    expect(upgradeNotebook(attachments)).toEqual(copy);
  });

  it('leaves a 4.5 notebook with good ids as it is', async () => {
    const nb = await readNotebook(fixture('attachments.ipynb'));
    const copy = structuredClone(nb);
    expect(upgradeNotebook(nb)).toEqual(copy);
  });
});

describe('cell id repair, as nbformat’s validator does it', () => {
  it.each([
    { file: 'duplicate-ids.ipynb', kept: { 0: 'same', 2: 'other' }, replaced: [1, 3] },
    { file: 'missing-ids-4.5.ipynb', kept: { 1: 'has-id' }, replaced: [0, 2] },
    { file: 'invalid-ids.ipynb', kept: { 4: 'fine_id-1' }, replaced: [0, 1, 2, 3] },
  ])('$file: keeps the first use of each valid id, replaces the others', async ({ file, kept, replaced }) => {
    const nb = await readNotebook(fixture(file));
    assertValidNotebook45(nb);
    const ids = nb.cells.map((cell) => cell.id);
    for (const [index, id] of Object.entries(kept)) expect(ids[Number(index)]).toBe(id);
    const raw = JSON.parse(await readFile(fixture(file), 'utf8')) as { cells: Array<{ id?: unknown }> };
    for (const index of replaced) {
      expect(ids[index]).toMatch(/^[0-9a-f]{8}$/);
      expect(ids[index]).not.toBe(raw.cells[index]?.id);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('reports what it repaired', () => {
    const nb = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        { id: 'x', cell_type: 'raw', metadata: {}, source: '' },
        { id: 'x', cell_type: 'raw', metadata: {}, source: '' },
        { cell_type: 'raw', metadata: {}, source: '' },
        { id: '', cell_type: 'raw', metadata: {}, source: '' },
      ],
    } as Notebook;
    const repairs = repairCellIds(nb);
    expect(repairs.map(({ cellIndex, previous, reason }) => ({ cellIndex, previous, reason }))).toEqual([
      { cellIndex: 1, previous: 'x', reason: 'duplicate' },
      { cellIndex: 2, previous: undefined, reason: 'missing' },
      { cellIndex: 3, previous: '', reason: 'invalid' },
    ]);
    expect(repairs.map((r) => r.id)).toEqual([nb.cells[1]?.id, nb.cells[2]?.id, nb.cells[3]?.id]);
  });

  it('makes random ids that are valid and distinct', () => {
    const ids = Array.from({ length: 1000 }, randomCellId);
    expect(ids.every(isValidCellId)).toBe(true);
    expect(new Set(ids).size).toBeGreaterThan(990);
  });
});
