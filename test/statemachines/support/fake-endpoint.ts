/**
 * A SageMaker endpoint as the deploy state machine sees it through CreateModel, CreateEndpointConfig,
 * DescribeEndpoint, CreateEndpoint, UpdateEndpoint and DeleteEndpoint: the calls return at once (UpdateEndpoint and
 * DeleteEndpoint, like SageMaker's, refuse an endpoint that does not exist or has a change in progress) and the
 * endpoint settles after a number of DescribeEndpoint polls, the way the real one settles minutes later.
 */
import { StubbedAwsError, type Handler } from './fake-aws';

/** How one CreateEndpoint/UpdateEndpoint call ends. */
export type EndpointOutcome =
  /** The new config goes into service. */
  | 'in-service'
  /** The canary trips an alarm: SageMaker returns the endpoint to the config it had. */
  | 'alarm-rollback'
  /** SageMaker cannot provision the new fleet and returns the endpoint to the config it had. */
  | 'capacity-rollback'
  /** The call itself is refused for lack of quota for the instance type. */
  | 'resource-limit'
  /** The endpoint ends in Failed. */
  | 'failed'
  /** A new endpoint cannot get its fleet: SageMaker has nothing to return to and leaves it Failed. */
  | 'capacity-failed';

interface PendingChange {
  readonly configName: string;
  readonly outcome: EndpointOutcome;
  pollsLeft: number;
}

export class FakeEndpoint {
  /** The config in service before the execution (undefined: the endpoint did not exist). */
  readonly initialConfigName?: string;
  configName?: string;
  status?: string;
  failureReason?: string;
  readonly configs = new Map<string, Record<string, unknown>>();
  readonly changes: Array<{ readonly action: string; readonly request: Record<string, unknown> }> = [];
  private pending?: PendingChange;
  private readonly outcomes: EndpointOutcome[];

  constructor(
    private readonly options: {
      readonly name: string;
      /** The config in service before the execution; undefined when the endpoint does not exist yet. */
      readonly existingConfigName?: string;
      /** Outcomes of successive create/update calls. @default ['in-service'] */
      readonly outcomes?: EndpointOutcome[];
      /** DescribeEndpoint calls that still report the change in progress. @default 0 */
      readonly pollsUntilSettled?: number;
    },
  ) {
    this.initialConfigName = options.existingConfigName;
    this.configName = options.existingConfigName;
    this.status = options.existingConfigName === undefined ? undefined : 'InService';
    this.outcomes = [...(options.outcomes ?? ['in-service'])];
  }

  handlers(): Record<string, Handler> {
    return {
      createModel: (request) => ({
        ModelArn: `arn:aws:sagemaker:us-east-1:123456789012:model/${String(request.ModelName)}`,
      }),
      createEndpointConfig: (request) => {
        this.configs.set(String(request.EndpointConfigName), request);
        return {
          EndpointConfigArn: `arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/${String(request.EndpointConfigName)}`,
        };
      },
      describeEndpoint: () => this.describe(),
      createEndpoint: (request) => this.change('createEndpoint', request, 'Creating'),
      updateEndpoint: (request) => {
        if (this.status === undefined) throw this.notFound();
        this.refuseWhileInProgress();
        return this.change('updateEndpoint', request, 'Updating');
      },
      deleteEndpoint: (request) => {
        if (this.status === undefined) throw this.notFound();
        this.refuseWhileInProgress();
        this.changes.push({ action: 'deleteEndpoint', request });
        this.configName = undefined;
        this.status = undefined;
        this.failureReason = undefined;
        return {};
      },
    };
  }

  /**
   * Lets SageMaker finish a change still in progress, as it does whether or not anyone polls: what the endpoint serves
   * once the execution is long over.
   */
  finishPendingChange(): void {
    const pending = this.pending;
    if (pending === undefined) return;
    this.pending = undefined;
    this.settle(pending);
  }

  /**
   * SageMaker refuses UpdateEndpoint and DeleteEndpoint while a change is in progress. Each refused call is a moment
   * later, like a poll: the change settles after as many calls as it takes DescribeEndpoint polls.
   */
  private refuseWhileInProgress(): void {
    const pending = this.pending;
    if (pending === undefined) return;
    if (pending.pollsLeft-- > 0) {
      throw new StubbedAwsError(
        'SageMaker.AmazonSageMakerException',
        `Cannot update in-progress endpoint "arn:aws:sagemaker:us-east-1:123456789012:endpoint/${this.options.name}". (Service: AmazonSageMaker; Status Code: 400; Error Code: ValidationException)`,
      );
    }
    this.pending = undefined;
    this.settle(pending);
  }

  /** What SageMaker answers for an endpoint it does not know (DescribeEndpoint, UpdateEndpoint, DeleteEndpoint). */
  private notFound(): StubbedAwsError {
    return new StubbedAwsError(
      'SageMaker.AmazonSageMakerException',
      `Could not find endpoint "arn:aws:sagemaker:us-east-1:123456789012:endpoint/${this.options.name}". (Service: AmazonSageMaker; Status Code: 400; Error Code: ValidationException)`,
    );
  }

  private change(action: string, request: Record<string, unknown>, status: string): unknown {
    this.changes.push({ action, request });
    const outcome = this.outcomes.shift() ?? 'in-service';
    if (outcome === 'resource-limit') {
      throw new StubbedAwsError(
        'SageMaker.ResourceLimitExceeded',
        'The account-level service limit for the instance type is 0 Instances.',
      );
    }
    this.status = status;
    this.pending = {
      configName: String(request.EndpointConfigName),
      outcome,
      pollsLeft: this.options.pollsUntilSettled ?? 0,
    };
    return { EndpointArn: `arn:aws:sagemaker:us-east-1:123456789012:endpoint/${this.options.name}` };
  }

  private describe(): unknown {
    if (this.status === undefined) throw this.notFound();
    const pending = this.pending;
    if (pending && pending.pollsLeft-- <= 0) {
      this.pending = undefined;
      this.settle(pending);
    }
    return {
      EndpointName: this.options.name,
      EndpointArn: `arn:aws:sagemaker:us-east-1:123456789012:endpoint/${this.options.name}`,
      ...(this.configName === undefined ? {} : { EndpointConfigName: this.configName }),
      EndpointStatus: this.status,
      ...(this.failureReason === undefined ? {} : { FailureReason: this.failureReason }),
    };
  }

  private settle(change: PendingChange): void {
    switch (change.outcome) {
      case 'in-service':
        this.configName = change.configName;
        this.status = 'InService';
        this.failureReason = undefined;
        return;
      case 'alarm-rollback':
        this.status = 'InService';
        this.failureReason = 'Deployment was rolled back because alarm warden-credit-5xx went into ALARM state.';
        return;
      case 'capacity-rollback':
        this.status = 'InService';
        this.failureReason =
          'Unable to provision requested ML compute capacity. Please retry using a different ML instance type.';
        return;
      case 'capacity-failed':
        this.configName ??= change.configName;
        this.status = 'Failed';
        this.failureReason =
          'Unable to provision requested ML compute capacity. Please retry using a different ML instance type.';
        return;
      default:
        this.configName ??= change.configName;
        this.status = 'Failed';
        this.failureReason = 'The primary container for production variant primary did not pass the ping health check.';
    }
  }
}
