/**
 * The compute resources the training state machine asks SageMaker for: a volume KMS key exactly on EBS-backed types.
 */
import { trainingResourceConfig, transformResources } from '../../lib/compute-resources';

const KEY = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555';

describe('compute resources', () => {
  it.each([
    ['ml.m5.4xlarge', true],
    ['ml.c6i.2xlarge', true],
    ['ml.p3.2xlarge', true],
    ['ml.g5.2xlarge', false],
    ['ml.g4dn.xlarge', false],
    ['ml.p4d.24xlarge', false],
    ['ml.m5d.2xlarge', false],
  ])('%s gets a volume key: %s', (instanceType, keyed) => {
    const volume = keyed ? { VolumeKmsKeyId: KEY } : {};
    expect(trainingResourceConfig(instanceType, KEY)).toEqual({
      InstanceCount: 1,
      InstanceType: instanceType,
      VolumeSizeInGB: 50,
      ...volume,
    });
    expect(transformResources(instanceType, KEY)).toEqual({ InstanceType: instanceType, InstanceCount: 1, ...volume });
  });
});
