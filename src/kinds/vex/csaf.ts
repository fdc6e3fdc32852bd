/**
 * CSAF 2.0 VEX documents (OASIS CSAF 2.0, section 4.5 "Profile 5: VEX"; `document.category:
 * csaf_vex`), as Red Hat, Cisco, Siemens and Secvisogram publish them, read into the one VEX shape.
 *
 * - Products are resolved through the product tree: the `product` of every branch, the
 *   `full_product_names`, and relationships (`CSAFPID-A:CSAFPID-B`, "component A of product B"),
 *   which become product B with subcomponent A, as OpenVEX nests them. A product's identifiers are
 *   its `product_identification_helper` purl(s), cpe and file hashes (`sha256:hex`), else its name.
 * - `product_status`: known_not_affected -> not_affected, fixed / first_fixed -> fixed,
 *   known_affected / first_affected / last_affected -> affected, under_investigation.
 * - The justification is the `flags` label naming the product (CSAF's labels are OpenVEX's
 *   justifications); the impact statement the `threats` of category impact; the action statement
 *   the `remediations`. The profile's rules are checked: a known_not_affected product needs a flag
 *   or an impact threat, a known_affected one a remediation, and every product id must be defined.
 * - One statement per vulnerability, status and product, timed at the document's
 *   `current_release_date`; id and author are `tracking.id` and `publisher.name`.
 */
import { isRecord } from '../../util/json-record.ts';
import { type KindContext, kindInvalid, withFormat } from '../kind.ts';
import { toUtcTimestamp } from '../time.ts';
import type { VexComponent, VexDocument, VexProduct, VexStatement, VexStatus } from './types.ts';
import { VEX_JUSTIFICATIONS } from './types.ts';

/** A CSAF document of any category (`document.csaf_version`). */
export function isCsaf(document: unknown): document is Record<string, unknown> {
  return isRecord(document) && isRecord(document.document) && 'csaf_version' in document.document;
}

const STATUS_LISTS: ReadonlyArray<readonly [string, VexStatus]> = [
  ['known_not_affected', 'not_affected'],
  ['fixed', 'fixed'],
  ['first_fixed', 'fixed'],
  ['known_affected', 'affected'],
  ['first_affected', 'affected'],
  ['last_affected', 'affected'],
  ['under_investigation', 'under_investigation'],
];

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function required(
  record: Record<string, unknown>,
  key: string,
  context: KindContext,
  keys: (string | number)[],
) {
  const value = text(record[key]);
  if (value === undefined) throw kindInvalid(context, [...keys, key], 'is required (a non-empty string)');
  return value;
}

function identifiers(product: Record<string, unknown>): string[] {
  const helper = isRecord(product.product_identification_helper) ? product.product_identification_helper : {};
  const ids: string[] = [];
  const purl = text(helper.purl);
  if (purl !== undefined) ids.push(purl);
  // CSAF 2.1 lists several purls.
  if (Array.isArray(helper.purls))
    for (const p of helper.purls) if (text(p) !== undefined) ids.push(p as string);
  const cpe = text(helper.cpe);
  if (cpe !== undefined) ids.push(cpe);
  if (Array.isArray(helper.hashes))
    for (const entry of helper.hashes)
      if (isRecord(entry) && Array.isArray(entry.file_hashes))
        for (const hash of entry.file_hashes)
          if (isRecord(hash) && text(hash.algorithm) !== undefined && text(hash.value) !== undefined)
            ids.push(`${(hash.algorithm as string).toLowerCase().replace('-', '')}:${hash.value as string}`);
  if (ids.length === 0 && text(product.name) !== undefined) ids.push(product.name as string);
  return [...new Set(ids)];
}

/** Every product id of the tree -> its product (a relationship: the parent with the component). */
function productTree(tree: unknown, context: KindContext): Map<string, VexProduct> {
  const plain = new Map<string, string[]>();
  const add = (product: unknown, keys: (string | number)[]) => {
    if (!isRecord(product)) throw kindInvalid(context, keys, 'must be an object');
    plain.set(required(product, 'product_id', context, keys), identifiers(product));
  };
  if (!isRecord(tree)) throw kindInvalid(context, ['product_tree'], 'is required (an object)');
  const walk = (branches: unknown, keys: (string | number)[]) => {
    if (!Array.isArray(branches)) throw kindInvalid(context, keys, 'must be an array');
    for (const [i, branch] of branches.entries()) {
      if (!isRecord(branch)) throw kindInvalid(context, [...keys, i], 'must be an object');
      if (branch.product !== undefined) add(branch.product, [...keys, i, 'product']);
      if (branch.branches !== undefined) walk(branch.branches, [...keys, i, 'branches']);
    }
  };
  if (tree.branches !== undefined) walk(tree.branches, ['product_tree', 'branches']);
  if (Array.isArray(tree.full_product_names))
    for (const [i, product] of tree.full_product_names.entries())
      add(product, ['product_tree', 'full_product_names', i]);
  const products = new Map<string, VexProduct>(
    [...plain].map(([id, ids]) => [id, { ids, subcomponents: [] }] as const),
  );
  if (Array.isArray(tree.relationships))
    for (const [i, relationship] of tree.relationships.entries()) {
      const keys = ['product_tree', 'relationships', i];
      if (!isRecord(relationship) || !isRecord(relationship.full_product_name))
        throw kindInvalid(context, keys, 'must be an object with a full_product_name');
      const id = required(relationship.full_product_name, 'product_id', context, [
        ...keys,
        'full_product_name',
      ]);
      const component = required(relationship, 'product_reference', context, keys);
      const parent = required(relationship, 'relates_to_product_reference', context, keys);
      const componentIds = plain.get(component);
      const parentIds = plain.get(parent);
      if (componentIds === undefined)
        throw kindInvalid(
          context,
          [...keys, 'product_reference'],
          `names an undefined product "${component}"`,
        );
      if (parentIds === undefined)
        throw kindInvalid(
          context,
          [...keys, 'relates_to_product_reference'],
          `names an undefined product "${parent}"`,
        );
      products.set(id, { ids: parentIds, subcomponents: [{ ids: componentIds } satisfies VexComponent] });
    }
  return products;
}

/** The details of the entries (flags, threats, remediations) naming `productId`. */
function about(
  list: unknown,
  productId: string,
  pick: (entry: Record<string, unknown>) => string | undefined,
) {
  if (!Array.isArray(list)) return [];
  return list
    .filter(
      (entry): entry is Record<string, unknown> =>
        isRecord(entry) && Array.isArray(entry.product_ids) && entry.product_ids.includes(productId),
    )
    .map(pick)
    .filter((value) => value !== undefined);
}

export function readCsafVex(document: Record<string, unknown>, outer: KindContext): VexDocument {
  const context = withFormat(outer, 'csaf');
  const meta = document.document as Record<string, unknown>;
  if (meta.category !== 'csaf_vex')
    throw kindInvalid(
      context,
      ['document', 'category'],
      `must be "csaf_vex" (the CSAF VEX profile), not ${JSON.stringify(meta.category)}`,
    );
  if (meta.csaf_version !== '2.0') throw kindInvalid(context, ['document', 'csaf_version'], 'must be "2.0"');
  const publisher = isRecord(meta.publisher) ? meta.publisher : undefined;
  if (publisher === undefined) throw kindInvalid(context, ['document', 'publisher'], 'is required');
  const tracking = isRecord(meta.tracking) ? meta.tracking : undefined;
  if (tracking === undefined) throw kindInvalid(context, ['document', 'tracking'], 'is required');
  const author = required(publisher, 'name', context, ['document', 'publisher']);
  const id = required(tracking, 'id', context, ['document', 'tracking']);
  const released = required(tracking, 'current_release_date', context, ['document', 'tracking']);
  const timestamp = toUtcTimestamp(released);
  if (timestamp === null)
    throw kindInvalid(
      context,
      ['document', 'tracking', 'current_release_date'],
      'must be an RFC 3339 timestamp',
    );
  const versionText = required(tracking, 'version', context, ['document', 'tracking']);
  // Integer versioning ("2") or semantic versioning ("1.4.0"): the major number.
  const version = Number(/^(\d+)/.exec(versionText)?.[1] ?? Number.NaN);
  if (!Number.isSafeInteger(version))
    throw kindInvalid(
      context,
      ['document', 'tracking', 'version'],
      'must be an integer or a semantic version',
    );

  const products = productTree(document.product_tree, context);
  if (!Array.isArray(document.vulnerabilities))
    throw kindInvalid(context, ['vulnerabilities'], 'is required (an array)');
  const statements: VexStatement[] = [];
  for (const [v, vulnerability] of document.vulnerabilities.entries()) {
    const keys: (string | number)[] = ['vulnerabilities', v];
    if (!isRecord(vulnerability)) throw kindInvalid(context, keys, 'must be an object');
    const otherIds = Array.isArray(vulnerability.ids)
      ? vulnerability.ids.flatMap((entry) =>
          isRecord(entry) && text(entry.text) ? [entry.text as string] : [],
        )
      : [];
    const name = text(vulnerability.cve) ?? otherIds[0];
    if (name === undefined) throw kindInvalid(context, keys, 'needs a cve or ids (CSAF VEX profile)');
    const aliases = otherIds.filter((alias) => alias !== name);
    const status = isRecord(vulnerability.product_status) ? vulnerability.product_status : undefined;
    if (status === undefined)
      throw kindInvalid(context, [...keys, 'product_status'], 'is required (CSAF VEX profile)');
    let listed = 0;
    for (const [list, vexStatus] of STATUS_LISTS) {
      const ids = status[list];
      if (ids === undefined) continue;
      if (!Array.isArray(ids))
        throw kindInvalid(context, [...keys, 'product_status', list], 'must be an array');
      for (const [p, productId] of ids.entries()) {
        const where = [...keys, 'product_status', list, p];
        const product = typeof productId === 'string' ? products.get(productId) : undefined;
        if (product === undefined)
          throw kindInvalid(
            context,
            where,
            `names a product the product_tree does not define (${JSON.stringify(productId)})`,
          );
        const flags = about(vulnerability.flags, productId as string, (f) => text(f.label));
        const justification = flags.find((label) =>
          (VEX_JUSTIFICATIONS as readonly string[]).includes(label),
        );
        const impact = about(vulnerability.threats, productId as string, (t) =>
          t.category === 'impact' ? text(t.details) : undefined,
        );
        const actions = about(vulnerability.remediations, productId as string, (r) => text(r.details));
        if (vexStatus === 'not_affected' && justification === undefined && impact.length === 0)
          throw kindInvalid(
            context,
            where,
            'is known_not_affected without a flag or an impact threat (CSAF VEX profile)',
          );
        if (list === 'known_affected' && actions.length === 0)
          throw kindInvalid(context, where, 'is known_affected without a remediation (CSAF VEX profile)');
        statements.push({
          vulnerability: { name, aliases },
          products: [product],
          status: vexStatus,
          justification: justification ?? null,
          impactStatement: impact.length === 0 ? null : impact.join(' '),
          actionStatement: actions.length === 0 ? null : actions.join(' '),
          timestamp,
        });
        listed++;
      }
    }
    if (listed === 0)
      throw kindInvalid(
        context,
        [...keys, 'product_status'],
        'must list a product as fixed, known_affected, known_not_affected or under_investigation (CSAF VEX profile)',
      );
  }
  return { format: 'csaf', id, author, timestamp, version, statements };
}
