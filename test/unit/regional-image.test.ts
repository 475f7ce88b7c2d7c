/** Which inference image a serving region's SageMaker models run. */
import { imageInRegion } from '../../lib/regional-image';

describe('imageInRegion', () => {
  const image = '111122223333.dkr.ecr.us-east-1.amazonaws.com/credit/serve:1.4.0';

  it('moves an ECR image to the serving region’s replica, tag and digest kept', () => {
    expect(imageInRegion(image, 'eu-west-1')).toBe('111122223333.dkr.ecr.eu-west-1.amazonaws.com/credit/serve:1.4.0');
    expect(imageInRegion(image, 'us-east-1')).toBe(image);
    const pinned = '111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn/serve@sha256:' + 'a'.repeat(64);
    expect(imageInRegion(pinned, 'cn-northwest-1')).toBe(pinned.replace('cn-north-1', 'cn-northwest-1'));
  });

  it('prefers the image named for the region', () => {
    const named = { 'eu-west-1': '444455556666.dkr.ecr.eu-west-1.amazonaws.com/serve:eu' };
    expect(imageInRegion(image, 'eu-west-1', named)).toBe(named['eu-west-1']);
    expect(imageInRegion(image, 'ap-south-1', named)).toBe(image.replace('us-east-1', 'ap-south-1'));
  });

  it('uses any other image as it is', () => {
    for (const other of ['registry.example.com/serve:1', '${Token[TOKEN.123]}', 'serve:latest']) {
      expect(imageInRegion(other, 'eu-west-1')).toBe(other);
    }
  });
});
