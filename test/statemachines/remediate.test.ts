/**
 * The remediation state machine, run locally on one alarm state change. decide-remediation, the regional deployment
 * and EventBridge are stand-ins; their answers are scripted per test.
 */
import { StubbedAwsError } from './support/fake-aws';
import { ENDPOINT_NAME } from './support/substitutions';
import { alarmEvent, runRemediation } from './support/worlds';

const EVENT_ID = 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92';
const lastGood = { modelVersion: 6, endpointConfigName: `${ENDPOINT_NAME}-v6-0a1b2c3d-0` };

describe('remediation state machine', () => {
  it('rolls the alarm region back to its last known good config and audits it', async () => {
    const { execution, aws } = await runRemediation(alarmEvent(), {
      'decide-remediation': () => ({ action: 'rollback', reason: 'drift on income', lastGood }),
      'start-regional-deployment': () => ({ region: 'eu-west-1', outcome: 'Succeeded' }),
    });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.statesEntered).toEqual([
      'DecideRemediation',
      'ChooseRemediation',
      'RollBackRegion',
      'AuditRemediation',
      'RemediationSucceeded',
    ]);
    expect(aws.lambdaPayloads('decide-remediation')).toEqual([
      {
        alarmName: 'warden-credit-drift-income',
        region: 'eu-west-1',
        correlationId: EVENT_ID,
        state: 'ALARM',
        at: '2024-06-02T10:15:00Z',
      },
    ]);
    expect(aws.lambdaPayloads('start-regional-deployment')).toEqual([
      {
        mode: 'rollback',
        region: 'eu-west-1',
        modelVersion: 6,
        endpointConfigName: lastGood.endpointConfigName,
        correlationId: EVENT_ID,
        taskToken: 'token-for-remediation-1',
      },
    ]);
    expect(aws.lambdaPayloads('append-audit')).toEqual([
      expect.objectContaining({
        actor: 'warden/remediation',
        action: 'remediation.rollback',
        subject: 'warden-credit-drift-income',
      }),
    ]);
  });

  it('asks for a retrain with a Warden Retrain Requested event', async () => {
    const { execution, aws } = await runRemediation(alarmEvent(), {
      'decide-remediation': () => ({ action: 'retrain', reason: 'drift persists after rollback' }),
    });

    expect(execution.status).toBe('SUCCEEDED');
    expect(aws.events).toEqual([
      {
        Source: 'warden',
        DetailType: 'Warden Retrain Requested',
        EventBusName: 'warden-credit',
        Detail: {
          modelName: 'credit',
          alarmName: 'warden-credit-drift-income',
          region: 'eu-west-1',
          correlationId: EVENT_ID,
          reason: 'drift persists after rollback',
        },
      },
    ]);
    expect(aws.lambdaPayloads('append-audit')).toEqual([expect.objectContaining({ action: 'remediation.retrain' })]);
    expect(aws.lambdaPayloads('start-regional-deployment')).toEqual([]);
  });

  it('records and publishes a suppressed remediation and ends without an execution failure', async () => {
    const { execution, aws } = await runRemediation(alarmEvent(), {
      'decide-remediation': () => ({ action: 'suppressed', reason: 'cooldown: last remediation 4 minutes ago' }),
    });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.statesEntered.at(-1)).toBe('RemediationSuppressed');
    expect(aws.lambdaPayloads('append-audit')).toEqual([
      expect.objectContaining({
        action: 'remediation.suppressed',
        detail: expect.objectContaining({
          decision: { action: 'suppressed', reason: 'cooldown: last remediation 4 minutes ago' },
        }),
      }),
    ]);
    expect(aws.events.map((event) => [event.DetailType, event.Detail.reason])).toEqual([
      ['Warden Remediation Suppressed', 'cooldown: last remediation 4 minutes ago'],
    ]);
  });

  it('audits a rollback that did not take and fails with Warden.RemediationSuppressed', async () => {
    const { execution, aws } = await runRemediation(alarmEvent(), {
      'decide-remediation': () => ({ action: 'rollback', reason: 'drift on income', lastGood }),
      'start-regional-deployment': () => {
        throw new StubbedAwsError('Warden.DeploymentRolledBack', 'Endpoint did not return to the last good config');
      },
    });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Warden.RemediationSuppressed');
    expect(execution.cause).toBe('Endpoint did not return to the last good config');
    expect(aws.lambdaPayloads('append-audit')).toEqual([
      expect.objectContaining({
        action: 'remediation.failed',
        detail: expect.objectContaining({
          error: { Error: 'Warden.DeploymentRolledBack', Cause: 'Endpoint did not return to the last good config' },
        }),
      }),
    ]);
  });

  it('refuses a rollback decision without a last known good config', async () => {
    const { execution, aws } = await runRemediation(alarmEvent(), {
      'decide-remediation': () => ({ action: 'rollback', reason: 'drift on income' }),
    });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Warden.RemediationSuppressed');
    expect(execution.cause).toContain('cannot be carried out');
    expect(aws.lambdaPayloads('start-regional-deployment')).toEqual([]);
    expect(aws.lambdaPayloads('append-audit')).toEqual([expect.objectContaining({ action: 'remediation.failed' })]);
  });
});
