import { Duration } from 'aws-cdk-lib';
import { GateMode, type ModelFamily } from '../../lib';

/** A credit-risk model family: tabular applications with a sensitive attribute, GPU serving with a CPU fallback. */
export function creditRiskFamily(account = '123456789012', region = 'us-east-1'): ModelFamily {
  const registry = `${account}.dkr.ecr.${region}.amazonaws.com`;
  return {
    modelName: 'credit-risk',
    contract: {
      name: 'credit-applications',
      minRows: 1000,
      allowExtraColumns: false,
      columns: [
        { name: 'age', type: 'integer', nullable: false, min: 18, max: 120 },
        { name: 'income', type: 'number', min: 0, maxMissingFraction: 0.01 },
        { name: 'debt_ratio', type: 'number', min: 0, max: 10 },
        { name: 'sex', type: 'categorical', allowed: ['F', 'M', 'X'] },
        { name: 'region', type: 'categorical' },
        { name: 'email', type: 'string', pii: true },
        { name: 'label', type: 'integer', nullable: false, min: 0, max: 1 },
      ],
    },
    bias: { label: 'label', facet: 'sex', facetValue: 'F', group: 'region', mode: GateMode.FAIL },
    training: {
      image: `${registry}/warden-credit-risk-train:1`,
      instanceTypes: ['ml.g5.xlarge', 'ml.g4dn.xlarge', 'ml.m5.2xlarge'],
      maxRuntime: Duration.hours(1),
    },
    deployment: {
      instanceTypes: ['ml.g5.xlarge', 'ml.g4dn.xlarge', 'ml.c5.2xlarge'],
      canaryPercent: 10,
      bakeTime: Duration.minutes(10),
    },
    inferenceImage: `${registry}/warden-credit-risk-serve:1`,
    drift: { schedule: Duration.hours(1), psiThreshold: 0.2 },
    remediation: { cooldown: Duration.hours(2), dailyCap: 3 },
  };
}
