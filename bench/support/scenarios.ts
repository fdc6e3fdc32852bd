/** Every scenario of the main table: single images (operations.ts), then the 3-platform index (platforms.ts). */
import { createImageScenarios, type OperationName, type Scenario } from './operations.ts';
import { createPlatformScenarios } from './platforms.ts';

/** The scenarios of the selected operations, in report order (new objects: call once per registry). */
export function createScenarios(operations: readonly OperationName[]): Scenario[] {
  return [...createImageScenarios(), ...createPlatformScenarios()].filter((s) =>
    operations.includes(s.operation),
  );
}
