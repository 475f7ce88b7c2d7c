import { type Field, field, knownItems, knownString } from './sagemaker-requests';

/**
 * SageMaker instance families with local NVMe instance storage. Their storage is encrypted by the instance's hardware
 * and SageMaker rejects a KMS key for it (`VolumeKmsKeyId` of training and transform jobs, `KmsKeyId` of endpoint
 * configs). Not every GPU family has it: ml.p2 and ml.p3 (but ml.p3dn) use EBS, as do ml.inf1 and ml.inf2.
 */
const INSTANCE_STORAGE_FAMILIES =
  /^ml\.(c5d|c6id|g4dn|g5|g6|g6e|gr6|m5d|m6id|p3dn|p4d|p4de|p5|p5e|p5en|r5d|r6id|trn1|trn1n|trn2)\./;

/** True when SageMaker would reject a KMS key for the storage volume of this instance type. */
export function hasInstanceStorage(instanceType: string): boolean {
  return INSTANCE_STORAGE_FAMILIES.test(instanceType);
}

/** The instance types a request runs on, as far as they are known at synth time. */
export interface RequestedInstanceTypes {
  /** Types named literally. */
  readonly known: string[];
  /** True when some type is chosen at run time or comes from a reference. */
  readonly unknown: boolean;
}

/** Instance types of a CreateTrainingJob, CreateTransformJob or CreateEndpointConfig request. */
export function requestedInstanceTypes(request: unknown, operation: string): RequestedInstanceTypes {
  const values: Field[] = [];
  let unknown = false;
  const eachItem = (list: Field) => {
    const items = knownItems(list);
    if (items === undefined) unknown = true;
    else values.push(...items.map((item) => field(item, 'InstanceType')));
  };
  if (operation === 'CreateTrainingJob') {
    values.push(field(request, 'ResourceConfig', 'InstanceType'));
    eachItem(field(request, 'ResourceConfig', 'InstanceGroups'));
  } else if (operation === 'CreateTransformJob') {
    values.push(field(request, 'TransformResources', 'InstanceType'));
  } else if (operation === 'CreateEndpointConfig') {
    eachItem(field(request, 'ProductionVariants'));
    eachItem(field(request, 'ShadowProductionVariants'));
  }
  const known: string[] = [];
  for (const value of values.filter((candidate) => candidate.kind !== 'absent')) {
    const type = knownString(value);
    if (type === undefined) unknown = true;
    else known.push(type);
  }
  return { known, unknown };
}
