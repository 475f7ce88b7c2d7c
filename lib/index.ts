/** Public API of cdk-ml-warden. */
export * from './settings';
export * from './warden-function';
export * from './secure-bucket';
export * from './foundation';
export * from './lineage-store';
export * from './gates';
export * from './sagemaker-role';
export * from './warden-state-machine';
export type { TaskGrantContext } from './task-grants';
export * from './model-deployment';
export * from './drift-monitor';
export * from './dashboard';
export * from './warden';
export * from './warden-serving';
export * from './warden-app';
export * from './naming';
export * from './nag';
export * from './events';
