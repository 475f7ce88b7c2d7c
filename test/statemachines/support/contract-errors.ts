/** The error names a state machine may end with (CONTRACTS.md, "Error names raised by state machines"). */
import {
  BiasGateFailedError,
  CapacityUnavailableError,
  DeploymentRolledBackError,
  EvaluationFailedError,
  RemediationSuppressedError,
  ValidationFailedError,
} from '../../../lambdas/shared/errors';

export const CONTRACT_ERRORS: readonly string[] = [
  ValidationFailedError,
  BiasGateFailedError,
  EvaluationFailedError,
  CapacityUnavailableError,
  DeploymentRolledBackError,
  RemediationSuppressedError,
].map((ErrorClass): string => new ErrorClass('').name);
