import { hasInstanceStorage } from './nag/instance-storage';

/** Size of a training job's storage volume on EBS-backed instance types. */
const TRAINING_VOLUME_GB = 50;

/**
 * `ResourceConfig` of a training job on one instance type. An EBS-backed type gets its volume encrypted with the
 * given key; a type with NVMe instance storage gets no key, since SageMaker refuses one (its storage is encrypted by
 * the instance's hardware).
 */
export function trainingResourceConfig(instanceType: string, volumeKmsKeyId: string): Record<string, unknown> {
  return {
    InstanceCount: 1,
    InstanceType: instanceType,
    VolumeSizeInGB: TRAINING_VOLUME_GB,
    ...volumeKey(instanceType, volumeKmsKeyId),
  };
}

/** `TransformResources` of a batch transform job on one instance type, keyed the same way. */
export function transformResources(instanceType: string, volumeKmsKeyId: string): Record<string, unknown> {
  return { InstanceType: instanceType, InstanceCount: 1, ...volumeKey(instanceType, volumeKmsKeyId) };
}

function volumeKey(instanceType: string, volumeKmsKeyId: string): { VolumeKmsKeyId?: string } {
  return hasInstanceStorage(instanceType) ? {} : { VolumeKmsKeyId: volumeKmsKeyId };
}
