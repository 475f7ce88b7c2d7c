import { Duration } from 'aws-cdk-lib';
import { GateMode, type ModelFamily } from '../../lib';

/** The images of a family that brings its own training and serving containers. */
export interface FraudDetectionImages {
  /**
   * Training image URI in ECR, in the control-plane region: it honours SageMaker's training container contract
   * (`/opt/ml/input/data/train`, `/opt/ml/model`, exit code) and reads its hyperparameters from
   * `/opt/ml/input/config/hyperparameters.json`, falling back to the defaults baked into the image.
   */
  readonly trainingImage: string;
  /** Serving image URI in ECR, in the serving region (`/ping`, `/invocations` on port 8080). */
  readonly inferenceImage: string;
}

/**
 * A card-fraud model family trained by the team's own container (gradient-boosted trees on CPU instances): a contract
 * for the transaction features, a bias gate on the customer's age band in warn mode, manual approval of every version,
 * a three-instance CPU fleet with a 20 % canary, half-hourly drift checks on the features that move first, and
 * remediation that only suggests until the team trusts it.
 */
export function fraudDetectionFamily(images: FraudDetectionImages): ModelFamily {
  return {
    modelName: 'fraud-detection',
    contract: {
      name: 'card-transactions',
      minRows: 5000,
      allowExtraColumns: false,
      columns: [
        { name: 'amount', type: 'number', nullable: false, min: 0 },
        { name: 'merchant_category', type: 'categorical', nullable: false },
        { name: 'hour_of_day', type: 'integer', nullable: false, min: 0, max: 23 },
        { name: 'country', type: 'categorical', maxMissingFraction: 0.001 },
        { name: 'card_present', type: 'boolean', nullable: false },
        { name: 'customer_age_band', type: 'categorical', allowed: ['18-25', '26-40', '41-65', '65+'] },
        { name: 'customer_email', type: 'string', pii: true },
        { name: 'is_fraud', type: 'integer', nullable: false, min: 0, max: 1 },
      ],
    },
    bias: {
      label: 'is_fraud',
      facet: 'customer_age_band',
      facetValue: '65+',
      positive: '1',
      thresholds: { DPL: 0.1, DPPL: 0.1, AccuracyGap: 0.05 },
      mode: GateMode.WARN,
    },
    training: {
      image: images.trainingImage,
      instanceTypes: ['ml.m5.2xlarge', 'ml.m5.4xlarge', 'ml.c5.4xlarge'],
      maxRuntime: Duration.hours(3),
      maxWait: Duration.hours(5),
      transformInstanceType: 'ml.m5.large',
      // Read by the image from /opt/ml/input/config/hyperparameters.json.
      hyperParameters: { max_depth: '6', eta: '0.1', num_round: '300' },
    },
    deployment: {
      instanceTypes: ['ml.c6i.xlarge', 'ml.c5.xlarge'],
      instanceCount: 3,
      canaryPercent: 20,
      bakeTime: Duration.minutes(15),
      variantName: 'primary',
      autoApprove: false,
    },
    inferenceImage: images.inferenceImage,
    drift: {
      schedule: Duration.minutes(30),
      features: ['amount', 'merchant_category', 'hour_of_day', 'country'],
      psiThreshold: 0.25,
      evaluationPeriods: 4,
      datapointsToAlarm: 3,
    },
    remediation: { cooldown: Duration.hours(4), dailyCap: 2, suggestOnly: true },
  };
}
