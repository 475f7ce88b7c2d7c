/**
 * Errors with stable names. State machines branch on these names (`Catch.ErrorEquals`), the CLI maps
 * {@link InputError} to exit code 2, so a name once released never changes.
 */

/** Base class: `name` is the stable identifier, `message` one readable sentence. */
export abstract class WardenError extends Error {
  abstract override readonly name: string;
}

/** The input (file, contract, options, event) is unusable: the caller must fix it. CLI exit code 2. */
export class InputError extends WardenError {
  override readonly name = 'Warden.InputError';
}

/** The dataset broke its data contract. */
export class ValidationFailedError extends WardenError {
  override readonly name = 'Warden.ValidationFailed';
}

/** A bias metric crossed its threshold in fail mode. */
export class BiasGateFailedError extends WardenError {
  override readonly name = 'Warden.BiasGateFailed';
}

/** The candidate model did not meet its quality bar. */
export class EvaluationFailedError extends WardenError {
  override readonly name = 'Warden.EvaluationFailed';
}

/** Every instance type in the fallback list was out of capacity. */
export class CapacityUnavailableError extends WardenError {
  override readonly name = 'Warden.CapacityUnavailable';
}

/** The canary tripped an alarm and the endpoint returned to the previous version. */
export class DeploymentRolledBackError extends WardenError {
  override readonly name = 'Warden.DeploymentRolledBack';
}

/** A brake (lock, cooldown, daily cap, suggest-only) stopped a remediation. */
export class RemediationSuppressedError extends WardenError {
  override readonly name = 'Warden.RemediationSuppressed';
}

/** The dataset is above the size one invocation reads: the training state machine checks it in parts instead. */
export class DatasetTooLargeError extends WardenError {
  override readonly name = 'Warden.DatasetTooLarge';
}
