/** The one normalised shape of VEX documents (OpenVEX, CSAF VEX). */

export const VEX_STATUSES = ['not_affected', 'affected', 'fixed', 'under_investigation'] as const;
export type VexStatus = (typeof VEX_STATUSES)[number];

export const VEX_JUSTIFICATIONS = [
  'component_not_present',
  'vulnerable_code_not_present',
  'vulnerable_code_not_in_execute_path',
  'vulnerable_code_cannot_be_controlled_by_adversary',
  'inline_mitigations_already_exist',
] as const;

export interface VexComponent {
  /** The component's `@id` and identifiers (purl, cpe23, cpe22) and `algorithm:hex` hashes. */
  ids: string[];
}

export interface VexProduct extends VexComponent {
  subcomponents: VexComponent[];
}

export interface VexStatement {
  vulnerability: { name: string; aliases: string[] };
  products: VexProduct[];
  status: VexStatus;
  justification: string | null;
  impactStatement: string | null;
  actionStatement: string | null;
  /** The statement's time, else the document's (RFC 3339 UTC with milliseconds). */
  timestamp: string;
}

export interface VexDocument {
  /** The format it was read from. */
  format: 'openvex' | 'csaf';
  id: string;
  author: string;
  timestamp: string;
  version: number;
  statements: VexStatement[];
}
