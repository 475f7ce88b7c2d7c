/**
 * EventBridge event patterns. Every documented example from the Amazon EventBridge user guide ("Event patterns",
 * "Matching null values and empty strings", "Arrays in event patterns", "Content filtering" / "Comparison operators")
 * and from the Event Ruler README (the engine behind EventBridge's matching) is checked with its stated outcome, then
 * invalid patterns with EventBridge's reasons, then properties over random values.
 */
import fc from 'fast-check';
import { compileEventPattern, matchesEventPattern, validateEventPattern } from '../../local/emulators/event-pattern';
import { ServiceError } from '../../local/emulators/service';

/** The EC2 event of the user guide's "Event patterns" page. */
const EC2_TERMINATED = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
};

/** The Auto Scaling event of "Matching null values and empty strings". */
const AUTOSCALING_LAUNCH = {
  version: '0',
  id: '3e3c153a-8339-4e30-8c35-687ebef853fe',
  'detail-type': 'EC2 Instance Launch Successful',
  source: 'aws.autoscaling',
  account: '123456789012',
  time: '2015-11-11T21:31:47Z',
  region: 'us-east-1',
  resources: [],
  detail: { eventVersion: '', responseElements: null },
};

/** The (truncated) Macie finding of the "Value matching" example. */
const MACIE_FINDING = {
  version: '0',
  id: '0948ba87-d3b8-c6d4-f2da-732a1example',
  'detail-type': 'Macie Finding',
  source: 'aws.macie',
  account: '123456789012',
  time: '2021-04-29T23:12:15Z',
  region: 'us-east-1',
  resources: [],
  detail: {
    schemaVersion: '1.0',
    type: 'Policy:IAMUser/S3BucketEncryptionDisabled',
    severity: { score: 1, description: 'Low' },
    count: 2,
  },
};

/** The Event Ruler README's example event. */
const RULER_EVENT = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '012345679012',
  time: '2017-10-02T16:24:49Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
  detail: {
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.33',
    'instance-id': 'i-000000aaaaaa00000',
    state: 'running',
  },
};

/** The user guide's "Exists matching" events: one with `detail.state`, one whose `c-count` is an object. */
const EXISTS_PENDING = {
  version: '0',
  id: '7bf73129-1428-4cd3-a780-95db273d1602',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '123456789012',
  time: '2015-11-11T21:29:54Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
  detail: { 'instance-id': 'i-abcd1111', state: 'pending' },
};
const EXISTS_INTERMEDIATE = {
  'detail-type': ['EC2 Instance State-change Notification'],
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
  detail: { state: ['initializing', 'running'], 'c-count': { c1: 100 } },
};
const EXISTS_NO_C_COUNT = {
  'detail-type': ['EC2 Instance State-change Notification'],
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
  detail: { state: ['initializing', 'running'] },
};

/** The Event Ruler README's "JSON Array Matching" event (nested arrays of objects). */
const EMPLOYEES = {
  employees: [
    [
      { firstName: 'John', lastName: 'Doe', ids: [1234, 1000, 9999] },
      { firstName: 'Anna', lastName: 'Smith' },
    ],
    [{ firstName: 'Peter', lastName: 'Jones', ids: [] }],
  ],
};

const detail = (fields: Record<string, unknown>) => ({ detail: fields });

type Example = readonly [name: string, pattern: unknown, event: unknown, matches: boolean];

const documented: Example[] = [
  // Event patterns
  [
    'EC2 instance-termination pattern',
    {
      source: ['aws.ec2'],
      'detail-type': ['EC2 Instance State-change Notification'],
      detail: { state: ['terminated'] },
    },
    EC2_TERMINATED,
    true,
  ],
  ['source is aws.ec2 or aws.fargate (values are ORed)', { source: ['aws.ec2', 'aws.fargate'] }, EC2_TERMINATED, true],
  ['a field the event lacks never matches a value', { detail: { size: ['terminated'] } }, EC2_TERMINATED, false],
  [
    'field matching on responseElements null',
    {
      source: ['aws.autoscaling'],
      'detail-type': ['EC2 Instance Launch Successful'],
      detail: { responseElements: [null] },
    },
    AUTOSCALING_LAUNCH,
    true,
  ],
  [
    'value matching on severity score 1 and count 2',
    { source: ['aws.macie'], 'detail-type': ['Macie Finding'], detail: { severity: { score: [1] }, count: [2] } },
    MACIE_FINDING,
    true,
  ],
  ['matching is case-sensitive', { source: ['AWS.EC2'] }, EC2_TERMINATED, false],
  // Null values and empty strings
  ['empty string matches the empty eventVersion', detail({ eventVersion: [''] }), AUTOSCALING_LAUNCH, true],
  ['null matches the null responseElements', detail({ responseElements: [null] }), AUTOSCALING_LAUNCH, true],
  ['an empty-string pattern does not match null', detail({ responseElements: [''] }), AUTOSCALING_LAUNCH, false],
  ['a null pattern does not match the empty string', detail({ eventVersion: [null] }), AUTOSCALING_LAUNCH, false],
  // Arrays
  [
    'pattern array and event array intersect',
    {
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
      ],
    },
    {
      resources: [
        'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
      ],
    },
    true,
  ],
  [
    'pattern array and event array do not intersect',
    { resources: ['arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f'] },
    { resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f'] },
    false,
  ],
  // Prefix, suffix, equals-ignore-case
  ['time prefix 2017-10-02', { time: [{ prefix: '2017-10-02' }] }, { time: '2017-10-02T18:43:48Z' }, true],
  ['time prefix 2017-10-02 on another day', { time: [{ prefix: '2017-10-02' }] }, EC2_TERMINATED, false],
  ['Region begins with us-', { Region: [{ prefix: 'us-' }] }, { Region: 'us-west-2' }, true],
  ['Region begins with us- (eu-west-1)', { Region: [{ prefix: 'us-' }] }, { Region: 'eu-west-1' }, false],
  [
    'service begins with EventB, ignoring case',
    detail({ service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] }),
    detail({ service: 'eventbridge' }),
    true,
  ],
  [
    'service begins with EventB, ignoring case (EVENTBRIDGE)',
    detail({ service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] }),
    detail({ service: 'EVENTBRIDGE' }),
    true,
  ],
  [
    'service begins with EventB, ignoring case (SQS)',
    detail({ service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] }),
    detail({ service: 'SQS' }),
    false,
  ],
  ['FileName ends with .png', { FileName: [{ suffix: '.png' }] }, { FileName: 'photo.png' }, true],
  ['FileName ends with .png (photo.PNG)', { FileName: [{ suffix: '.png' }] }, { FileName: 'photo.PNG' }, false],
  [
    'FileName ends with .png, ignoring case',
    detail({ FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] }),
    detail({ FileName: 'photo.PNG' }),
    true,
  ],
  [
    'detail-type equals, ignoring case',
    { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] },
    EXISTS_INTERMEDIATE,
    true,
  ],
  ['Name is alice, ignoring case', { Name: [{ 'equals-ignore-case': 'alice' }] }, { Name: 'Alice' }, true],
  ['Name is alice, ignoring case (Alicia)', { Name: [{ 'equals-ignore-case': 'alice' }] }, { Name: 'Alicia' }, false],
  ['LastName is empty', { LastName: [''] }, { LastName: '' }, true],
  [
    'Location and Day (And)',
    { Location: ['New York'], Day: ['Monday'] },
    { Location: 'New York', Day: 'Monday' },
    true,
  ],
  [
    'Location and Day (And), wrong day',
    { Location: ['New York'], Day: ['Monday'] },
    { Location: 'New York', Day: 'Friday' },
    false,
  ],
  // Anything-but
  ['state is anything but initializing', detail({ state: [{ 'anything-but': 'initializing' }] }), RULER_EVENT, true],
  [
    'state is anything but initializing (initializing)',
    detail({ state: [{ 'anything-but': 'initializing' }] }),
    detail({ state: 'initializing' }),
    false,
  ],
  ['x-limit is anything but 123', detail({ 'x-limit': [{ 'anything-but': 123 }] }), RULER_EVENT, true],
  [
    'x-limit is anything but 123 (123)',
    detail({ 'x-limit': [{ 'anything-but': 123 }] }),
    detail({ 'x-limit': 123 }),
    false,
  ],
  [
    'state is anything but stopped or overloaded',
    detail({ state: [{ 'anything-but': ['stopped', 'overloaded'] }] }),
    detail({ state: 'overloaded' }),
    false,
  ],
  [
    'x-limit is anything but 100, 200, 300',
    detail({ 'x-limit': [{ 'anything-but': [100, 200, 300] }] }),
    detail({ 'x-limit': 200 }),
    false,
  ],
  [
    'x-limit is anything but 100, 200, 300 (301.8)',
    detail({ 'x-limit': [{ 'anything-but': [100, 200, 300] }] }),
    RULER_EVENT,
    true,
  ],
  [
    'state does not begin with init',
    detail({ state: [{ 'anything-but': { prefix: 'init' } }] }),
    detail({ state: 'initializing' }),
    false,
  ],
  [
    'state does not begin with init (running)',
    detail({ state: [{ 'anything-but': { prefix: 'init' } }] }),
    RULER_EVENT,
    true,
  ],
  ['Region is not in the US', { Region: [{ 'anything-but': { prefix: 'us-' } }] }, { Region: 'eu-west-1' }, true],
  [
    'Region is not in the US (us-east-1)',
    { Region: [{ 'anything-but': { prefix: 'us-' } }] },
    { Region: 'us-east-1' },
    false,
  ],
  [
    'state begins with neither init nor error',
    detail({ state: [{ 'anything-but': { prefix: ['init', 'error'] } }] }),
    detail({ state: 'error: disk' }),
    false,
  ],
  [
    'FileName does not end with .png',
    { FileName: [{ 'anything-but': { suffix: '.png' } }] },
    { FileName: 'a.txt' },
    true,
  ],
  [
    'FileName does not end with .png (a.png)',
    { FileName: [{ 'anything-but': { suffix: '.png' } }] },
    { FileName: 'a.png' },
    false,
  ],
  [
    'instance-id ends with neither 1234 nor 6789',
    detail({ 'instance-id': [{ 'anything-but': { suffix: ['1234', '6789'] } }] }),
    detail({ 'instance-id': 'i-6789' }),
    false,
  ],
  [
    'state is anything but initializing, any casing',
    { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] },
    { state: 'INITIALIZING' },
    false,
  ],
  [
    'state is neither Stopped nor OverLoaded, any casing',
    detail({ state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'OverLoaded'] } }] }),
    detail({ state: 'running' }),
    true,
  ],
  [
    'FilePath does not include /lib/',
    { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
    { FilePath: '/usr/lib/x.so' },
    false,
  ],
  [
    'FilePath does not include /lib/ (/usr/bin/x)',
    { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
    { FilePath: '/usr/bin/x' },
    true,
  ],
  [
    'state is not a jar or class under /bin/',
    detail({ state: [{ 'anything-but': { wildcard: ['*/bin/*.jar', '*/bin/*.class'] } }] }),
    detail({ state: '/opt/bin/app.class' }),
    false,
  ],
  ['Weather is anything but Raining (Not)', { Weather: [{ 'anything-but': ['Raining'] }] }, { Weather: 'Sunny' }, true],
  // Wildcard
  ['source is Simple*Service', { source: [{ wildcard: 'Simple*Service' }] }, { source: 'SimpleQueueService' }, true],
  [
    'source is Simple*Service (SimpleQueue)',
    { source: [{ wildcard: 'Simple*Service' }] },
    { source: 'SimpleQueue' },
    false,
  ],
  [
    'any event bus of us-east-1',
    { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] },
    { EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/default' },
    true,
  ],
  [
    'any event bus of us-east-1 (us-west-2)',
    { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] },
    { EventBusArn: 'arn:aws:events:us-west-2:123456789012:event-bus/default' },
    false,
  ],
  // Numeric
  [
    'c-count, d-count and x-limit numeric ranges',
    detail({
      'c-count': [{ numeric: ['>', 0, '<=', 5] }],
      'd-count': [{ numeric: ['<', 10] }],
      'x-limit': [{ numeric: ['=', 3.018e2] }],
    }),
    RULER_EVENT,
    true,
  ],
  [
    'c-count above 5 is out of (0, 5]',
    detail({ 'c-count': [{ numeric: ['>', 0, '<=', 5] }] }),
    detail({ 'c-count': 5.5 }),
    false,
  ],
  ['Price is 100', { Price: [{ numeric: ['=', 100] }] }, { Price: 100 }, true],
  ['Price is more than 10 and at most 20', { Price: [{ numeric: ['>', 10, '<=', 20] }] }, { Price: 20 }, true],
  ['Price is more than 10 and at most 20 (10)', { Price: [{ numeric: ['>', 10, '<=', 20] }] }, { Price: 10 }, false],
  ['numeric matching works only on JSON numbers', { Price: [{ numeric: ['>', 10] }] }, { Price: '11' }, false],
  // IP address
  [
    'sourceIPAddress in 10.0.0.0/24',
    detail({ sourceIPAddress: [{ cidr: '10.0.0.0/24' }] }),
    detail({ sourceIPAddress: '10.0.0.255' }),
    true,
  ],
  [
    'sourceIPAddress in 10.0.0.0/24 (10.0.1.0)',
    detail({ sourceIPAddress: [{ cidr: '10.0.0.0/24' }] }),
    detail({ sourceIPAddress: '10.0.1.0' }),
    false,
  ],
  [
    'IPv6 source in 2001:db8::/32',
    detail({ sourceIPAddress: [{ cidr: '2001:db8::/32' }] }),
    detail({ sourceIPAddress: '2001:0db8:85a3:0000:0000:8a2e:0370:7334' }),
    true,
  ],
  [
    'IPv6 source in 2001:db8::/32 (2001:db9::1)',
    detail({ sourceIPAddress: [{ cidr: '2001:db8::/32' }] }),
    detail({ sourceIPAddress: '2001:db9::1' }),
    false,
  ],
  // Exists
  ['detail.state exists', detail({ state: [{ exists: true }] }), EXISTS_PENDING, true],
  [
    'detail.state exists (c-count event)',
    detail({ state: [{ exists: true }] }),
    { detail: { 'c-count': { c1: 100 } } },
    false,
  ],
  ['detail.c-count does not exist', detail({ 'c-count': [{ exists: false }] }), EXISTS_NO_C_COUNT, true],
  [
    'detail.c-count is not a leaf, so it does not exist',
    detail({ 'c-count': [{ exists: false }] }),
    EXISTS_INTERMEDIATE,
    true,
  ],
  ['exists: true ignores non-leaf fields', detail({ 'c-count': [{ exists: true }] }), EXISTS_INTERMEDIATE, false],
  ['ProductName exists (null is a value)', { ProductName: [{ exists: true }] }, { ProductName: null }, true],
  // Complex example and $or
  [
    'complex example with multiple matching',
    {
      time: [{ prefix: '2017-10-02' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
        'source-ip': [{ cidr: '10.0.0.0/8' }],
      },
    },
    RULER_EVENT,
    true,
  ],
  [
    '$or: c-count in range or d-count < 10 or x-limit = 301.8',
    detail({
      $or: [
        { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
        { 'd-count': [{ numeric: ['<', 10] }] },
        { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
      ],
    }),
    detail({ 'c-count': 50, 'd-count': 50, 'x-limit': 301.8 }),
    true,
  ],
  [
    '$or: none of the alternatives',
    detail({ $or: [{ 'c-count': [{ numeric: ['>', 0, '<=', 5] }] }, { 'd-count': [{ numeric: ['<', 10] }] }] }),
    detail({ 'c-count': 50, 'd-count': 50 }),
    false,
  ],
  [
    'Location is New York, or Day is Monday',
    { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] },
    { Location: 'Paris', Day: 'Monday' },
    true,
  ],
  [
    'source and (metricName or namespace)',
    {
      source: ['aws.cloudwatch'],
      $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
    },
    { source: 'aws.cloudwatch', namespace: 'AWS/ES' },
    true,
  ],
  [
    'nested "or" inside an "and" inside an "or"',
    {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['CPUUtilization', 'ReadLatency'] },
        {
          metricType: ['MetricType'],
          namespace: ['AWS/EC2', 'AWS/ES'],
          $or: [{ metricId: [1234] }, { spaceId: [1000] }],
        },
        { scope: ['Service'] },
      ],
    },
    { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2', spaceId: 1000 },
    true,
  ],
  // Arrays of objects (array consistency)
  ['employees with firstName Anna', { employees: { firstName: ['Anna'] } }, EMPLOYEES, true],
  [
    'Anna Jones is two different employees',
    { employees: { firstName: ['Anna'], lastName: ['Jones'] } },
    EMPLOYEES,
    false,
  ],
  ['John with id 1000', { employees: { firstName: ['John'], ids: [1000] } }, EMPLOYEES, true],
  ['Anna has no ids', { employees: { firstName: ['Anna'], ids: [{ exists: false }] } }, EMPLOYEES, true],
  [
    'Anna has no ids, so ids does not exist for her',
    { employees: { firstName: ['Anna'], ids: [{ exists: true }] } },
    EMPLOYEES,
    false,
  ],
  ['employees is not a leaf', { employees: ['b'] }, EMPLOYEES, false],
];

describe('documented examples', () => {
  it.each(documented)('%s', (_name, pattern, event, expected) => {
    expect(matchesEventPattern(pattern, event)).toBe(expected);
  });

  it('uses the last mention of a repeated key, as the user guide notes', () => {
    const pattern: unknown = JSON.parse(
      '{"detail": {"location": [{"prefix": "us-"}], "location": [{"anything-but": "us-east"}]}}',
    );
    expect(matchesEventPattern(pattern, detail({ location: 'eu-west' }))).toBe(true);
    expect(matchesEventPattern(pattern, detail({ location: 'us-east' }))).toBe(false);
  });

  it('reads dotted keys as nesting, as the Event Ruler README warns', () => {
    expect(
      matchesEventPattern({ detail: { 'state.status': ['running'] } }, { detail: { state: { status: 'running' } } }),
    ).toBe(true);
    expect(
      matchesEventPattern({ detail: { state: { status: ['running'] } } }, { detail: { 'state.status': 'running' } }),
    ).toBe(true);
  });
});

describe('value types', () => {
  it('compares numbers by value and never equals a string', () => {
    expect(matchesEventPattern({ n: [300] }, JSON.parse('{"n": 3.0e2}'))).toBe(true);
    expect(matchesEventPattern({ n: [300] }, { n: '300' })).toBe(false);
    expect(matchesEventPattern({ n: ['300'] }, { n: 300 })).toBe(false);
  });

  it('matches true, false and null only by themselves', () => {
    expect(matchesEventPattern({ b: [true] }, { b: true })).toBe(true);
    expect(matchesEventPattern({ b: [true] }, { b: 'true' })).toBe(false);
    expect(matchesEventPattern({ b: [false] }, { b: null })).toBe(false);
  });

  it('applies prefix, suffix, wildcard and equals-ignore-case to strings only', () => {
    expect(matchesEventPattern({ v: [{ prefix: '1' }] }, { v: 12 })).toBe(false);
    expect(matchesEventPattern({ v: [{ suffix: '2' }] }, { v: 12 })).toBe(false);
    expect(matchesEventPattern({ v: [{ wildcard: '*' }] }, { v: 12 })).toBe(false);
    expect(matchesEventPattern({ v: [{ wildcard: '*' }] }, { v: '' })).toBe(true);
    expect(matchesEventPattern({ v: [{ 'equals-ignore-case': 'TRUE' }] }, { v: true })).toBe(false);
  });

  it('lets anything-but match values of another type than the excluded ones', () => {
    expect(matchesEventPattern({ v: [{ 'anything-but': '5' }] }, { v: 5 })).toBe(true);
    expect(matchesEventPattern({ v: [{ 'anything-but': 5 }] }, { v: '5' })).toBe(true);
    expect(matchesEventPattern({ v: [{ 'anything-but': { prefix: 'x' } }] }, { v: null })).toBe(true);
  });

  it('treats a string pattern that is an IP address as that address', () => {
    expect(matchesEventPattern({ ip: ['::1'] }, { ip: '0:0:0:0:0:0:0:1' })).toBe(true);
    expect(matchesEventPattern({ ip: ['10.0.0.1'] }, { ip: '10.0.0.1' })).toBe(true);
    expect(matchesEventPattern({ ip: ['10.0.0.1'] }, { ip: '10.0.0.2' })).toBe(false);
  });

  it('keeps IPv4 and IPv6 blocks apart, and reads IPv4-mapped IPv6 as IPv4 as Java does', () => {
    expect(matchesEventPattern({ ip: [{ cidr: '10.0.0.0/8' }] }, { ip: '::a00:1' })).toBe(false);
    expect(matchesEventPattern({ ip: [{ cidr: '10.0.0.0/8' }] }, { ip: '::ffff:a00:1' })).toBe(true);
    expect(matchesEventPattern({ ip: [{ cidr: '0.0.0.0/0' }] }, { ip: '255.255.255.255' })).toBe(true);
    expect(matchesEventPattern({ ip: [{ cidr: '10.0.0.0/8' }] }, { ip: 'not an address' })).toBe(false);
  });

  it('honours the wildcard escapes \\* and \\\\', () => {
    expect(matchesEventPattern({ v: [{ wildcard: 'a\\*b' }] }, { v: 'a*b' })).toBe(true);
    expect(matchesEventPattern({ v: [{ wildcard: 'a\\*b' }] }, { v: 'axb' })).toBe(false);
    expect(matchesEventPattern({ v: [{ wildcard: 'a\\\\*' }] }, { v: 'a\\tail' })).toBe(true);
  });

  it('folds case per character, including characters whose cases differ in length', () => {
    expect(matchesEventPattern({ v: [{ 'equals-ignore-case': 'ÉTÉ' }] }, { v: 'été' })).toBe(true);
    expect(matchesEventPattern({ v: [{ 'equals-ignore-case': 'ⱥ' }] }, { v: 'Ⱥ' })).toBe(true);
    expect(matchesEventPattern({ v: [{ suffix: { 'equals-ignore-case': 'Ⱥb' } }] }, { v: 'xⱥB' })).toBe(true);
  });
});

describe('exists and arrays', () => {
  it('treats an empty array as absent', () => {
    expect(matchesEventPattern({ ids: [{ exists: false }] }, { ids: [] })).toBe(true);
    expect(matchesEventPattern({ ids: [{ exists: true }] }, { ids: [] })).toBe(false);
  });

  it('sees an array of values as present when it has any value', () => {
    expect(matchesEventPattern({ ids: [{ exists: true }] }, { ids: [[], [7]] })).toBe(true);
  });

  it('judges exists:false against the array elements chosen by the fields before it in name order', () => {
    const items = { items: [{ a: 1, b: 'x' }, { a: 2 }] };
    // "a" comes before "b": a = 2 chooses the second element, which has no "b".
    expect(matchesEventPattern({ items: { a: [2], b: [{ exists: false }] } }, items)).toBe(true);
    expect(matchesEventPattern({ items: { a: [1], b: [{ exists: false }] } }, items)).toBe(false);
    // On its own, exists:false sees every element: "b" is present in one of them.
    expect(matchesEventPattern({ items: { b: [{ exists: false }] } }, items)).toBe(false);
    // With nothing chosen before it, "b" is present (in the first element), though the second lacks both b and z.
    expect(matchesEventPattern({ items: { b: [{ exists: false }], z: [{ exists: false }] } }, items)).toBe(false);
  });

  it('combines anything-but with exists:false in one field', () => {
    const pattern = detail({ tier: [{ 'anything-but': ['gold', 'silver'] }, { exists: false }] });
    expect(matchesEventPattern(pattern, detail({ tier: 'bronze' }))).toBe(true);
    expect(matchesEventPattern(pattern, detail({}))).toBe(true);
    expect(matchesEventPattern(pattern, detail({ tier: 'gold' }))).toBe(false);
  });

  it('matches a pattern of only exists:false against an event without the parent object', () => {
    expect(matchesEventPattern(detail({ a: [{ exists: false }], b: [{ exists: false }] }), { source: 'x' })).toBe(true);
  });
});

const invalid: [name: string, pattern: unknown, reason: string][] = [
  ['a pattern that is not an object', ['aws.ec2'], 'Filter is not an object'],
  ['a null pattern', null, 'Filter is not an object'],
  ['an empty pattern', {}, 'Empty objects are not allowed'],
  ['an empty nested object', { detail: {} }, 'Empty objects are not allowed at detail'],
  ['a leaf that is not an array', { source: 'aws.ec2' }, '"source" must be an object or an array at source'],
  ['an empty array', { source: [] }, 'Empty arrays are not allowed at source'],
  ['an array inside the values', { source: [['aws.ec2']] }, 'Match value must be String, number, true, false, or null'],
  ['an unknown operator', { source: [{ contains: 'ec2' }] }, 'Unrecognized match type contains'],
  ['an empty match expression', { source: [{}] }, 'Match expression name not found'],
  [
    'two operators in one expression',
    { source: [{ prefix: 'a', suffix: 'b' }] },
    'Only one key allowed in match expression',
  ],
  ['a prefix that is not a string', { source: [{ prefix: 5 }] }, 'prefix match pattern must be a string'],
  [
    'prefix with another operator inside',
    { source: [{ prefix: { wildcard: 'a*' } }] },
    'Unsupported prefix pattern: wildcard',
  ],
  ['a suffix with an empty object', { source: [{ suffix: {} }] }, 'Suffix expression name not found'],
  [
    'equals-ignore-case on a number',
    { source: [{ 'equals-ignore-case': 5 }] },
    'equals-ignore-case match pattern must be a string',
  ],
  ['consecutive wildcards', { source: [{ wildcard: 'a**b' }] }, 'Consecutive wildcard characters at pos 2'],
  ['an escape of another character', { source: [{ wildcard: 'a\\b' }] }, 'Invalid escape character at pos 2'],
  ['a trailing backslash', { source: [{ wildcard: 'ab\\' }] }, 'Invalid escape character at pos 3'],
  ['a numeric that is not an array', { n: [{ numeric: 5 }] }, 'Value of numeric must be an array.'],
  ['an empty numeric', { n: [{ numeric: [] }] }, 'Invalid member in numeric match: ]'],
  ['a numeric operator that is not a string', { n: [{ numeric: [5, '>'] }] }, 'Invalid member in numeric match: 5'],
  ['an unknown numeric operator', { n: [{ numeric: ['!=', 5] }] }, 'Unrecognized numeric range operator: !='],
  ['a non-numeric bound', { n: [{ numeric: ['>', '5'] }] }, 'Value of > must be numeric'],
  ['an equals without a number', { n: [{ numeric: ['='] }] }, 'Value of equals must be numeric'],
  [
    'an upper bound before a lower bound',
    { n: [{ numeric: ['<', 10, '>', 0] }] },
    'Too many elements in numeric expression',
  ],
  ['a second lower bound', { n: [{ numeric: ['>', 0, '>=', 10] }] }, 'Bad numeric range operator: >='],
  ['a number where the upper operator goes', { n: [{ numeric: ['>', 0, 10] }] }, 'Bad value in numeric range: 10'],
  ['three comparisons', { n: [{ numeric: ['>', 0, '<', 5, '<', 6] }] }, 'Too many terms in numeric range expression'],
  ['an empty range', { n: [{ numeric: ['>=', 5, '<', 5] }] }, 'Bottom must be less than top'],
  [
    'a numeric with another operator',
    { n: [{ numeric: ['>', 0], exists: true }] },
    'Too many elements in numeric expression',
  ],
  [
    'anything-but null',
    { s: [{ 'anything-but': null }] },
    'Value of anything-but must be an array or single string/number value.',
  ],
  ['anything-but of mixed types', { s: [{ 'anything-but': ['a', 1] }] }, 'either all values are number or string'],
  ['anything-but of an empty list', { s: [{ 'anything-but': [] }] }, 'either all values are number or string'],
  [
    'anything-but of booleans',
    { s: [{ 'anything-but': [true] }] },
    'Inside anything but list, start|null|boolean is not supported.',
  ],
  [
    'anything-but of an unsupported operator',
    { s: [{ 'anything-but': { numeric: ['>', 1] } }] },
    'Unsupported anything-but pattern: numeric',
  ],
  ['anything-but of an empty object', { s: [{ 'anything-but': {} }] }, 'Anything-But expression name not found'],
  ['anything-but of an empty prefix', { s: [{ 'anything-but': { prefix: '' } }] }, 'Null prefix/suffix not allowed'],
  [
    'anything-but of a numeric suffix',
    { s: [{ 'anything-but': { suffix: [1] } }] },
    'prefix/suffix match pattern must be a string',
  ],
  [
    'anything-but of a bad wildcard',
    { s: [{ 'anything-but': { wildcard: ['a*', 'b**'] } }] },
    'Consecutive wildcard characters at pos 2',
  ],
  [
    'anything-but ignoring case of a number',
    { s: [{ 'anything-but': { 'equals-ignore-case': 1 } }] },
    'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.',
  ],
  ['exists of a string', { s: [{ exists: 'yes' }] }, 'exists match pattern must be either true or false.'],
  ['a CIDR that is not a string', { ip: [{ cidr: 10 }] }, 'prefix match pattern must be a string'],
  ['a CIDR without a mask', { ip: [{ cidr: '10.0.0.0' }] }, "Malformed CIDR, one '/' required"],
  ['a CIDR with a word for a mask', { ip: [{ cidr: '10.0.0.0/x' }] }, 'Malformed CIDR, mask bits must be an integer'],
  ['a /32 IPv4 block', { ip: [{ cidr: '10.0.0.1/32' }] }, 'IPv4 mask bits must be < 32'],
  ['a /128 IPv6 block', { ip: [{ cidr: '::1/128' }] }, 'IPv6 mask bits must be < 128'],
  ['a host name for a CIDR', { ip: [{ cidr: 'example.com/8' }] }, 'Nonstandard IP address: example.com'],
  ['an IPv4 address out of range', { ip: [{ cidr: '300.0.0.0/8' }] }, 'Invalid IP address: 300.0.0.0'],
  ['$or that is not an array', { $or: { a: ['x'] } }, 'It must be an Array followed with $or.'],
  ['$or with one alternative', { $or: [{ a: ['x'] }] }, 'There must have at least 2 Objects in $or relationship.'],
  ['$or with a value', { $or: [{ a: ['x'] }, 'b'] }, 'Only JSON object is allowed in array of $or relationship.'],
  [
    'an operator name as a field inside $or',
    { $or: [{ numeric: [1] }, { b: [2] }] },
    'numeric is Ruler reserved fieldName which cannot be used inside $or.',
  ],
  [
    'more than 1000 $or combinations',
    Object.fromEntries(
      ['a', 'b', 'c', 'd'].map((key) => [key, { $or: [1, 2, 3, 4, 5, 6].map((n) => ({ [`f${n}`]: [n] })) }]),
    ),
    '1296 rule combinations',
  ],
];

describe('invalid patterns', () => {
  it.each(invalid)('rejects %s', (_name, pattern, reason) => {
    let thrown: unknown;
    try {
      validateEventPattern(pattern);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ServiceError);
    const error = thrown as ServiceError;
    expect(error.name).toBe('InvalidEventPatternException');
    expect(error.$fault).toBe('client');
    expect(error.message).toMatch(/^Event pattern is not valid\. Reason: /);
    expect(error.message).toContain(reason);
  });

  it('accepts 1000 $or combinations', () => {
    const pattern = Object.fromEntries(
      ['a', 'b', 'c'].map((key) => [key, { $or: Array.from({ length: 10 }, (_, n) => ({ [`f${n}`]: [n] })) }]),
    );
    expect(() => validateEventPattern(pattern)).not.toThrow();
    const event = { a: { f3: 3 }, b: { f9: 9 }, c: { f0: 0 } };
    expect(matchesEventPattern(pattern, event)).toBe(true);
    expect(matchesEventPattern(pattern, { ...event, c: { f0: 1 } })).toBe(false);
  });

  it('validates a pattern before matching it', () => {
    expect(() => matchesEventPattern({ source: [] }, { source: 'x' })).toThrow(ServiceError);
  });
});

describe('properties', () => {
  const text = fc.string({ maxLength: 8 });
  const plain = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'Z', '-', '.', ' ', 'é'), maxLength: 6 });
  const escape = (s: string) => s.replace(/[\\*]/g, (c) => `\\${c}`);

  it('matches a string by prefix, suffix, escaped wildcard and exact value', () => {
    fc.assert(
      fc.property(text, text, text, (a, b, c) => {
        const v = a + b + c;
        expect(matchesEventPattern({ v: [{ prefix: a }] }, { v })).toBe(true);
        expect(matchesEventPattern({ v: [{ suffix: c }] }, { v })).toBe(true);
        expect(matchesEventPattern({ v: [{ wildcard: `${escape(a)}*${escape(c)}` }] }, { v })).toBe(true);
        expect(matchesEventPattern({ v: [{ wildcard: escape(v) }] }, { v })).toBe(true);
        expect(matchesEventPattern({ v: [v] }, { v })).toBe(true);
        expect(matchesEventPattern({ v: [{ 'anything-but': v }] }, { v })).toBe(false);
      }),
    );
  });

  it('makes anything-but a list the complement of the list, and ignoring case agree with upper-casing', () => {
    fc.assert(
      fc.property(fc.uniqueArray(plain, { minLength: 1, maxLength: 4 }), plain, (values, v) => {
        const listed = matchesEventPattern({ v: values }, { v });
        expect(listed).toBe(values.includes(v));
        expect(matchesEventPattern({ v: [{ 'anything-but': values }] }, { v })).toBe(!listed);
        expect(matchesEventPattern({ v: [{ 'equals-ignore-case': v.toUpperCase() }] }, { v })).toBe(true);
        const anyCase = values.some((value) => value.toLowerCase() === v.toLowerCase());
        expect(matchesEventPattern({ v: [{ 'anything-but': { 'equals-ignore-case': values } }] }, { v })).toBe(
          !anyCase,
        );
      }),
    );
  });

  it('matches numeric ranges exactly as the comparisons say', () => {
    const number = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 });
    fc.assert(
      fc.property(number, number, number, fc.boolean(), fc.boolean(), (x, p, q, openLow, openHigh) => {
        fc.pre(p !== q);
        const [low, high] = p < q ? [p, q] : [q, p];
        const pattern = { n: [{ numeric: [openLow ? '>' : '>=', low, openHigh ? '<' : '<=', high] }] };
        const inside = (openLow ? x > low : x >= low) && (openHigh ? x < high : x <= high);
        expect(matchesEventPattern(pattern, { n: x })).toBe(inside);
      }),
    );
  });

  it('makes $or the disjunction of its alternatives', () => {
    const leaf = fc.oneof(
      plain.map((s) => [s] as unknown[]),
      plain.map((s) => [{ prefix: s }] as unknown[]),
      fc.constant([{ exists: false }] as unknown[]),
      fc.constant([{ exists: true }] as unknown[]),
    );
    const simple = fc.dictionary(fc.constantFrom('a', 'b', 'c'), leaf, { minKeys: 1, maxKeys: 3 });
    const event = fc.dictionary(fc.constantFrom('a', 'b', 'c'), plain, { maxKeys: 3 });
    fc.assert(
      fc.property(simple, simple, event, (left, right, e) => {
        const either = compileEventPattern({ $or: [left, right] }).matches(e);
        expect(either).toBe(matchesEventPattern(left, e) || matchesEventPattern(right, e));
      }),
    );
  });
});
